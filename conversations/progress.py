"""Where an institution's evaluation stands: completion, the running index, who answered, what is late.

The same facts feed the group summary (aggregates only), the daily digest, the nudges to officers
(and to the owners of overdue items of the improvement plan) and the lead's full table in private chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from conversations.checklist import EvidenceStatus, evidence_status
from conversations.plan_status import plan_snapshot
from knowledge.models import Pack
from knowledge.scoring import Evaluation, evaluate
from reports.snapshot import Plan
from storage.models import Answer, Assignment, Institution, Member, Period, Stage, StageDates
from storage.repositories import Session


@dataclass(frozen=True)
class Part:
    """Completion of one domain (or aspect, in packs without domains)."""

    name: str
    answered: int
    total: int


@dataclass(frozen=True)
class Row:
    """One indicator in the lead's table."""

    number: int
    name: str
    answer: Answer | None
    answered_by: str | None
    assignee: str | None
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class Progress:
    institution: Institution
    period: Period
    pack: Pack
    evaluation: Evaluation
    parts: list[Part]
    by_member: list[tuple[str, int]]  # display name, answers saved (last saver of each answer)
    overdue: dict[int, list[int]]  # user id -> overdue indicator numbers
    names: dict[int, str]  # user id -> display name (removed members too)
    stages: list[StageDates]
    rows: list[Row]
    today: date
    evidence: EvidenceStatus  # gaps under the claimed levels, reviews, the index of accepted evidence
    plan: Plan
    plan_overdue: dict[int, list[int]]  # owner's user id -> indicators of overdue plan items

    @property
    def answered(self) -> int:
        return self.evaluation.answered

    @property
    def overdue_by_name(self) -> list[tuple[str, int]]:
        return sorted(((self.names.get(u, str(u)), len(n)) for u, n in self.overdue.items()), key=lambda x: (-x[1], x[0]))


def due_date(assignment: Assignment, stages: list[StageDates]) -> date | None:
    """An assignment is due on its own date, else at the end of the self-assessment stage."""
    if assignment.due_on:
        return assignment.due_on
    return next((s.ends_on for s in stages if s.stage == Stage.PENILAIAN_MANDIRI), None)


async def progress(tx: Session, pack: Pack, institution: Institution, period: Period, today: date) -> Progress:
    """Everything the summaries show, read in one go through ``tx`` (a session or a transaction)."""
    answers = {a.indicator: a for a in await tx.answers.list(period.id)}
    members: list[Member] = await tx.members.list(institution.id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    assignments = {a.indicator: a for a in await tx.assignments.for_period(period.id)}
    evaluation = evaluate(pack, {n: a.level for n, a in answers.items()})

    groups = [(d.name, [i for a in pack.aspects_of_domain(d.id) for i in pack.indicators_of_aspect(a.id)]) for d in pack.domains]
    if not groups:
        groups = [(a.name, pack.indicators_of_aspect(a.id)) for a in pack.aspects]
    parts = [Part(name, sum(i.number in answers for i in inds), len(inds)) for name, inds in groups]

    counts: dict[int, int] = {}
    for answer in answers.values():
        counts[answer.answered_by] = counts.get(answer.answered_by, 0) + 1
    by_member = sorted(((names.get(u, str(u)), n) for u, n in counts.items()), key=lambda x: (-x[1], x[0]))

    rows: list[Row] = []
    overdue: dict[int, list[int]] = {}
    for indicator in pack.indicators:
        given = answers.get(indicator.number)
        assignment = assignments.get(indicator.number)
        due = due_date(assignment, period.stages) if assignment else None
        late = assignment is not None and given is None and due is not None and due < today
        if assignment is not None and late:
            overdue.setdefault(assignment.user_id, []).append(indicator.number)
        rows.append(Row(
            indicator.number, indicator.short_name, given,
            names.get(given.answered_by) if given else None,
            names.get(assignment.user_id) if assignment else None, due, late,
        ))
    levels = {n: a.level for n, a in answers.items()}
    plan = await plan_snapshot(tx, pack, period, levels, names, today)
    plan_overdue: dict[int, list[int]] = {}
    for item in await tx.plans.items(period.id):
        late = item.due_on is not None and item.due_on < today and levels.get(item.indicator, Decimal(pack.scale.min)) < item.to_level
        if late and item.owner_id is not None:
            plan_overdue.setdefault(item.owner_id, []).append(item.indicator)
    return Progress(institution, period, pack, evaluation, parts, by_member, overdue, names, list(period.stages), rows, today,
                    await evidence_status(tx, pack, period), plan, plan_overdue)
