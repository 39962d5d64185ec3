"""Assigning indicators to members (/tugaskan) and listing one's own (/tugas)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from conversations import access
from conversations import callbacks as cb
from conversations.context import Turn
from conversations.events import Command
from conversations.progress import due_date
from conversations.replies import Button, Outcome, Refusal, Reply, short
from knowledge.models import Pack
from storage.models import Member

_RANGE = re.compile(r"^(\d{1,3})\s*-\s*(\d{1,3})$")
_DATE_FORMATS = (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"))


@dataclass(frozen=True)
class Request:
    indicators: list[int]
    username: str | None
    due: date | None


def parse_date(text: str) -> date | None:
    """``2026-12-20``, ``20-12-2026``, ``20/12/2026``; None when the text is not a date."""
    for index, pattern in enumerate(_DATE_FORMATS):
        match = pattern.match(text)
        if match:
            a, b, c = (int(g) for g in match.groups())
            year, month, day = (a, b, c) if index == 0 else (c, b, a)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def parse_request(pack: Pack, text: str) -> Request:
    """``"1-10, 12 A3 @budi 2026-12-20"``: numbers, ranges and aspect ids, a member, a due date.

    Raises :class:`Refusal` naming the first part that is none of these.
    """
    numbers: list[int] = []
    username = None
    due = None
    total = len(pack.indicators)
    for token in re.split(r"[\s,;]+", re.sub(r"\s*-\s*", "-", text.strip())):
        if not token:
            continue
        if token.startswith("@") and len(token) > 1:
            username = token[1:]
            continue
        when = parse_date(token)
        if when is not None:
            due = when
            continue
        span = _RANGE.match(token)
        if span or token.isdigit():
            low, high = (int(span.group(1)), int(span.group(2))) if span else (int(token), int(token))
            if not 1 <= low <= high <= total:
                raise Refusal("assign_bad_part", part=token, total=total)
            numbers.extend(range(low, high + 1))
            continue
        aspect = token.upper()
        if any(a.id == aspect for a in pack.aspects):
            numbers.extend(i.number for i in pack.indicators_of_aspect(aspect))
            continue
        raise Refusal("assign_bad_part", part=token, total=total)
    return Request(sorted(set(numbers)), username, due)


def compact(numbers: list[int]) -> str:
    """[1, 2, 3, 7, 9, 10] -> "1-3, 7, 9-10"."""
    parts: list[str] = []
    for number in sorted(numbers):
        if parts and number == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{number}"
        else:
            parts.append(str(number))
    return ", ".join(parts)


async def assign(turn: Turn, command: Command) -> Outcome:
    """/tugaskan 1-10 A3 [@user] [date]: to the member replied to, the @user, or one picked from a list."""
    _, institution = await access.lead_context(turn)
    period = await access.period_of(turn, institution.id)
    pack = turn.packs.get(period.framework)
    request = parse_request(pack, command.args)
    if not request.indicators:
        raise Refusal("assign_usage", total=len(pack.indicators))
    target = await _target(turn, institution.id, command, request)
    if target is None:  # the list of members, as buttons that name this request
        people = await turn.tx.members.list(institution.id)
        pending = await turn.tx.assignments.add_pending(period_id=period.id, indicators=request.indicators, due_on=request.due,
                                                        created_by=turn.user_id)
        rows = [[Button("assignee", cb.make("ap", pending.id, m.user_id), {"name": m.display_name})] for m in people]
        return Outcome([Reply("short:assign_pick", {"indicators": compact(request.indicators)}, rows)])
    return await _assign_to(turn, period.id, target, request.indicators, request.due)


async def _target(turn: Turn, institution_id: int, command: Command, request: Request) -> Member | None:
    if command.reply_to is not None:
        member = await turn.tx.members.get(institution_id, command.reply_to.id)
    elif request.username:
        member = await turn.tx.members.by_username(institution_id, request.username)
    else:
        return None
    if member is None or not member.active:
        raise Refusal("assign_not_member", who=request.username or (command.reply_to.name if command.reply_to else ""))
    return member


async def picked(turn: Turn) -> Outcome:
    """A lead pressed a member's name in the list a /tugaskan offered: that request is applied, once."""
    pending = await turn.tx.assignments.take_pending(turn.press.int("pending"))
    if pending is None:
        raise Refusal("stale_button", toast="toast_stale")
    period = await turn.tx.periods.require(pending.period_id)
    await access.lead_of(turn, period.institution_id)
    member = await turn.tx.members.get(period.institution_id, turn.press.int("user"))
    if member is None or not member.active:
        raise Refusal("stale_button", toast="toast_stale")
    outcome = await _assign_to(turn, period.id, member, pending.indicators, pending.due_on)
    outcome.replies[0].edit = True
    outcome.toast = "toast_done"
    return outcome


async def _assign_to(turn: Turn, period_id: int, member: Member, indicators: list[int], due: date | None) -> Outcome:
    await turn.tx.assignments.assign(period_id=period_id, indicators=indicators, user_id=member.user_id,
                                     assigned_by=turn.user_id, due_on=due)
    listed = compact(indicators)
    outcome = Outcome([short("assigned", name=member.display_name, indicators=listed, due=due)])
    if member.user_id != turn.user_id:
        note = short("assigned_to_you", indicators=listed, due=due)
        note.chat_id, note.lang = member.user_id, member.language
        outcome.add(note)
    period = await turn.tx.periods.require(period_id)
    outcome.refresh.add(period.institution_id)
    return outcome


async def my_tasks(turn: Turn, command: Command) -> Outcome:
    period = await access.working_period(turn)
    pack = turn.packs.get(period.framework)
    answers = await turn.tx.answers.levels(period.id)
    tasks = [
        {"ind": pack.indicator(a.indicator), "level": answers.get(a.indicator), "due": due_date(a, period.stages)}
        for a in await turn.tx.assignments.for_user(period.id, turn.user_id)
    ]
    return Outcome([Reply("tasks", {"pack": pack, "tasks": tasks, "today": turn.today})])
