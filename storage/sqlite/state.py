"""Each user's conversation position, and the updates already processed."""

from __future__ import annotations

import logging

from storage.rows import moment
from storage.rules import KEEP_UPDATES, restart_reason
from storage.sqlite.base import Repository

log = logging.getLogger(__name__)


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
    """Which updates were processed, per bot, within the bot's current update id sequence.

    Telegram numbers a bot's updates one after another and redelivers an update that was not
    confirmed, but it starts the numbers anew after a week without updates (at a random id), and a
    new token may too. So an id that comes again is a repeat only if it was claimed in the current
    sequence less than 24 hours ago (Telegram keeps an update 24 hours at most, and a week of
    silence is longer than that) and, when the caller knows it, names the same update (``key``: its
    chat and message id, or callback query id). A claim starts a new sequence, forgetting the old
    one's ids, when its id is far (``RESTART_GAP``) below the highest of the current sequence, or
    when its id was claimed before for another update or more than 24 hours ago; the outbox rows
    that served only redeliveries of the old sequence go with it (see ``storage.sqlite.outbox``).
    """

    async def seen(self, update_id: int, bot_id: int = 0, key: str | None = None) -> bool:
        """Whether a claim of this update would find it processed (on the reader: by a committed
        transaction); nothing is written."""
        sequence = await self._one("SELECT highest_id FROM update_sequences WHERE bot_id = ?", (bot_id,))
        if sequence is None:
            return False
        repeat, _ = await self._judge(bot_id, update_id, key, int(sequence["highest_id"]))
        return repeat

    async def claim(self, update_id: int, bot_id: int = 0, key: str | None = None) -> bool:
        """Record update ``update_id`` of bot ``bot_id`` as processed; False when it already was
        (a redelivery: the caller skips it).

        Call inside the transaction of the action itself, so the claim and the action commit together.
        """
        now = self._clock()
        sequence = await self._one("SELECT highest_id FROM update_sequences WHERE bot_id = ?", (bot_id,))
        highest = int(sequence["highest_id"]) if sequence else await self._first_claim(bot_id, update_id)
        repeat, restart = await self._judge(bot_id, update_id, key, highest)
        if repeat:
            return False
        if restart is not None:
            log.warning("bot %s: update %s starts a new update id sequence: %s", bot_id, update_id, restart)
            await self._execute("DELETE FROM processed_updates WHERE bot_id = ?", (bot_id,))
            await self._execute("DELETE FROM outbox WHERE bot_id = ? AND (part = 0 OR sent_at IS NOT NULL)", (bot_id,))
            await self._execute(
                """UPDATE update_sequences SET started_at = ?, first_id = ?, highest_id = ?, last_claimed_at = ?, restarts = restarts + 1
                   WHERE bot_id = ?""", (now.isoformat(), update_id, update_id, now.isoformat(), bot_id),
            )
        else:
            await self._execute("UPDATE update_sequences SET highest_id = MAX(highest_id, ?), last_claimed_at = ? WHERE bot_id = ?",
                                (update_id, now.isoformat(), bot_id))
        await self._execute("INSERT INTO processed_updates (bot_id, update_id, update_key, processed_at) VALUES (?, ?, ?, ?)",
                            (bot_id, update_id, key, now.isoformat()))
        if update_id % 100 == 0:  # keep the table small
            await self._execute("DELETE FROM processed_updates WHERE bot_id = ? AND processed_at < ?",
                                (bot_id, (now - KEEP_UPDATES).isoformat()))
        return True

    async def _judge(self, bot_id: int, update_id: int, key: str | None, highest: int) -> tuple[bool, str | None]:
        """(whether the update is a repeat, why it starts a new sequence or None): ``storage.rules.restart_reason``."""
        seen = await self._one("SELECT update_key, processed_at FROM processed_updates WHERE bot_id = ? AND update_id = ?",
                               (bot_id, update_id))
        restart = restart_reason(update_id=update_id, highest=highest, seen_key=seen["update_key"] if seen else None,
                                 seen_at=moment(seen["processed_at"]) if seen else None, key=key, now=self._clock())
        return seen is not None and restart is None, restart

    async def _first_claim(self, bot_id: int, update_id: int) -> int:
        """The bot's sequence row, made at its first claim (returns its highest id); it adopts the updates recorded before
        bot ids were (bot 0), so a redelivery right after the upgrade is still recognised."""
        if bot_id != 0 and await self._one("SELECT 1 FROM update_sequences WHERE bot_id = 0") is None:
            await self._execute("UPDATE processed_updates SET bot_id = ? WHERE bot_id = 0", (bot_id,))
        now = self._now()
        await self._execute(
            """INSERT INTO update_sequences (bot_id, started_at, first_id, highest_id, last_claimed_at)
               SELECT ?, ?, COALESCE(MIN(update_id), ?), COALESCE(MAX(update_id), ?), COALESCE(MAX(processed_at), ?)
               FROM processed_updates WHERE bot_id = ?""",
            (bot_id, now, update_id, update_id, now, bot_id),
        )
        row = await self._one("SELECT highest_id FROM update_sequences WHERE bot_id = ?", (bot_id,))
        assert row is not None
        return int(row["highest_id"])
