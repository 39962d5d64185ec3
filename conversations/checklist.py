"""The evidence checklist on the card ("📎 Bukti dukung"), the gaps under claimed levels, and the index
counting only accepted evidence (the rule: ``knowledge.checklists``).

The checklist shows what the pack expects for the claimed level and the next one; the officer ticks
each item (sudah ada, belum ada, tidak relevan) and shows it with register items of the indicator.
:func:`evidence_status` gathers what the summaries and the exports show: the gaps, the open
revisions, and the accepted-evidence index beside the claimed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.replies import Button, Outcome, Refusal, Reply
from knowledge.checklists import INDICATOR_WIDE, Expected, ItemState, credited, expected, gaps, listed, window
from knowledge.models import Indicator, Pack
from knowledge.scoring import Evaluation, evaluate
from storage.models import AnswerStatus, CheckStatus, Evidence, EvidenceCheck, EvidenceLink, Period, ReviewStatus
from storage.repositories import Session

STATUS_CODES = {"p": CheckStatus.PRESENT, "m": CheckStatus.MISSING, "n": CheckStatus.NOT_RELEVANT}
ITEM_TEXT_SHOWN = 150
FILES_SHOWN = 6


def scope_code(level: int) -> str:
    return "x" if level == INDICATOR_WIDE else str(level)


def scope_level(code: str) -> int:
    return INDICATOR_WIDE if code == "x" else int(code)


def item_states(checks: list[EvidenceCheck], links: list[EvidenceLink]) -> dict[int, dict[tuple[int, int], ItemState]]:
    """Per indicator, each ticked item's state: an item is accepted when a register item shown with
    it was accepted for that indicator."""
    accepted = {(link.evidence_id, link.indicator) for link in links if link.review is ReviewStatus.ACCEPTED}
    states: dict[int, dict[tuple[int, int], ItemState]] = {}
    for check in checks:
        ok = any((e, check.indicator) in accepted for e in check.evidence_ids)
        states.setdefault(check.indicator, {})[(check.level, check.item)] = ItemState(check.status.value, check.by_lead, ok)
    return states


# --- what the summaries and the exports show --------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A required item of a claimed level that is not there: ticked missing, or not ticked at all."""

    indicator: int
    level: int  # INDICATOR_WIDE for the indicator's own list
    item: int
    text: str
    missing: bool  # ticked "belum ada" (False: not ticked yet)


@dataclass(frozen=True)
class EvidenceStatus:
    """The evidence side of a period: gaps under the claimed levels, reviews, the accepted-evidence index."""

    claimed: Evaluation
    accepted: Evaluation  # counting only accepted evidence (knowledge.checklists)
    credited: dict[int, Decimal]  # indicator -> the value it counts at in ``accepted``
    gaps: list[Gap] = field(default_factory=list)
    links: int = 0  # (item, indicator) pairs in the period
    accepted_links: int = 0
    open_revisions: int = 0
    rejected: int = 0
    pending: int = 0

    @property
    def gap_counts(self) -> dict[int, int]:
        """Indicator -> how many required items of its claimed level are not there."""
        counts: dict[int, int] = {}
        for gap in self.gaps:
            counts[gap.indicator] = counts.get(gap.indicator, 0) + 1
        return counts

    @property
    def missing(self) -> int:
        return sum(g.missing for g in self.gaps)

    @property
    def unchecked(self) -> int:
        return sum(not g.missing for g in self.gaps)

    @property
    def lowered(self) -> list[int]:
        """Indicators that count lower than claimed."""
        levels = self.claimed.levels
        return [n for n, value in sorted(self.credited.items()) if value < levels[n]]


async def evidence_status(tx: Session, pack: Pack, period: Period) -> EvidenceStatus:
    """Everything the summaries and exports show about a period's evidence, read through ``tx``."""
    levels = await tx.answers.levels(period.id)
    links = await tx.evidence.links(period.id)
    states = item_states(await tx.checklists.for_period(period.id), links)
    accepted_for = {link.indicator for link in links if link.review is ReviewStatus.ACCEPTED}
    found: list[Gap] = []
    values: dict[int, Decimal] = {}
    for number, value in sorted(levels.items()):
        ind = pack.indicator(number)
        mine = states.get(number, {})
        values[number] = credited(pack, ind, value, mine, number in accepted_for)
        found += [Gap(number, e.level, e.item, e.text, mine.get(e.key, ItemState()).status == CheckStatus.MISSING)
                  for e in gaps(pack, ind, value, mine)]
    reviews = [link.review for link in links]
    return EvidenceStatus(
        claimed=evaluate(pack, levels), accepted=evaluate(pack, values), credited=values, gaps=found, links=len(links),
        accepted_links=reviews.count(ReviewStatus.ACCEPTED), open_revisions=reviews.count(ReviewStatus.REVISION),
        rejected=reviews.count(ReviewStatus.REJECTED), pending=reviews.count(ReviewStatus.PENDING),
    )


# --- the checklist on the card ----------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    expected: Expected
    state: ItemState
    files: list[tuple[Evidence, ReviewStatus]]  # the register items shown with it, with their review for the indicator


async def _lines(turn: Turn, period: Period, ind: Indicator, levels: list[int]
                 ) -> tuple[list[tuple[int, list[Line]]], list[tuple[Evidence, ReviewStatus]]]:
    links = await turn.tx.evidence.links(period.id, indicator=ind.number)
    checks = await turn.tx.checklists.for_period(period.id, ind.number)
    states = item_states(checks, links).get(ind.number, {})
    attached = {(c.level, c.item): c.evidence_ids for c in checks}
    files = {link.evidence_id: (await turn.tx.evidence.require(link.evidence_id), link.review) for link in links}
    sections: list[tuple[int, list[Line]]] = []
    seen: set[int] = set()
    for level in levels:
        items = expected(ind, level)
        scope = items[0].level if items else level
        if scope in seen:  # the indicator's own list, the same for every level: shown once
            continue
        seen.add(scope)
        sections.append((scope, [Line(e, states.get(e.key, ItemState()), [files[i] for i in attached.get(e.key, []) if i in files])
                                 for e in items]))
    return sections, list(files.values())


def _label(e: Expected) -> str:
    return f"{e.item + 1}" if e.level == INDICATOR_WIDE else f"{e.level}.{e.item + 1}"


async def view(turn: Turn, period: Period, pack: Pack, number: int, first: str = "c", *, edit: bool = True) -> Reply:
    ind = pack.indicator(number)
    answer = await turn.tx.answers.get(period.id, number)
    if first == "c":
        levels = window(pack, answer.level if answer else None)
    else:
        start = max(pack.scale.min, min(pack.scale.max, int(first)))
        levels = [level for level in (start, start + 1) if level <= pack.scale.max]
    sections, files = await _lines(turn, period, ind, levels)
    buttons = [Button("check_item", cb.make("ci", period.id, number, scope_code(line.expected.level), line.expected.item),
                      {"place": _label(line.expected), "status": line.state.status})
               for _, lines in sections for line in lines]
    rows = [buttons[i:i + 5] for i in range(0, len(buttons), 5)]
    nav = []
    if sections and sections[0][0] != INDICATOR_WIDE and levels[0] > pack.scale.min:
        nav.append(Button("check_lower", cb.make("cl", period.id, number, str(levels[0] - 1)), {"level": levels[0] - 1}))
    nav.append(Button("back_to_card", cb.make("cd", period.id, number)))
    rows.append(nav)
    claimed = answer.level if answer else None
    return Reply("checklist", {
        "pack": pack, "ind": ind, "sections": sections, "claimed": claimed, "files": files, "labels": _label,
        "shown": ITEM_TEXT_SHOWN, "locked": answer is not None and answer.status is AnswerStatus.FINAL,
    }, rows, edit=edit)


async def show(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await view(turn, period, pack, turn.press.int("indicator"), turn.press.str("first"))])


def _expected_at(pack: Pack, number: int, scope: int, item: int) -> Expected:
    found = [e for e in listed(pack.indicator(number), scope) if e.item == item]
    if not found:
        raise Refusal("stale_button", toast="toast_stale")
    return found[0]


async def _item_reply(turn: Turn, period: Period, pack: Pack, e: Expected, number: int) -> Reply:
    links = await turn.tx.evidence.links(period.id, indicator=number)
    checks = {(c.level, c.item): c for c in await turn.tx.checklists.for_period(period.id, number)}
    check = checks.get(e.key)
    attached = set(check.evidence_ids) if check else set()
    files = [await turn.tx.evidence.require(link.evidence_id) for link in links][:FILES_SHOWN]
    scope = scope_code(e.level)
    rows = [
        [Button("check_status", cb.make("cs", period.id, number, scope, e.item, code), {"status": status.value})
         for code, status in STATUS_CODES.items()],
        *[[Button("check_file", cb.make("ck", period.id, number, scope, e.item, f.id), {"code": f.label, "on": f.id in attached})
           for f in files[i:i + 3]] for i in range(0, len(files), 3)],
        [Button("checklist_back", cb.make("cl", period.id, number, "c"))],
    ]
    return Reply("check_item", {
        "pack": pack, "ind": pack.indicator(number), "e": e, "label": _label(e), "check": check,
        "files": [f for f in files if f.id in attached], "has_files": bool(files),
    }, rows, edit=True)


async def open_item(turn: Turn, period: Period, pack: Pack) -> Outcome:
    number = turn.press.int("indicator")
    e = _expected_at(pack, number, scope_level(turn.press.str("scope")), turn.press.int("item"))
    return Outcome([await _item_reply(turn, period, pack, e, number)])


async def _writable(turn: Turn, period: Period, number: int) -> bool:
    """Whether the presser may tick the indicator's checklist (a final answer is locked); lead or not."""
    answer = await turn.tx.answers.get(period.id, number)
    if answer is not None and answer.status is AnswerStatus.FINAL:
        raise Refusal("locked", number=number)
    return (await access.membership(turn, period.institution_id)).is_lead


async def tick(turn: Turn, period: Period, pack: Pack) -> Outcome:
    number = turn.press.int("indicator")
    e = _expected_at(pack, number, scope_level(turn.press.str("scope")), turn.press.int("item"))
    lead = await _writable(turn, period, number)
    status = STATUS_CODES[turn.press.str("status")]
    await turn.tx.checklists.tick(period.id, number, e.level, e.item, status=status, item_text=e.text, by=turn.user_id, by_lead=lead)
    return Outcome([await view(turn, period, pack, number)], toast="toast_ticked", toast_args={"label": _label(e), "status": status.value},
                   refresh={period.institution_id})


async def attach(turn: Turn, period: Period, pack: Pack) -> Outcome:
    number = turn.press.int("indicator")
    e = _expected_at(pack, number, scope_level(turn.press.str("scope")), turn.press.int("item"))
    lead = await _writable(turn, period, number)
    evidence_id = turn.press.int("evidence")
    if await turn.tx.evidence.get_link(evidence_id, period.id, number) is None:
        raise Refusal("stale_button", toast="toast_stale")
    checks = {(c.level, c.item): c for c in await turn.tx.checklists.for_period(period.id, number)}
    on = evidence_id not in (checks[e.key].evidence_ids if e.key in checks else [])
    await turn.tx.checklists.attach(period.id, number, e.level, e.item, evidence_id, attached=on, item_text=e.text, by=turn.user_id,
                                    by_lead=lead)
    return Outcome([await _item_reply(turn, period, pack, e, number)], refresh={period.institution_id})
