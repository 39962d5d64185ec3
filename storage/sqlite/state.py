"""Each user's conversation position, and the updates already processed."""

from __future__ import annotations

from datetime import timedelta

from storage.sqlite.base import Repository

KEEP_UPDATES = timedelta(days=7)


class PositionRepository(Repository):
    """Positions are documents owned by the conversation layer (``conversations.states``):
    storage keeps them without reading them."""

    async def document(self, user_id: int) -> str | None:
        row = await self._one("SELECT document FROM positions WHERE user_id = ?", (user_id,))
        return None if row is None else str(row["document"])

    async def save(self, user_id: int, document: str) -> None:
        await self._execute(
            """INSERT INTO positions (user_id, document, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at""",
            (user_id, document, self._now()),
        )


class UpdateRepository(Repository):
    async def seen(self, update_id: int) -> bool:
        """Whether ``update_id`` was claimed (on the reader: by a committed transaction)."""
        return await self._one("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    async def claim(self, update_id: int) -> bool:
        """Record ``update_id`` as processed; False when it already was (the caller skips it).

        Call inside the transaction of the action itself, so the claim and the action commit together.
        """
        now = self._clock()
        cursor = await self._execute(
            "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)", (update_id, now.isoformat())
        )
        claimed = cursor.rowcount == 1
        if claimed and update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM processed_updates WHERE processed_at < ?", ((now - KEEP_UPDATES).isoformat(),))
        return claimed
