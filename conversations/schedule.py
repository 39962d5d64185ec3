"""Stage deadlines (/tenggat), the daily reminder of a group (/pengingat), and which reminders are due.

Reminder schedules are rows in the database. Whatever runs the clock (the bot's job queue, or a
test) asks :func:`due_reminders` what is due at a moment; a reminder missed while the assistant was
down is still sent when it comes back, if that is within :data:`CATCH_UP` of its time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conversations import access
from conversations.assignments import compact, parse_date
from conversations.context import Turn
from conversations.events import Command
from conversations.progress import progress
from conversations.replies import Outcome, Refusal, Reply, short
from knowledge.packs import PackRegistry
from storage.models import Member, Period, ReminderSchedule, Stage
from storage.repositories import Session

DIGEST = "digest"
CATCH_UP = timedelta(hours=12)
STAGE_WORDS = {
    "mandiri": Stage.PENILAIAN_MANDIRI, "penilaian_mandiri": Stage.PENILAIAN_MANDIRI,
    "dokumen": Stage.PENILAIAN_DOKUMEN, "penilaian_dokumen": Stage.PENILAIAN_DOKUMEN,
    "interviu": Stage.INTERVIU, "wawancara": Stage.INTERVIU, "visitasi": Stage.VISITASI,
}
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")


# --- stage deadlines -------------------------------------------------------------------------------


async def deadlines(turn: Turn, command: Command) -> Outcome:
    """/tenggat shows the stages; /tenggat STAGE [START] END sets one (leads)."""
    words = command.args.split()
    if not words:
        period = await _period_for_viewing(turn)
        return Outcome([Reply("deadlines", {"period": period, "stages": period.stages, "today": turn.today})])
    _, institution = await access.lead_context(turn)
    period = await access.period_of(turn, institution.id)
    stage = STAGE_WORDS.get(words[0].lower())
    dates = [parse_date(w) for w in words[1:]]
    if stage is None or not 1 <= len(dates) <= 2 or None in dates:
        raise Refusal("deadline_usage")
    starts, ends = (dates[0], dates[1]) if len(dates) == 2 else (None, dates[0])
    if starts and ends and starts > ends:
        raise Refusal("deadline_order")
    period = await turn.tx.periods.set_stage(period.id, stage, starts, ends)
    outcome = Outcome([short("deadline_set", stage=stage.value, starts=starts, ends=ends)])
    outcome.refresh.add(institution.id)
    return outcome


async def _period_for_viewing(turn: Turn) -> Period:
    if turn.event.chat.private:
        return await access.working_period(turn)
    group = await access.linked_group(turn)
    return await access.period_of(turn, group.institution_id)


# --- the group's daily reminder ----------------------------------------------------------------------


async def reminder_setting(turn: Turn, command: Command) -> Outcome:
    """/pengingat HH:MM sets the group's daily digest (and the nudges to late officers); /pengingat mati stops it."""
    if turn.event.chat.private:
        raise Refusal("group_only")
    group = await access.linked_group(turn)
    schedule = await turn.tx.reminders.for_chat(DIGEST, group.chat_id)
    arg = command.args.strip().lower()
    if not arg:
        shown = _time_of_day(schedule, turn.now) if schedule and schedule.enabled else None
        return Outcome([short("reminder_status", time=shown)])
    await access.lead_of(turn, group.institution_id)
    if arg in {"mati", "off", "stop", "berhenti"}:
        if schedule is not None:
            await turn.tx.reminders.set_enabled(schedule.id, False)
        return Outcome([short("reminder_off")])
    match = _TIME.match(arg)
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise Refusal("reminder_usage")
    timezone = turn.config.timezone
    if schedule is None:
        schedule = await turn.tx.reminders.add(kind=DIGEST, institution_id=group.institution_id, hour=hour, minute=minute,
                                               chat_id=group.chat_id, timezone=timezone)
    else:
        schedule = await turn.tx.reminders.set_time(schedule.id, hour, minute, timezone, group.institution_id)
    await turn.tx.reminders.mark_sent(schedule.id, turn.now)  # the first one goes out at the next HH:MM
    return Outcome([short("reminder_set", time=_time_of_day(schedule, turn.now))])


def _time_of_day(schedule: ReminderSchedule, now: datetime) -> datetime:
    """The schedule's hour today, in its zone: what the templates show as "08.00 WIB"."""
    return now.astimezone(ZoneInfo(schedule.timezone)).replace(hour=schedule.hour, minute=schedule.minute, second=0, microsecond=0)


# --- what is due -----------------------------------------------------------------------------------


def latest_time(schedule: ReminderSchedule, now: datetime) -> datetime:
    """The most recent moment at or before ``now`` when the schedule was meant to fire."""
    local = now.astimezone(ZoneInfo(schedule.timezone))
    moment = local.replace(hour=schedule.hour, minute=schedule.minute, second=0, microsecond=0)
    return moment if moment <= local else moment - timedelta(days=1)


@dataclass(frozen=True)
class Due:
    """A schedule due now, as it was read, and what it sends (nothing when it is only caught up)."""

    schedule: ReminderSchedule
    replies: list[Reply]


async def due_reminders(read: Session, packs: PackRegistry, now: datetime) -> list[Due]:
    """The schedules due at ``now`` with their digests and nudges, built from ``read`` without
    writing; the caller claims them and keeps what they send in one transaction (see
    ``Engine.due_reminders``), so a crash after it loses nothing and sends nothing twice but the
    outbox's one window (docs/bot.md, "Reminders")."""
    due: list[Due] = []
    for schedule in await read.reminders.list():
        moment = latest_time(schedule, now)
        if schedule.last_sent_at is not None and schedule.last_sent_at >= moment:
            continue
        due.append(Due(schedule, await _reminder(read, packs, schedule, now, moment)))
    return due


async def _reminder(read: Session, packs: PackRegistry, schedule: ReminderSchedule, now: datetime, moment: datetime) -> list[Reply]:
    if now - moment > CATCH_UP or schedule.kind != DIGEST or schedule.chat_id is None:
        return []
    group = await read.groups.get(schedule.chat_id)
    period = await read.periods.latest(schedule.institution_id)
    if group is None or group.institution_id != schedule.institution_id or period is None:
        return []
    institution = await read.institutions.require(schedule.institution_id)
    local_now = now.astimezone(ZoneInfo(schedule.timezone))
    facts = await progress(read, packs.get(period.framework), institution, period, local_now.date())
    replies = [Reply("progress", {"p": facts, "digest": True, "as_of": local_now}, chat_id=group.chat_id)]
    members = {m.user_id: m for m in await read.members.list(institution.id)}
    for user_id, numbers in sorted(facts.overdue.items()):  # late assignments
        if user_id in members:
            replies.append(_to(members[user_id], short("nudge", institution=institution.name, indicators=compact(numbers),
                                                       count=len(numbers))))
    for user_id, numbers in sorted(facts.plan_overdue.items()):  # late items of the improvement plan
        if user_id in members:
            replies.append(_to(members[user_id], short("plan_nudge", institution=institution.name, indicators=compact(numbers),
                                                       count=len(numbers))))
    return replies


def _to(member: Member, reply: Reply) -> Reply:
    """``reply`` as a private message to ``member``, in their language."""
    reply.chat_id, reply.lang = member.user_id, member.language
    return reply
