"""Each user's conversation position, and the updates already processed, on PostgreSQL."""

from __future__ import annotations

import logging

from storage.postgres.base import Repository
from storage.rules import KEEP_UPDATES, restart_reason

log = logging.getLogger(__name__)


class PositionRepository(Repository):
    """Positions are documents owned by the conversation layer (``conversations.states``):
    storage keeps them without reading them.

    Inside a transaction, reading a position locks its row until the transaction ends: the engine
    reads the position first and saves it last, so the turns of one user take turns on every
    replica, and none saves over a position it did not read."""

    async def document(self, user_id: int) -> str | None:
        lock = " FOR UPDATE" if self._link.in_transaction else ""
        value = await self._value(f"SELECT document FROM positions WHERE user_id = %s{lock}", (user_id,))
        return None if value is None else str(value)

    async def save(self, user_id: int, document: str) -> None:
        await self._execute(
            """INSERT INTO positions (user_id, document, updated_at) VALUES (%s, %s, %s)
               ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at""",
            (user_id, document, self._clock()),
        )


class UpdateRepository(Repository):
    """Which updates were processed, per bot, within the bot's current update id sequence (the
    rules: ``storage.rules.restart_reason`` and ``docs/storage.md``, "Update ids").

    Concurrent claims of one update are decided by the primary key: the claim is an insert that
    does nothing when the key exists, and an insert that meets another transaction's uncommitted
    claim of the same key waits for it; so each update is claimed once, by one transaction, on any
    number of replicas. A new sequence forgets the old one's outbox rows that served only
    redeliveries (see ``storage.postgres.outbox``). Unlike SQLite's, a claim does not write the bot's sequence row (each claim
    would wait for the previous one's commit on it): the highest id is read from the claims kept,
    and the row changes only when a sequence starts, under its lock.
    """

    async def seen(self, update_id: int, bot_id: int = 0, key: str | None = None) -> bool:
        """Whether a claim of this update would find it processed (on the reader: by a committed
        transaction); nothing is written."""
        if await self._value("SELECT 1 FROM update_sequences WHERE bot_id = %s", (bot_id,)) is None:
            return False
        highest = await self._value("SELECT MAX(update_id) FROM processed_updates WHERE bot_id = %s", (bot_id,))
        seen = await self._one("SELECT update_key, processed_at FROM processed_updates WHERE bot_id = %s AND update_id = %s",
                               (bot_id, update_id))
        return seen is not None and restart_reason(update_id=update_id, highest=highest, seen_key=seen["update_key"],
                                                   seen_at=seen["processed_at"], key=key, now=self._clock()) is None

    async def claim(self, update_id: int, bot_id: int = 0, key: str | None = None) -> bool:
        """Record update ``update_id`` of bot ``bot_id`` as processed; False when it already was
        (a redelivery: the caller skips it).

        Call inside the transaction of the action itself, so the claim and the action commit together.
        """
        now = self._clock()
        sequence = await self._one("""SELECT (SELECT started_at FROM update_sequences WHERE bot_id = %s) AS started,
                                             (SELECT MAX(update_id) FROM processed_updates WHERE bot_id = %s) AS highest""",
                                   (bot_id, bot_id))
        assert sequence is not None
        started, highest = sequence["started"], sequence["highest"]
        if started is None:
            started = await self._first_claim(bot_id, update_id)
            highest = await self._value("SELECT MAX(update_id) FROM processed_updates WHERE bot_id = %s", (bot_id,))
        restart = restart_reason(update_id=update_id, highest=highest, seen_key=None, seen_at=None, key=key, now=now)
        if restart is None:
            if await self._record(bot_id, update_id, key):
                return True
            seen = await self._one("SELECT update_key, processed_at FROM processed_updates WHERE bot_id = %s AND update_id = %s",
                                   (bot_id, update_id))
            if seen is None:  # a new sequence, started meanwhile, forgot it: decide again
                return await self.claim(update_id, bot_id, key)
            restart = restart_reason(update_id=update_id, highest=highest, seen_key=seen["update_key"], seen_at=seen["processed_at"],
                                     key=key, now=now)
            if restart is None:
                return False
        if await self._value("SELECT started_at FROM update_sequences WHERE bot_id = %s FOR UPDATE", (bot_id,)) != started:
            return await self.claim(update_id, bot_id, key)  # another transaction started a sequence meanwhile: decide again
        log.warning("bot %s: update %s starts a new update id sequence: %s", bot_id, update_id, restart)
        await self._execute("DELETE FROM processed_updates WHERE bot_id = %s", (bot_id,))
        await self._execute("DELETE FROM outbox WHERE bot_id = %s AND (part = 0 OR sent_at IS NOT NULL)", (bot_id,))
        await self._execute("UPDATE update_sequences SET started_at = %s, first_id = %s, restarts = restarts + 1 WHERE bot_id = %s",
                            (now, update_id, bot_id))
        await self._record(bot_id, update_id, key)
        return True

    async def _record(self, bot_id: int, update_id: int, key: str | None) -> bool:
        """Insert the claim; False when this bot's update id is claimed already (by a committed transaction)."""
        now = self._clock()
        inserted = await self._execute(
            """INSERT INTO processed_updates (bot_id, update_id, update_key, processed_at) VALUES (%s, %s, %s, %s)
               ON CONFLICT (bot_id, update_id) DO NOTHING""", (bot_id, update_id, key, now),
        )
        if inserted and update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM processed_updates WHERE bot_id = %s AND processed_at < %s", (bot_id, now - KEEP_UPDATES))
        return inserted > 0

    async def _first_claim(self, bot_id: int, update_id: int) -> object:
        """The bot's sequence row, made at its first claim (returns when it started); it adopts the
        updates recorded before bot ids were (bot 0, from a copied SQLite database), so a redelivery
        right after the move is still recognised."""
        if bot_id != 0 and await self._value("SELECT 1 FROM update_sequences WHERE bot_id = 0") is None:
            await self._execute("UPDATE processed_updates SET bot_id = %s WHERE bot_id = 0", (bot_id,))
        await self._execute(
            """INSERT INTO update_sequences (bot_id, started_at, first_id)
               SELECT %s, %s, COALESCE(MIN(update_id), %s) FROM processed_updates WHERE bot_id = %s
               ON CONFLICT (bot_id) DO NOTHING""",
            (bot_id, self._clock(), update_id, bot_id),
        )
        return await self._value("SELECT started_at FROM update_sequences WHERE bot_id = %s", (bot_id,))
