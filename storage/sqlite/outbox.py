"""What the bot sends for each update, kept in the transaction that handled the update."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.models import OutboxPart
from storage.sqlite.base import Repository, Row, parse_time, parse_time_or_none

# Telegram keeps an unconfirmed update for 24 hours, so a part 0 older than that is never read again.
KEEP_PARTS = timedelta(days=2)


def _part(row: Row) -> OutboxPart:
    return OutboxPart(update_id=row["update_id"], part=row["part"], chat_id=row["chat_id"], document=row["document"],
                      created_at=parse_time(row["created_at"]), sent_at=parse_time_or_none(row["sent_at"]))


class OutboxRepository(Repository):
    async def put(self, update_id: int, parts: list[tuple[int, str]]) -> None:
        """Keep ``parts`` (chat id, document), numbered 0, 1, ... in order, for ``update_id``.

        Call inside the transaction that handled the update, so they commit with what they confirm.
        """
        now = self._clock()
        for number, (chat_id, document) in enumerate(parts):
            await self._execute(
                "INSERT INTO outbox (update_id, part, chat_id, document, created_at) VALUES (?, ?, ?, ?, ?)",
                (update_id, number, chat_id, document, now.isoformat()),
            )
        if update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM outbox WHERE created_at < ? AND (part = 0 OR sent_at IS NOT NULL)",
                                ((now - KEEP_PARTS).isoformat(),))

    async def parts(self, update_id: int) -> list[OutboxPart]:
        return [_part(r) for r in await self._all("SELECT * FROM outbox WHERE update_id = ? ORDER BY part", (update_id,))]

    async def unsent(self) -> list[OutboxPart]:
        """Parts 1.. not yet marked sent, oldest update first."""
        rows = await self._all("SELECT * FROM outbox WHERE part > 0 AND sent_at IS NULL ORDER BY update_id, part")
        return [_part(r) for r in rows]

    async def mark_sent(self, update_id: int, part: int, at: datetime) -> None:
        await self._execute("UPDATE outbox SET sent_at = ? WHERE update_id = ? AND part = ?", (at.isoformat(), update_id, part))
