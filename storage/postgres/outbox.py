"""What the bot sends for each update, kept in the transaction that handled the update; and what a
reminder sends, kept in the transaction that claimed it. On PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.models import OutboxPart
from storage.postgres.base import Repository
from storage.rows import outbox_part
from storage.rules import KEEP_PARTS


class OutboxRepository(Repository):
    async def put(self, update_id: int, parts: list[tuple[int, str]], bot_id: int = 0) -> None:
        """Keep ``parts`` (chat id, document), numbered 0, 1, ... in order, for update ``update_id``
        of bot ``bot_id``.

        Call inside the transaction that handled the update (after its claim, which only one
        transaction gets), so they commit with what they confirm. A part left unsent from an old
        update id sequence with the same number is replaced (and takes its place in the order of
        writing anew): it could not be sent for a week, and the update that takes its number is the
        one to answer.
        """
        now = self._clock()
        await self._execute("DELETE FROM outbox WHERE bot_id = %s AND update_id = %s AND part < %s", (bot_id, update_id, len(parts)))
        await self._write(bot_id, update_id, parts, first=0)
        if update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM outbox WHERE created_at < %s AND (part = 0 OR sent_at IS NOT NULL)", (now - KEEP_PARTS,))

    async def add(self, parts: list[tuple[int, str]], bot_id: int = 0) -> None:
        """Keep ``parts`` (chat id, document) that no update caused (a reminder's messages), numbered
        1, 2, ...: all of them are sent through the outbox. Call in the transaction that decided to
        send them (the reminder's claim)."""
        await self._write(bot_id, None, parts, first=1)

    async def _write(self, bot_id: int, update_id: int | None, parts: list[tuple[int, str]], first: int) -> None:
        """The parts in one statement, numbered from ``first``, their ids in their order."""
        await self._execute(
            """INSERT INTO outbox (bot_id, update_id, part, chat_id, document, created_at)
               SELECT %s, %s, number - 1 + %s, chat_id, document, %s
               FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS p(chat_id, document, number) ORDER BY number""",
            (bot_id, update_id, first, self._clock(), [chat for chat, _ in parts], [document for _, document in parts]),
        )

    async def parts(self, update_id: int, bot_id: int = 0) -> list[OutboxPart]:
        found = await self._all("SELECT * FROM outbox WHERE bot_id = %s AND update_id = %s ORDER BY part", (bot_id, update_id))
        return [outbox_part(r) for r in found]

    async def unsent(self, bot_id: int = 0, chat_id: int | None = None) -> list[OutboxPart]:
        """Parts 1.. not yet marked sent (to ``chat_id``, or to every chat), in the order written."""
        found = await self._all(
            """SELECT * FROM outbox WHERE bot_id = %s AND (%s::bigint IS NULL OR chat_id = %s) AND part > 0 AND sent_at IS NULL
               ORDER BY id""", (bot_id, chat_id, chat_id))
        return [outbox_part(r) for r in found]

    async def mark_sent(self, part_id: int, at: datetime) -> None:
        await self._execute("UPDATE outbox SET sent_at = %s WHERE id = %s", (at, part_id))

    async def mark_delivered(self, update_ids: Sequence[int], at: datetime, bot_id: int = 0) -> None:
        """Mark the part 0 of each of ``update_ids`` delivered: its update was confirmed to Telegram
        at its commit (``bot.transport``, "replayable"), so only this mark tells a restart it was sent."""
        await self._execute("UPDATE outbox SET sent_at = %s WHERE bot_id = %s AND part = 0 AND update_id = ANY(%s)",
                            (at, bot_id, list(update_ids)))

    async def undelivered(self, since: datetime, bot_id: int = 0) -> list[OutboxPart]:
        """For each chat, its newest part 0 written since ``since``, if it is not marked delivered:
        what a restart delivers again when the update was confirmed at its commit."""
        found = await self._all(
            """SELECT * FROM (SELECT DISTINCT ON (chat_id) * FROM outbox WHERE bot_id = %s AND part = 0 AND created_at >= %s
                              ORDER BY chat_id, id DESC) AS newest
               WHERE sent_at IS NULL ORDER BY id""", (bot_id, since))
        return [outbox_part(r) for r in found]
