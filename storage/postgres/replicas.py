"""What replicas of the bot share, on PostgreSQL: who is alive, which replica sends to a chat, whose
turn an update is (the contract and its reasons: ``storage.sqlite.replicas``).

Every decision is one conditional statement: an ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` or a
``DELETE ... WHERE`` waits for the row lock of a concurrent one and evaluates its condition again
on the row that one committed, so two replicas asking at the same moment get one answer between
them (READ COMMITTED is enough). A holder is alive while its heartbeat is not older than the
caller's ``alive_since`` (the caller's clock, as on SQLite: replicas should keep theirs in sync).
"""

from __future__ import annotations

from datetime import datetime

from storage.postgres.base import Repository

_ALIVE = "EXISTS (SELECT 1 FROM replicas r WHERE r.holder = {table}.holder AND r.seen_at >= %s)"


class ReplicaRepository(Repository):
    async def beat(self, holder: str, at: datetime) -> None:
        """Record that ``holder`` is alive at ``at`` (its first beat records its start)."""
        await self._execute(
            """INSERT INTO replicas (holder, started_at, seen_at) VALUES (%s, %s, %s)
               ON CONFLICT (holder) DO UPDATE SET seen_at = excluded.seen_at""", (holder, at, at))

    async def leave(self, holder: str) -> None:
        """``holder`` stops: its heartbeat, turns and chat lanes go, so others take over at once."""
        for table in ("update_turns", "chat_lanes", "replicas"):
            await self._execute(f"DELETE FROM {table} WHERE holder = %s", (holder,))

    async def forget_turns(self, holder: str) -> None:
        """The turns ``holder`` left behind when it stopped without leaving."""
        await self._execute("DELETE FROM update_turns WHERE holder = %s", (holder,))

    # --- update turns ------------------------------------------------------------------------------

    async def enter_turn(self, bot_id: int, update_id: int, keys: list[str], holder: str, alive_since: datetime) -> None:
        """``holder`` is handling update ``update_id``, which concerns ``keys`` (its user, its chat);
        the same update held by a live replica stays that replica's, held by one that is gone it
        becomes ``holder``'s. The keys are written in order, so two replicas never wait on each other
        in a circle."""
        await self._execute(
            f"""INSERT INTO update_turns (bot_id, turn_key, update_id, holder)
                SELECT %s, turn_key, %s, %s FROM unnest(%s::text[]) AS k(turn_key) ORDER BY turn_key
                ON CONFLICT (bot_id, turn_key, update_id) DO UPDATE SET holder = excluded.holder
                WHERE update_turns.holder = excluded.holder OR NOT {_ALIVE.format(table='update_turns')}""",
            (bot_id, update_id, holder, sorted(set(keys)), alive_since),
        )

    async def turn_ahead(self, bot_id: int, update_id: int, keys: list[str], holder: str, alive_since: datetime) -> int | None:
        """The update that goes before ``update_id``: the earliest one in flight on a live replica
        that shares one of ``keys`` and has a lower id, or ``update_id`` itself when another live
        replica holds it; None when it is ``holder``'s turn. Read only."""
        if not keys:
            return None
        ahead = await self._value(
            f"""SELECT MIN(update_id) FROM update_turns
                WHERE bot_id = %s AND turn_key = ANY(%s) AND (update_id < %s OR (update_id = %s AND holder <> %s))
                AND {_ALIVE.format(table='update_turns')}""",
            (bot_id, keys, update_id, update_id, holder, alive_since),
        )
        return None if ahead is None else int(ahead)

    async def leave_turn(self, bot_id: int, update_id: int, holder: str) -> None:
        """``holder`` is done with update ``update_id``."""
        await self._execute("DELETE FROM update_turns WHERE bot_id = %s AND update_id = %s AND holder = %s", (bot_id, update_id, holder))

    # --- chat lanes --------------------------------------------------------------------------------

    async def take_lane(self, bot_id: int, chat_id: int, holder: str, alive_since: datetime, at: datetime) -> bool:
        """Make ``holder`` the one that sends ``chat_id``'s outbox parts, unless a live replica is.
        True when ``holder`` has it."""
        taken = await self._execute(
            f"""INSERT INTO chat_lanes (bot_id, chat_id, holder, taken_at) VALUES (%s, %s, %s, %s)
                ON CONFLICT (bot_id, chat_id) DO UPDATE SET holder = excluded.holder, taken_at = excluded.taken_at
                WHERE chat_lanes.holder = excluded.holder OR NOT {_ALIVE.format(table='chat_lanes')}""",
            (bot_id, chat_id, holder, at, alive_since),
        )
        return taken == 1

    async def drop_lane(self, bot_id: int, chat_id: int, holder: str, *, force: bool = False) -> bool:
        """Give the chat's lane up, but only when no part for the chat is left to send (``force``: in
        any case). False when a part was written meanwhile: ``holder`` sends it. A part committed
        after this statement's snapshot finds the lane free (its writer's ``take_lane`` waited for
        this row's lock, then inserts), so no part is left without a sender."""
        unsent = "" if force else (" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.bot_id = chat_lanes.bot_id"
                                   " AND o.chat_id = chat_lanes.chat_id AND o.part > 0 AND o.sent_at IS NULL)")
        dropped = await self._execute(f"DELETE FROM chat_lanes WHERE bot_id = %s AND chat_id = %s AND holder = %s{unsent}",
                                      (bot_id, chat_id, holder))
        return dropped == 1 or force

    async def waiting_chats(self, bot_id: int, holder: str, alive_since: datetime) -> list[int]:
        """Chats with outbox parts to send whose lane nobody alive holds (or ``holder`` holds), the
        chat of the oldest part first."""
        found = await self._all(
            f"""SELECT o.chat_id, MIN(o.id) AS first FROM outbox o LEFT JOIN chat_lanes ON chat_lanes.bot_id = o.bot_id
                AND chat_lanes.chat_id = o.chat_id
                WHERE o.bot_id = %s AND o.part > 0 AND o.sent_at IS NULL
                AND (chat_lanes.holder IS NULL OR chat_lanes.holder = %s OR NOT {_ALIVE.format(table='chat_lanes')})
                GROUP BY o.chat_id ORDER BY first""",
            (bot_id, holder, alive_since),
        )
        return [int(r["chat_id"]) for r in found]
