"""Each user's conversation position, and the updates already processed."""

from __future__ import annotations

import logging
from datetime import timedelta

from pydantic import ValidationError

from storage.models import Position
from storage.sqlite.base import Repository

log = logging.getLogger(__name__)
KEEP_UPDATES = timedelta(days=7)


class PositionRepository(Repository):
    async def get(self, user_id: int) -> Position:
        """The stored position, or a fresh one; a damaged document is logged and replaced, never fatal."""
        row = await self._one("SELECT document FROM positions WHERE user_id = ?", (user_id,))
        if row is None:
            return Position(user_id=user_id)
        try:
            position = Position.model_validate_json(row["document"])
        except ValidationError as exc:
            log.warning("position of user %s is not valid (%s); starting afresh", user_id, exc.errors()[0]["msg"])
            return Position(user_id=user_id)
        return position if position.user_id == user_id else Position(user_id=user_id)

    async def save(self, position: Position) -> Position:
        now = self._clock()
        position = position.model_copy(update={"updated_at": now})
        await self._execute(
            """INSERT INTO positions (user_id, document, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at""",
            (position.user_id, position.model_dump_json(), now.isoformat()),
        )
        return position


class UpdateRepository(Repository):
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
