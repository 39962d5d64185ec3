"""Group chats linked to institutions, assignments and reminder schedules, on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from storage import rows, rules
from storage.errors import Conflict, NotFound
from storage.models import Assignment, GroupLink, PendingAssignment, ReminderSchedule
from storage.postgres.base import Repository
from storage.postgres.evaluations import PeriodRepository
from storage.postgres.institutions import InstitutionRepository


class GroupRepository(Repository):
    async def link(self, *, chat_id: int, institution_id: int, title: str | None, linked_by: int) -> GroupLink:
        """Link the chat to the institution (a link to the same one keeps it and updates the title);
        a chat linked to another institution, even by a transaction that committed a moment ago, is refused."""
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        row = await self._one(
            """INSERT INTO group_links (chat_id, institution_id, title, linked_by, linked_at) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title WHERE group_links.institution_id = excluded.institution_id
               RETURNING *""",
            (chat_id, institution_id, title, linked_by, self._clock()),
        )
        if row is None:
            raise rules.linked_elsewhere(chat_id, (await self._require(chat_id)).institution_id)
        return rows.group_link(row)

    async def get(self, chat_id: int) -> GroupLink | None:
        row = await self._one("SELECT * FROM group_links WHERE chat_id = %s", (chat_id,))
        return rows.group_link(row) if row else None

    async def for_institution(self, institution_id: int) -> list[GroupLink]:
        found = await self._all("SELECT * FROM group_links WHERE institution_id = %s ORDER BY linked_at", (institution_id,))
        return [rows.group_link(r) for r in found]

    async def unlink(self, chat_id: int) -> bool:
        return await self._execute("DELETE FROM group_links WHERE chat_id = %s", (chat_id,)) > 0

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> GroupLink | None:
        """A group became a supergroup: its link follows the new chat id."""
        row = await self._one("UPDATE group_links SET chat_id = %s, summary_message_id = NULL WHERE chat_id = %s RETURNING *",
                              (new_chat_id, old_chat_id))
        if row is None:
            return None
        await self._execute("UPDATE reminder_schedules SET chat_id = %s WHERE chat_id = %s", (new_chat_id, old_chat_id))
        return rows.group_link(row)

    async def set_summary_message(self, chat_id: int, message_id: int | None) -> GroupLink:
        row = await self._one("UPDATE group_links SET summary_message_id = %s WHERE chat_id = %s RETURNING *", (message_id, chat_id))
        if row is None:
            raise NotFound(f"chat {chat_id} is not linked to an institution")
        return rows.group_link(row)

    async def pace_summary(self, chat_id: int, at: datetime, every: timedelta) -> datetime | None:
        """Claim the group's summary refresh at ``at`` if the last one is at least ``every`` ago:
        None when claimed (or the chat is not linked: nothing to pace), else the earliest moment the
        next refresh may come. One conditional UPDATE: of several replicas asking at once, the
        second waits for the first's row lock and finds the refresh taken."""
        claimed = await self._value(
            """UPDATE group_links SET summary_shown_at = %s WHERE chat_id = %s AND (summary_shown_at IS NULL OR summary_shown_at <= %s)
               RETURNING chat_id""", (at, chat_id, at - every))
        if claimed is not None:
            return None
        shown = await self._value("SELECT summary_shown_at FROM group_links WHERE chat_id = %s", (chat_id,))
        return None if shown is None else shown + every

    async def _require(self, chat_id: int) -> GroupLink:
        link = await self.get(chat_id)
        if link is None:
            raise NotFound(f"chat {chat_id} is not linked to an institution")
        return link


class AssignmentRepository(Repository):
    async def assign(self, *, period_id: int, indicators: list[int], user_id: int, assigned_by: int,
                     due_on: date | None = None) -> list[Assignment]:
        """Assign the indicators to the member (whoever had them before); the rows are written in
        indicator order, so two leads assigning overlapping lists never wait on each other in a circle."""
        period = await PeriodRepository(self._link, self._clock).shape(period_id)
        rules.check_indicators(period, indicators)
        await self._execute(
            """INSERT INTO assignments (period_id, indicator, user_id, assigned_by, assigned_at, due_on)
               SELECT %s, number, %s, %s, %s, %s FROM unnest(%s::integer[]) AS number ORDER BY number
               ON CONFLICT (period_id, indicator) DO UPDATE SET user_id = excluded.user_id,
                   assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at, due_on = excluded.due_on""",
            (period_id, user_id, assigned_by, self._clock(), due_on, sorted(set(indicators))),
        )
        return await self.for_user(period_id, user_id)

    async def for_user(self, period_id: int, user_id: int) -> list[Assignment]:
        found = await self._all("SELECT * FROM assignments WHERE period_id = %s AND user_id = %s ORDER BY indicator", (period_id, user_id))
        return [rows.assignment(r) for r in found]

    async def for_period(self, period_id: int) -> list[Assignment]:
        found = await self._all("SELECT * FROM assignments WHERE period_id = %s ORDER BY indicator", (period_id,))
        return [rows.assignment(r) for r in found]

    async def unassign(self, period_id: int, indicators: list[int]) -> int:
        return await self._execute("DELETE FROM assignments WHERE period_id = %s AND indicator = ANY(%s)", (period_id, indicators))

    async def add_pending(self, *, period_id: int, indicators: list[int], due_on: date | None, created_by: int) -> PendingAssignment:
        """Keep what a /tugaskan asked for until the lead picks the member from its buttons."""
        await PeriodRepository(self._link, self._clock).shape(period_id)
        row = await self._one(
            """INSERT INTO pending_assignments (period_id, indicators, due_on, created_by, created_at)
               VALUES (%s, %s::jsonb, %s, %s, %s) RETURNING *""",
            (period_id, json.dumps(sorted(indicators)), due_on, created_by, self._clock()),
        )
        assert row is not None
        return rows.pending_assignment(row)

    async def take_pending(self, pending_id: int) -> PendingAssignment | None:
        """The pending assignment, marked used; None when it does not exist or was used already
        (also by a transaction that took it a moment ago: the update waits for it)."""
        row = await self._one("UPDATE pending_assignments SET used_at = %s WHERE id = %s AND used_at IS NULL RETURNING *",
                              (self._clock(), pending_id))
        return rows.pending_assignment(row) if row else None


class ReminderRepository(Repository):
    async def add(self, *, kind: str, institution_id: int, hour: int, minute: int = 0, chat_id: int | None = None,
                  timezone: str = "Asia/Jakarta") -> ReminderSchedule:
        """A new schedule; a chat has at most one of a kind (:class:`Conflict` for a second)."""
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        rules.check_time_of_day(hour, minute)
        row = await self._one(
            """INSERT INTO reminder_schedules (kind, institution_id, chat_id, hour, minute, timezone) VALUES (%s, %s, %s, %s, %s, %s)
               ON CONFLICT (kind, chat_id) WHERE chat_id IS NOT NULL DO NOTHING RETURNING *""",
            (kind, institution_id, chat_id, hour, minute, timezone),
        )
        if row is None:
            raise Conflict(f"chat {chat_id} already has a {kind} schedule", code="exists")
        return rows.schedule(row)

    async def for_chat(self, kind: str, chat_id: int) -> ReminderSchedule | None:
        row = await self._one("SELECT * FROM reminder_schedules WHERE kind = %s AND chat_id = %s", (kind, chat_id))
        return rows.schedule(row) if row else None

    async def set_time(self, schedule_id: int, hour: int, minute: int, timezone: str, institution_id: int) -> ReminderSchedule:
        """Move a schedule to another time of day, for ``institution_id`` (a group may have been
        linked to another institution since), and enable it."""
        await self._require(schedule_id)
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        rules.check_time_of_day(hour, minute)
        return await self._update(schedule_id, "hour = %s, minute = %s, timezone = %s, institution_id = %s, enabled = TRUE",
                                  (hour, minute, timezone, institution_id))

    async def list(self, *, enabled_only: bool = True) -> list[ReminderSchedule]:
        sql = "SELECT * FROM reminder_schedules" + (" WHERE enabled" if enabled_only else "") + " ORDER BY id"
        return [rows.schedule(r) for r in await self._all(sql)]

    async def set_enabled(self, schedule_id: int, enabled: bool) -> ReminderSchedule:
        return await self._update(schedule_id, "enabled = %s", (enabled,))

    async def mark_sent(self, schedule_id: int, at: datetime) -> ReminderSchedule:
        return await self._update(schedule_id, "last_sent_at = %s", (at,))

    async def claim(self, schedule_id: int, seen: datetime | None, at: datetime) -> bool:
        """Mark the schedule sent at ``at`` if it is still as it was read (last sent at ``seen``) and
        enabled: True for the one caller that claims it, False when another replica (or a change of
        the schedule) came first. The second of two claims at once waits for the first's row lock,
        then finds the row changed."""
        claimed = await self._execute(
            "UPDATE reminder_schedules SET last_sent_at = %s WHERE id = %s AND enabled AND last_sent_at IS NOT DISTINCT FROM %s",
            (at, schedule_id, seen))
        return claimed == 1

    async def _update(self, schedule_id: int, assignments: str, values: tuple[object, ...]) -> ReminderSchedule:
        row = await self._one(f"UPDATE reminder_schedules SET {assignments} WHERE id = %s RETURNING *", (*values, schedule_id))
        if row is None:
            raise NotFound(f"reminder schedule {schedule_id} does not exist")
        return rows.schedule(row)

    async def _require(self, schedule_id: int) -> ReminderSchedule:
        row = await self._one("SELECT * FROM reminder_schedules WHERE id = %s", (schedule_id,))
        if row is None:
            raise NotFound(f"reminder schedule {schedule_id} does not exist")
        return rows.schedule(row)
