"""What the bot sends for each update, kept in the transaction that handled the update, on PostgreSQL."""

from __future__ import annotations

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
        update id sequence with the same number is replaced: it could not be sent for a week, and
        the update that takes its number is the one to answer.
        """
        now = self._clock()
        await self._execute(
            """INSERT INTO outbox (bot_id, update_id, part, chat_id, document, created_at)
               SELECT %s, %s, part - 1, chat_id, document, %s
               FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS p(chat_id, document, part)
               ON CONFLICT (bot_id, update_id, part) DO UPDATE SET chat_id = excluded.chat_id,
                   document = excluded.document, created_at = excluded.created_at, sent_at = NULL""",
            (bot_id, update_id, now, [chat for chat, _ in parts], [document for _, document in parts]),
        )
        if update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM outbox WHERE created_at < %s AND (part = 0 OR sent_at IS NOT NULL)", (now - KEEP_PARTS,))

    async def parts(self, update_id: int, bot_id: int = 0) -> list[OutboxPart]:
        found = await self._all("SELECT * FROM outbox WHERE bot_id = %s AND update_id = %s ORDER BY part", (bot_id, update_id))
        return [outbox_part(r) for r in found]

    async def unsent(self, bot_id: int = 0) -> list[OutboxPart]:
        """Parts 1.. not yet marked sent, oldest update first."""
        found = await self._all(
            "SELECT * FROM outbox WHERE bot_id = %s AND part > 0 AND sent_at IS NULL ORDER BY created_at, update_id, part", (bot_id,))
        return [outbox_part(r) for r in found]

    async def mark_sent(self, update_id: int, part: int, at: datetime, bot_id: int = 0) -> None:
        await self._execute("UPDATE outbox SET sent_at = %s WHERE bot_id = %s AND update_id = %s AND part = %s",
                            (at, bot_id, update_id, part))
