"""The internal review of evidence: a koordinator or penanggung jawab marks each register item, per
indicator it supports, as diterima, perlu revisi (with a note) or ditolak (with a note). The sender
is told privately, the note verbatim; ``/revisi`` is the queue of open revisions (one's own, and
every officer's for a lead); a corrected file closes a revision. Every action is in the history
(``/riwayat N``).
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from conversations import access, evidence
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.register import item_of, item_view
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import EvidenceReplace, ReviewNote
from knowledge.models import Pack
from storage import errors as store_errors
from storage.models import MAX_NOTE_CHARS, Evidence, EvidenceLink, Period, ReviewStatus

VERDICTS = {"a": ReviewStatus.ACCEPTED, "r": ReviewStatus.REVISION, "x": ReviewStatus.REJECTED}
QUEUE_SHOWN = 20


async def _link_of(turn: Turn, period: Period) -> tuple[Evidence, EvidenceLink]:
    item = await item_of(turn, period, turn.press.int("evidence"))
    link = await turn.tx.evidence.get_link(item.id, period.id, turn.press.int("indicator"))
    if link is None:
        raise Refusal("stale_button", toast="toast_stale")
    return item, link


async def open_review(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """Leads: the verdict buttons for one item and indicator."""
    await access.lead_of(turn, period.institution_id)
    item, link = await _link_of(turn, period)
    number = link.indicator
    buttons = [
        [Button("verdict", cb.make("ra", period.id, item.id, number, code), {"choice": code}) for code in VERDICTS],
        [Button("evidence_open", cb.make("bi", period.id, item.id), {"code": item.label})],
    ]
    return Outcome([Reply("review", {"pack": pack, "item": item, "link": link, "ind": pack.indicator(number)}, buttons, edit=True)])


async def verdict(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """Accepted is saved at once; a revision or a rejection asks the lead for the note first."""
    await access.lead_of(turn, period.institution_id)
    item, link = await _link_of(turn, period)
    status = VERDICTS[turn.press.str("verdict")]
    if status is ReviewStatus.ACCEPTED:
        return await _decide(turn, period, pack, item, link, status, None, edit=True)
    wanted: Literal["revision", "rejected"] = "revision" if status is ReviewStatus.REVISION else "rejected"
    turn.enter(ReviewNote(period_id=period.id, evidence_id=item.id, indicator=link.indicator, verdict=wanted))
    return Outcome([short("ask_review_note", code=item.label, number=link.indicator, verdict=status.value, limit=MAX_NOTE_CHARS)])


async def note_typed(turn: Turn) -> Outcome:
    step = turn.step_as(ReviewNote)
    period, pack = await access.member_period(turn, step.period_id)
    await access.lead_of(turn, period.institution_id)
    item = await item_of(turn, period, step.evidence_id)
    link = await turn.tx.evidence.get_link(item.id, period.id, step.indicator)
    if link is None:
        raise Refusal("stale_button", leave=True)
    note = turn.text.strip()
    if not note or len(note) > MAX_NOTE_CHARS:
        return Outcome([short("ask_review_note", code=item.label, number=link.indicator, verdict=step.verdict, limit=MAX_NOTE_CHARS)])
    return await _decide(turn, period, pack, item, link, ReviewStatus(step.verdict), note, edit=False)


async def _decide(turn: Turn, period: Period, pack: Pack, item: Evidence, link: EvidenceLink, status: ReviewStatus, note: str | None,
                  *, edit: bool) -> Outcome:
    try:
        await turn.tx.evidence.review(item.id, period.id, link.indicator, status, note, by=turn.user_id)
    except store_errors.InvalidInput:  # a note over the limit, checked above; kept as a refusal all the same
        raise Refusal("ask_review_note", code=item.label, number=link.indicator, verdict=status.value, limit=MAX_NOTE_CHARS) from None
    turn.leave()
    outcome = Outcome(toast="toast_reviewed", toast_args={"verdict": status.value}, refresh={period.institution_id})
    if not edit:
        outcome.add(short("reviewed", code=item.label, number=link.indicator, verdict=status.value))
    outcome.add(await item_view(turn, period, pack, item, edit=edit))
    sender = await turn.tx.members.get(period.institution_id, link.linked_by)
    if sender is not None and sender.active and sender.user_id != turn.user_id:
        buttons = []
        if status is ReviewStatus.REVISION:
            buttons = [[Button("send_correction", cb.make("rf", period.id, item.id, link.indicator), {"code": item.label})]]
        outcome.add(Reply("review_told", {
            "pack": pack, "item": item, "ind": pack.indicator(link.indicator), "verdict": status.value, "note": note,
            "lead": turn.event.user.name,
        }, buttons, chat_id=sender.user_id, lang=sender.language))
    return outcome


# --- revisions ------------------------------------------------------------------------------


async def queue(turn: Turn, command: Command) -> Outcome:
    """/revisi: the open revisions sent by the user; a lead also sees every officer's."""
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    member = await access.membership(turn, period.institution_id)
    links = [link for link in await turn.tx.evidence.links(period.id) if link.review is ReviewStatus.REVISION]
    mine = [link for link in links if link.linked_by == turn.user_id]
    members = await turn.tx.members.list(period.institution_id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    items = {link.evidence_id: await turn.tx.evidence.require(link.evidence_id) for link in links}
    zone = ZoneInfo(turn.config.timezone)
    others: list[tuple[str, list[EvidenceLink]]] = []
    if member.is_lead:
        by_sender: dict[int, list[EvidenceLink]] = {}
        for link in links:
            if link.linked_by != turn.user_id:
                by_sender.setdefault(link.linked_by, []).append(link)
        others = sorted(((names.get(u, str(u)), shown) for u, shown in by_sender.items()), key=lambda x: (-len(x[1]), x[0]))
    buttons = [[Button("send_correction", cb.make("rf", period.id, link.evidence_id, link.indicator),
                       {"code": items[link.evidence_id].label})] for link in mine[:QUEUE_SHOWN]]
    return Outcome([Reply("revisions", {
        "pack": pack, "mine": mine[:QUEUE_SHOWN], "more_mine": max(0, len(mine) - QUEUE_SHOWN), "others": others,
        "items": items, "people": names, "lead": member.is_lead, "shown": QUEUE_SHOWN,
        "reviewed_at": {(link.evidence_id, link.indicator): link.reviewed_at.astimezone(zone) for link in links if link.reviewed_at},
    }, buttons)])


async def ask_correction(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The sender (or a lead) sends the corrected file of an item needing revision next."""
    item, link = await _link_of(turn, period)
    if link.review is not ReviewStatus.REVISION:
        raise Refusal("revision_closed")
    member = await access.membership(turn, period.institution_id)
    if link.linked_by != turn.user_id and not member.is_lead:
        raise Refusal("revision_not_yours", code=item.label)
    turn.move(period_id=period.id, institution_id=period.institution_id, indicator=link.indicator)
    turn.enter(EvidenceReplace(period_id=period.id, evidence_id=item.id, indicator=link.indicator))
    return Outcome([short("ask_correction", code=item.label, number=link.indicator, note=link.review_note or "", limit=evidence.LIMIT_MB)])
