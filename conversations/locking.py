"""Final answers: a lead locks them (/kunci), reopens one with a reason (/buka); /riwayat shows who did what."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from conversations import access
from conversations.assignments import compact, parse_request
from conversations.context import Turn
from conversations.events import Command
from conversations.replies import Outcome, Refusal, Reply, short
from storage import errors as store_errors
from storage.models import Member

ALL_WORDS = {"semua", "all", "seluruh"}


async def lock(turn: Turn, command: Command) -> Outcome:
    """/kunci 12 | 1-10 A3 | semua: make answers final; officers can no longer change them."""
    _, institution = await access.lead_context(turn)
    period = await access.period_of(turn, institution.id)
    pack = turn.packs.get(period.framework)
    arg = command.args.strip().lower()
    if not arg:
        raise Refusal("lock_usage", total=len(pack.indicators))
    numbers = None if arg in ALL_WORDS else parse_request(pack, arg).indicators
    try:
        locked = await turn.tx.answers.lock(period.id, numbers, turn.user_id)
    except store_errors.NotFound:
        answered = set(await turn.tx.answers.levels(period.id))
        raise Refusal("lock_unanswered", indicators=compact([n for n in numbers or [] if n not in answered])) from None
    outcome = Outcome([short("locked_done", count=len(locked), indicators=compact(locked))])
    outcome.refresh.add(institution.id)
    for member, theirs in await _concerned(turn, period.id, institution.id, locked):
        outcome.add(_to(member, short("locked_for_you", lead=turn.event.user.name, indicators=compact(theirs), count=len(theirs))))
    return outcome


def _to(member: Member, note: Reply) -> Reply:
    note.chat_id, note.lang = member.user_id, member.language
    return note


async def _concerned(turn: Turn, period_id: int, institution_id: int, numbers: list[int]) -> list[tuple[Member, list[int]]]:
    """The members (but the lead acting) who answered or are assigned one of ``numbers``, with
    theirs: they are told privately, in their language, when those change."""
    if not numbers:
        return []
    answers = {a.indicator: a for a in await turn.tx.answers.list(period_id)}
    assignees = {a.indicator: a.user_id for a in await turn.tx.assignments.for_period(period_id)}
    concerned: dict[int, list[int]] = {}
    for number in numbers:
        people = {answers[number].answered_by} if number in answers else set()
        if number in assignees:
            people.add(assignees[number])
        for user_id in people - {turn.user_id}:
            concerned.setdefault(user_id, []).append(number)
    found = []
    for user_id, theirs in sorted(concerned.items()):
        member = await turn.tx.members.get(institution_id, user_id)
        if member is not None and member.active:
            found.append((member, theirs))
    return found


async def reopen(turn: Turn, command: Command) -> Outcome:
    """/buka 12 REASON: a final answer becomes editable again; the reason goes into the history."""
    _, institution = await access.lead_context(turn)
    period = await access.period_of(turn, institution.id)
    number, _, reason = command.args.strip().partition(" ")
    if not number.isdigit() or not reason.strip():
        raise Refusal("reopen_usage")
    pack = turn.packs.get(period.framework)
    if not pack.has_indicator(int(number)):
        raise Refusal("indicator_missing", number=number, total=len(pack.indicators))
    try:
        await turn.tx.answers.reopen(period.id, int(number), turn.user_id, reason.strip())
    except (store_errors.NotFound, store_errors.InvalidInput):
        raise Refusal("reopen_not_final", number=number) from None
    outcome = Outcome([short("reopened", number=number, reason=reason.strip())])
    outcome.refresh.add(institution.id)
    for member, theirs in await _concerned(turn, period.id, institution.id, [int(number)]):
        outcome.add(_to(member, short("reopened_for_you", lead=turn.event.user.name, indicators=compact(theirs), reason=reason.strip())))
    return outcome


async def history(turn: Turn, command: Command) -> Outcome:
    """/riwayat 12: every change of one answer, for members of the institution."""
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    number = command.args.strip()
    if not number.isdigit() or not pack.has_indicator(int(number)):
        raise Refusal("history_usage", total=len(pack.indicators))
    members = await turn.tx.members.list(period.institution_id, active_only=False)
    names = {m.user_id: m.display_name for m in members}
    zone = ZoneInfo(turn.config.timezone)
    timeline: list[tuple[datetime, dict[str, object]]] = [
        (c.at, {"change": c, "at": c.at.astimezone(zone), "by": names.get(c.by, str(c.by))})
        for c in await turn.tx.answers.history(period.id, int(number))
    ]
    for record in await turn.tx.evidence.reviews(period.id, int(number)):  # the review of its evidence, in the same timeline
        item = await turn.tx.evidence.require(record.evidence_id)
        other = await turn.tx.evidence.get(record.other_id) if record.other_id else None
        timeline.append((record.at, {"review": record, "code": item.label, "other": other.label if other else None,
                                     "at": record.at.astimezone(zone), "by": names.get(record.by, str(record.by))}))
    changes = [entry for _, entry in sorted(timeline, key=lambda pair: pair[0])]
    return Outcome([Reply("history", {"pack": pack, "ind": pack.indicator(int(number)), "changes": changes})])
