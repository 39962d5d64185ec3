"""Group chats: linking one to an institution, following its migration, and its progress summary.

Groups get commands and aggregates only; per-indicator details go to leads in private chat.
"""

from __future__ import annotations

from datetime import datetime

from conversations import access
from conversations.context import Turn
from conversations.events import ChatMigrated, Command
from conversations.progress import progress
from conversations.replies import Outcome, Refusal, Reply, short
from knowledge.packs import PackRegistry
from storage.models import GroupLink
from storage.repositories import Session


def _in_group(turn: Turn) -> None:
    if turn.event.chat.private:
        raise Refusal("group_only")


def _group_admin(turn: Turn) -> None:
    if not turn.event.chat_admin:
        raise Refusal("group_admin_only")


async def link(turn: Turn, command: Command) -> Outcome:
    """/hubungkan: by someone who is both an admin of this group and a lead of the institution."""
    _in_group(turn)
    _group_admin(turn)
    _, institution = await access.lead_institution(turn)
    chat = turn.event.chat
    existing = await turn.tx.groups.get(chat.id)
    if existing is not None and existing.institution_id != institution.id:
        raise Refusal("linked_elsewhere")
    group = await turn.tx.groups.link(chat_id=chat.id, institution_id=institution.id, title=chat.title, linked_by=turn.user_id)
    await access.period_of(turn, institution.id)  # the summary has a period to show from the start
    outcome = Outcome([short("group_linked", institution=institution.name)])
    outcome.add(await summary_reply(turn.tx, turn.packs, group, turn.local_now))
    return outcome


async def unlink(turn: Turn, command: Command) -> Outcome:
    _in_group(turn)
    _group_admin(turn)
    group = await access.linked_group(turn)
    await access.lead_of(turn, group.institution_id)
    schedule = await turn.tx.reminders.for_chat("digest", group.chat_id)
    if schedule is not None:
        await turn.tx.reminders.set_enabled(schedule.id, False)
    await turn.tx.groups.unlink(group.chat_id)
    institution = await turn.tx.institutions.require(group.institution_id)
    return Outcome([short("group_unlinked", institution=institution.name)])


async def migrate(turn: Turn, event: ChatMigrated) -> Outcome:
    """The group became a supergroup: the link, its reminders and its summary follow the new id.

    Telegram reports the move in both chats; the second report finds nothing left to move.
    """
    group = await turn.tx.groups.migrate(event.old_chat_id, event.new_chat_id)
    if group is None:
        return Outcome()
    return Outcome([await summary_reply(turn.tx, turn.packs, group, turn.local_now)])


async def progress_command(turn: Turn, command: Command) -> Outcome:
    """/progres: the group's summary message, or the lead's full table in private chat."""
    if turn.event.chat.private:
        return await _lead_table(turn)
    group = await access.linked_group(turn)
    return Outcome([await summary_reply(turn.tx, turn.packs, group, turn.local_now)])


async def summary_reply(tx: Session, packs: PackRegistry, group: GroupLink, local_now: datetime) -> Reply:
    """The group's summary, to be edited in place (``summary=True``). ``local_now`` is in the
    assistant's time zone: it dates the summary and decides what is overdue."""
    institution = await tx.institutions.require(group.institution_id)
    period = await tx.periods.latest(institution.id)
    if period is None:
        return Reply("short:no_period_yet", {"institution": institution.name}, chat_id=group.chat_id, summary=True,
                     summary_message_id=group.summary_message_id)
    facts = await progress(tx, packs.get(period.framework), institution, period, local_now.date())
    return Reply("progress", {"p": facts, "digest": False, "as_of": local_now},
                 chat_id=group.chat_id, summary=True, summary_message_id=group.summary_message_id)


async def _lead_table(turn: Turn) -> Outcome:
    _, institution = await access.lead_institution(turn)
    period = await access.period_of(turn, institution.id)
    facts = await progress(turn.tx, turn.packs.get(period.framework), institution, period, turn.today)
    return Outcome([Reply("progress_table", {"p": facts})])
