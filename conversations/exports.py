"""The evaluation snapshot the deliverables are made from, read in one transaction, and the chat
commands that hand files out: ``/ekspor`` (format buttons; in a linked group the lead picks the
group or a private chat), ``/grafik`` (the two charts as an album) and ``/portal N``.

Who may take what (docs/reports.md): every member takes the workbook, the PDF report, the CSV, the
portal texts and the charts in private chat, since they hold nothing a member cannot already read
in the chat. The berita acara needs a lead: it names the team and is the document the koordinator
signs. Sending any file into a group needs a lead as well, since a group may hold people who are
not members.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from conversations.plans import plan_snapshot
from knowledge.packs import PackRegistry
from knowledge.scoring import evaluate
from reports.snapshot import AnswerRecord, EvidenceItem, Person, Snapshot
from storage.models import AnswerStatus, Period, Role
from storage.repositories import Session

ROLE_ORDER = {Role.KOORDINATOR: 0, Role.PENANGGUNG_JAWAB: 1, Role.OFFICER: 2}


async def snapshot(tx: Session, packs: PackRegistry, period: Period, now: datetime, timezone: str) -> Snapshot:
    """Everything the deliverables show about ``period``, as of ``now`` (shown in ``timezone``)."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    institution = await tx.institutions.require(period.institution_id)
    pack = packs.get(period.framework)
    members = await tx.members.list(institution.id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    answers = {
        a.indicator: AnswerRecord(a.indicator, a.level, a.explanation, names.get(a.answered_by), a.updated_at.astimezone(zone),
                                  a.status == AnswerStatus.FINAL)
        for a in await tx.answers.list(period.id)
    }
    levels = {n: a.level for n, a in answers.items()}
    assignees = {a.indicator: names.get(a.user_id, str(a.user_id)) for a in await tx.assignments.for_period(period.id)}
    files: dict[int, tuple[EvidenceItem, list[int]]] = {}
    for indicator in pack.indicators:
        for kept in await tx.evidence.for_answer(period.id, indicator.number):
            if kept.id not in files:
                item = EvidenceItem(f"B{kept.id}", kept.file_name or f"{kept.kind}-{kept.id}", kept.kind, kept.size, (),
                                    names.get(kept.uploaded_by), kept.uploaded_at.astimezone(zone), kept.caption)
                files[kept.id] = (item, [])
            files[kept.id][1].append(indicator.number)
    evidence = [replace(item, indicators=tuple(numbers)) for item, numbers in files.values()]
    team = sorted((m for m in members if m.active), key=lambda m: (ROLE_ORDER[m.role], m.display_name.casefold()))
    return Snapshot(
        institution=institution.name, institution_kind=institution.kind.value, region=institution.region, year=period.year, pack=pack,
        evaluation=evaluate(pack, levels), answers=answers, assignees=assignees, evidence=evidence,
        team=[Person(m.display_name, m.role.value) for m in team],
        plan=await plan_snapshot(tx, pack, period, levels, names, local_now.date()), made_at=local_now,
    )
