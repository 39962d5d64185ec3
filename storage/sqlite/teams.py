"""Group chats linked to institutions, assignments and reminder schedules."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from storage import rows, rules
from storage.errors import NotFound
from storage.models import Assignment, GroupLink, PendingAssignment, ReminderSchedule
from storage.sqlite.base import Repository, utc_text
from storage.sqlite.evaluations import PeriodRepository
from storage.sqlite.institutions import InstitutionRepository


class GroupRepository(Repository):
    async def link(self, *, chat_id: int, institution_id: int, title: str | None, linked_by: int) -> GroupLink:
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        existing = await self.get(chat_id)
        if existing is not None and existing.institution_id != institution_id:
            raise rules.linked_elsewhere(chat_id, existing.institution_id)
        await self._execute(
            """INSERT INTO group_links (chat_id, institution_id, title, linked_by, linked_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title""",
            (chat_id, institution_id, title, linked_by, self._now()),
        )
        return await self._require(chat_id)

    async def get(self, chat_id: int) -> GroupLink | None:
        row = await self._one("SELECT * FROM group_links WHERE chat_id = ?", (chat_id,))
        return rows.group_link(row) if row else None

    async def for_institution(self, institution_id: int) -> list[GroupLink]:
        found = await self._all("SELECT * FROM group_links WHERE institution_id = ? ORDER BY linked_at", (institution_id,))
        return [rows.group_link(r) for r in found]

    async def unlink(self, chat_id: int) -> bool:
        cursor = await self._execute("DELETE FROM group_links WHERE chat_id = ?", (chat_id,))
        return cursor.rowcount > 0

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> GroupLink | None:
        """A group became a supergroup: its link follows the new chat id."""
        if await self.get(old_chat_id) is None:
            return None
        await self._execute("UPDATE group_links SET chat_id = ?, summary_message_id = NULL WHERE chat_id = ?", (new_chat_id, old_chat_id))
        await self._execute("UPDATE reminder_schedules SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
        return await self.get(new_chat_id)

    async def set_summary_message(self, chat_id: int, message_id: int | None) -> GroupLink:
        await self._require(chat_id)
        await self._execute("UPDATE group_links SET summary_message_id = ? WHERE chat_id = ?", (message_id, chat_id))
        return await self._require(chat_id)

    async def pace_summary(self, chat_id: int, at: datetime, every: timedelta) -> datetime | None:
        """Claim the group's summary refresh at ``at`` if the last one is at least ``every`` ago:
        None when claimed (or the chat is not linked: nothing to pace), else the earliest moment the
        next refresh may come. One conditional UPDATE, so of several replicas asking at once one
        gets it.

        PostgreSQL: ``UPDATE group_links SET summary_shown_at = $2 WHERE chat_id = $1 AND
        (summary_shown_at IS NULL OR summary_shown_at <= $2 - $3) RETURNING chat_id``; when no row
        comes back, read ``summary_shown_at``."""
        cursor = await self._execute(
            "UPDATE group_links SET summary_shown_at = ? WHERE chat_id = ? AND (summary_shown_at IS NULL OR summary_shown_at <= ?)",
            (utc_text(at), chat_id, utc_text(at - every)),
        )
        if cursor.rowcount:
            return None
        row = await self._one("SELECT summary_shown_at FROM group_links WHERE chat_id = ?", (chat_id,))
        shown = rows.moment_or_none(row["summary_shown_at"]) if row else None
        return None if shown is None else shown + every

    async def _require(self, chat_id: int) -> GroupLink:
        link = await self.get(chat_id)
        if link is None:
            raise NotFound(f"chat {chat_id} is not linked to an institution")
        return link


class AssignmentRepository(Repository):
    async def assign(self, *, period_id: int, indicators: list[int], user_id: int, assigned_by: int,
                     due_on: date | None = None) -> list[Assignment]:
        period = await PeriodRepository(self._conn, self._clock).require(period_id)
        rules.check_indicators(period, indicators)
        now = self._now()
        for number in indicators:
            await self._execute(
                """INSERT INTO assignments (period_id, indicator, user_id, assigned_by, assigned_at, due_on) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (period_id, indicator) DO UPDATE SET user_id = excluded.user_id,
                       assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at, due_on = excluded.due_on""",
                (period_id, number, user_id, assigned_by, now, due_on.isoformat() if due_on else None),
            )
        return await self.for_user(period_id, user_id)

    async def for_user(self, period_id: int, user_id: int) -> list[Assignment]:
        found = await self._all("SELECT * FROM assignments WHERE period_id = ? AND user_id = ? ORDER BY indicator", (period_id, user_id))
        return [rows.assignment(r) for r in found]

    async def for_period(self, period_id: int) -> list[Assignment]:
        found = await self._all("SELECT * FROM assignments WHERE period_id = ? ORDER BY indicator", (period_id,))
        return [rows.assignment(r) for r in found]

    async def unassign(self, period_id: int, indicators: list[int]) -> int:
        total = 0
        for number in indicators:
            cursor = await self._execute("DELETE FROM assignments WHERE period_id = ? AND indicator = ?", (period_id, number))
            total += cursor.rowcount
        return total

    async def add_pending(self, *, period_id: int, indicators: list[int], due_on: date | None, created_by: int) -> PendingAssignment:
        """Keep what a /tugaskan asked for until the lead picks the member from its buttons."""
        await PeriodRepository(self._conn, self._clock).require(period_id)
        pending_id = await self._insert(
            "INSERT INTO pending_assignments (period_id, indicators, due_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            (period_id, json.dumps(sorted(indicators)), due_on.isoformat() if due_on else None, created_by, self._now()),
        )
        pending = await self._pending(pending_id)
        assert pending is not None
        return pending

    async def take_pending(self, pending_id: int) -> PendingAssignment | None:
        """The pending assignment, marked used; None when it does not exist or was used already."""
        pending = await self._pending(pending_id)
        if pending is None or pending.used_at is not None:
            return None
        await self._execute("UPDATE pending_assignments SET used_at = ? WHERE id = ? AND used_at IS NULL", (self._now(), pending_id))
        return pending

    async def _pending(self, pending_id: int) -> PendingAssignment | None:
        row = await self._one("SELECT * FROM pending_assignments WHERE id = ?", (pending_id,))
        return rows.pending_assignment(row) if row else None


class ReminderRepository(Repository):
    async def add(self, *, kind: str, institution_id: int, hour: int, minute: int = 0, chat_id: int | None = None,
                  timezone: str = "Asia/Jakarta") -> ReminderSchedule:
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        rules.check_time_of_day(hour, minute)
        schedule_id = await self._insert(
            "INSERT INTO reminder_schedules (kind, institution_id, chat_id, hour, minute, timezone) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, institution_id, chat_id, hour, minute, timezone),
        )
        return await self._require(schedule_id)

    async def for_chat(self, kind: str, chat_id: int) -> ReminderSchedule | None:
        row = await self._one("SELECT * FROM reminder_schedules WHERE kind = ? AND chat_id = ?", (kind, chat_id))
        return rows.schedule(row) if row else None

    async def set_time(self, schedule_id: int, hour: int, minute: int, timezone: str, institution_id: int) -> ReminderSchedule:
        """Move a schedule to another time of day, for ``institution_id`` (a group may have been
        linked to another institution since), and enable it."""
        await self._require(schedule_id)
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        rules.check_time_of_day(hour, minute)
        await self._execute(
            "UPDATE reminder_schedules SET hour = ?, minute = ?, timezone = ?, institution_id = ?, enabled = 1 WHERE id = ?",
            (hour, minute, timezone, institution_id, schedule_id),
        )
        return await self._require(schedule_id)

    async def list(self, *, enabled_only: bool = True) -> list[ReminderSchedule]:
        sql = "SELECT * FROM reminder_schedules" + (" WHERE enabled = 1" if enabled_only else "") + " ORDER BY id"
        return [rows.schedule(r) for r in await self._all(sql)]

    async def set_enabled(self, schedule_id: int, enabled: bool) -> ReminderSchedule:
        await self._require(schedule_id)
        await self._execute("UPDATE reminder_schedules SET enabled = ? WHERE id = ?", (int(enabled), schedule_id))
        return await self._require(schedule_id)

    async def claim(self, schedule_id: int, seen: datetime | None, at: datetime) -> bool:
        """Mark the schedule sent at ``at`` if it is still as it was read (last sent at ``seen``) and
        enabled: True for the one caller that claims it, False when another replica (or a change of
        the schedule) came first. The caller keeps what the reminder sends in the same transaction.

        PostgreSQL: ``UPDATE reminder_schedules SET last_sent_at = $3 WHERE id = $1 AND enabled AND
        last_sent_at IS NOT DISTINCT FROM $2``: the second of two concurrent claims waits for the
        first's row lock and then finds the row changed (0 rows). (``SELECT ... FOR UPDATE SKIP
        LOCKED`` over the due schedules would let it skip the row instead of waiting; the wait is
        one short transaction, and the conditional UPDATE needs no second statement.)"""
        cursor = await self._execute(
            "UPDATE reminder_schedules SET last_sent_at = ? WHERE id = ? AND enabled = 1 AND last_sent_at IS ?",
            (at.isoformat(), schedule_id, seen.isoformat() if seen is not None else None),
        )
        return cursor.rowcount == 1

    async def mark_sent(self, schedule_id: int, at: datetime) -> ReminderSchedule:
        await self._require(schedule_id)
        await self._execute("UPDATE reminder_schedules SET last_sent_at = ? WHERE id = ?", (at.isoformat(), schedule_id))
        return await self._require(schedule_id)

    async def _require(self, schedule_id: int) -> ReminderSchedule:
        row = await self._one("SELECT * FROM reminder_schedules WHERE id = ?", (schedule_id,))
        if row is None:
            raise NotFound(f"reminder schedule {schedule_id} does not exist")
        return rows.schedule(row)
