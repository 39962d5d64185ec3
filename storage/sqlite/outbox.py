"""What the bot sends for each update, kept in the transaction that handled the update; and what a
reminder sends, kept in the transaction that claimed it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.models import OutboxPart
from storage.rows import outbox_part
from storage.rules import KEEP_PARTS
from storage.sqlite.base import Repository


class OutboxRepository(Repository):
    async def put(self, update_id: int, parts: list[tuple[int, str]], bot_id: int = 0) -> None:
        """Keep ``parts`` (chat id, document), numbered 0, 1, ... in order, for update ``update_id``
        of bot ``bot_id``.

        Call inside the transaction that handled the update, so they commit with what they confirm.
        A part left unsent from an old update id sequence with the same number is replaced (and
        takes its place in the order of writing anew): it could not be sent for a week, and the
        update that takes its number is the one to answer.
        """
        now = self._clock()
        await self._execute("DELETE FROM outbox WHERE bot_id = ? AND update_id = ? AND part < ?", (bot_id, update_id, len(parts)))
        for number, (chat_id, document) in enumerate(parts):
            await self._execute("INSERT INTO outbox (bot_id, update_id, part, chat_id, document, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                (bot_id, update_id, number, chat_id, document, now.isoformat()))
        if update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM outbox WHERE created_at < ? AND (part = 0 OR sent_at IS NOT NULL)",
                                ((now - KEEP_PARTS).isoformat(),))

    async def add(self, parts: list[tuple[int, str]], bot_id: int = 0) -> None:
        """Keep ``parts`` (chat id, document) that no update caused (a reminder's messages), numbered
        1, 2, ...: all of them are sent through the outbox. Call in the transaction that decided to
        send them (the reminder's claim)."""
        now = self._now()
        for number, (chat_id, document) in enumerate(parts, start=1):
            await self._execute("INSERT INTO outbox (bot_id, update_id, part, chat_id, document, created_at) VALUES (?, NULL, ?, ?, ?, ?)",
                                (bot_id, number, chat_id, document, now))

    async def parts(self, update_id: int, bot_id: int = 0) -> list[OutboxPart]:
        rows = await self._all("SELECT * FROM outbox WHERE bot_id = ? AND update_id = ? ORDER BY part", (bot_id, update_id))
        return [outbox_part(r) for r in rows]

    async def unsent(self, bot_id: int = 0, chat_id: int | None = None) -> list[OutboxPart]:
        """Parts 1.. not yet marked sent (to ``chat_id``, or to every chat), in the order written."""
        if chat_id is None:
            rows = await self._all("SELECT * FROM outbox WHERE bot_id = ? AND part > 0 AND sent_at IS NULL ORDER BY id", (bot_id,))
        else:
            rows = await self._all("SELECT * FROM outbox WHERE bot_id = ? AND chat_id = ? AND part > 0 AND sent_at IS NULL ORDER BY id",
                                   (bot_id, chat_id))
        return [outbox_part(r) for r in rows]

    async def mark_sent(self, part_id: int, at: datetime) -> None:
        await self._execute("UPDATE outbox SET sent_at = ? WHERE id = ?", (at.isoformat(), part_id))

    async def mark_delivered(self, update_ids: Sequence[int], at: datetime, bot_id: int = 0) -> None:
        """Mark the part 0 of each of ``update_ids`` delivered: its update was confirmed to Telegram
        at its commit (``bot.transport``, "replayable"), so only this mark tells a restart it was sent."""
        marks = ", ".join("?" * len(update_ids))
        await self._execute(f"UPDATE outbox SET sent_at = ? WHERE bot_id = ? AND part = 0 AND update_id IN ({marks})",
                            (at.isoformat(), bot_id, *update_ids))

    async def undelivered(self, since: datetime, bot_id: int = 0) -> list[OutboxPart]:
        """For each chat, its newest part 0 written since ``since``, if it is not marked delivered:
        what a restart delivers again when the update was confirmed at its commit."""
        rows = await self._all(
            """SELECT * FROM outbox WHERE sent_at IS NULL AND id IN (
                   SELECT MAX(id) FROM outbox WHERE bot_id = ? AND part = 0 AND created_at >= ? GROUP BY chat_id)
               ORDER BY id""", (bot_id, since.isoformat()))
        return [outbox_part(r) for r in rows]
