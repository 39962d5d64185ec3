"""What replicas of the bot share: who is alive, which replica sends to a chat, whose turn an update is.

Every decision here is one conditional statement, so that two replicas asking at the same moment
get one answer between them: on SQLite because writes take turns (``BEGIN IMMEDIATE``), on
PostgreSQL because an ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` or an ``UPDATE ... WHERE``
waits for the row lock of a concurrent one and evaluates its condition again on the row it
committed (READ COMMITTED is enough). The PostgreSQL form of each statement is in its docstring;
there, compare with the server's ``now()`` instead of the replica's clock (``alive_since`` becomes
``now() - interval '...'``), so replicas with skewed clocks agree.

A holder (one process: host and process id) is *alive* while its heartbeat (``replicas.seen_at``)
is not older than the caller's ``alive_since``. What a holder that is not alive held is free.
"""

from __future__ import annotations

from datetime import datetime

from storage.sqlite.base import Repository, utc_text

_ALIVE = "EXISTS (SELECT 1 FROM replicas r WHERE r.holder = {table}.holder AND r.seen_at >= ?)"


class ReplicaRepository(Repository):
    async def beat(self, holder: str, at: datetime) -> None:
        """Record that ``holder`` is alive at ``at`` (its first beat records its start).

        PostgreSQL: the same ``INSERT ... ON CONFLICT (holder) DO UPDATE SET seen_at = now()``."""
        await self._execute(
            """INSERT INTO replicas (holder, started_at, seen_at) VALUES (?, ?, ?)
               ON CONFLICT (holder) DO UPDATE SET seen_at = excluded.seen_at""", (holder, utc_text(at), utc_text(at)))

    async def leave(self, holder: str) -> None:
        """``holder`` stops: its heartbeat, turns and chat lanes go, so others take over at once."""
        for table in ("update_turns", "chat_lanes", "replicas"):
            await self._execute(f"DELETE FROM {table} WHERE holder = ?", (holder,))

    async def forget_turns(self, holder: str) -> None:
        """The turns ``holder`` left behind when it stopped without leaving (a process that starts
        again under the same name)."""
        await self._execute("DELETE FROM update_turns WHERE holder = ?", (holder,))

    # --- update turns ------------------------------------------------------------------------------

    async def enter_turn(self, bot_id: int, update_id: int, keys: list[str], holder: str, alive_since: datetime) -> None:
        """``holder`` is handling update ``update_id``, which concerns ``keys`` (its user, its chat).
        The same update held by a live replica stays that replica's (Telegram sent it again while it
        was still being handled); held by one that is gone, it becomes ``holder``'s.

        PostgreSQL: ``INSERT ... ON CONFLICT (bot_id, turn_key, update_id) DO UPDATE SET holder =
        excluded.holder WHERE NOT EXISTS (SELECT 1 FROM replicas r WHERE r.holder = update_turns.holder
        AND r.seen_at >= now() - interval)``."""
        for key in keys:
            await self._execute(
                f"""INSERT INTO update_turns (bot_id, turn_key, update_id, holder) VALUES (?, ?, ?, ?)
                    ON CONFLICT (bot_id, turn_key, update_id) DO UPDATE SET holder = excluded.holder
                    WHERE update_turns.holder = excluded.holder OR NOT {_ALIVE.format(table='update_turns')}""",
                (bot_id, key, update_id, holder, utc_text(alive_since)),
            )

    async def turn_ahead(self, bot_id: int, update_id: int, keys: list[str], holder: str, alive_since: datetime) -> int | None:
        """The update that goes before ``update_id``: the earliest one in flight on a live replica
        that shares one of ``keys`` and has a lower id, or ``update_id`` itself when another live
        replica holds it; None when it is ``holder``'s turn. Read only (the reader is enough).

        PostgreSQL: the same query; an index on (bot_id, turn_key, update_id) serves it."""
        if not keys:
            return None
        marks = ", ".join("?" for _ in keys)
        row = await self._one(
            f"""SELECT MIN(update_id) AS ahead FROM update_turns
                WHERE bot_id = ? AND turn_key IN ({marks}) AND (update_id < ? OR (update_id = ? AND holder <> ?))
                AND {_ALIVE.format(table='update_turns')}""",
            (bot_id, *keys, update_id, update_id, holder, utc_text(alive_since)),
        )
        return None if row is None or row["ahead"] is None else int(row["ahead"])

    async def leave_turn(self, bot_id: int, update_id: int, holder: str) -> None:
        """``holder`` is done with update ``update_id``."""
        await self._execute("DELETE FROM update_turns WHERE bot_id = ? AND update_id = ? AND holder = ?", (bot_id, update_id, holder))

    # --- chat lanes --------------------------------------------------------------------------------

    async def take_lane(self, bot_id: int, chat_id: int, holder: str, alive_since: datetime, at: datetime) -> bool:
        """Make ``holder`` the one that sends ``chat_id``'s outbox parts, unless a live replica is
        (it sends the parts written meanwhile too, see :meth:`drop_lane`). True when ``holder`` has it.

        PostgreSQL: ``INSERT INTO chat_lanes ... ON CONFLICT (bot_id, chat_id) DO UPDATE SET holder =
        excluded.holder, taken_at = now() WHERE chat_lanes.holder = excluded.holder OR NOT EXISTS
        (SELECT 1 FROM replicas r WHERE r.holder = chat_lanes.holder AND r.seen_at >= now() - interval)``;
        a row count of 1 means taken."""
        cursor = await self._execute(
            f"""INSERT INTO chat_lanes (bot_id, chat_id, holder, taken_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (bot_id, chat_id) DO UPDATE SET holder = excluded.holder, taken_at = excluded.taken_at
                WHERE chat_lanes.holder = excluded.holder OR NOT {_ALIVE.format(table='chat_lanes')}""",
            (bot_id, chat_id, holder, utc_text(at), utc_text(alive_since)),
        )
        return cursor.rowcount == 1

    async def drop_lane(self, bot_id: int, chat_id: int, holder: str, *, force: bool = False) -> bool:
        """Give the chat's lane up, but only when no part for the chat is left to send (``force``:
        in any case, the parts stay for whoever takes the lane next). False when a part was written
        meanwhile: ``holder`` sends it, because the replica that wrote it could not take the lane.

        PostgreSQL: one ``DELETE FROM chat_lanes WHERE bot_id = $1 AND chat_id = $2 AND holder = $3 AND
        NOT EXISTS (SELECT 1 FROM outbox WHERE bot_id = $1 AND chat_id = $2 AND part > 0 AND sent_at IS
        NULL)``: a part committed after the statement's snapshot finds the lane free (the writer's
        take_lane waits for this row's lock, then inserts), so no part is left without a sender."""
        unsent = "" if force else (" AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.bot_id = chat_lanes.bot_id"
                                   " AND o.chat_id = chat_lanes.chat_id AND o.part > 0 AND o.sent_at IS NULL)")
        cursor = await self._execute(f"DELETE FROM chat_lanes WHERE bot_id = ? AND chat_id = ? AND holder = ?{unsent}",
                                     (bot_id, chat_id, holder))
        return cursor.rowcount == 1 or force

    async def waiting_chats(self, bot_id: int, holder: str, alive_since: datetime) -> list[int]:
        """Chats with outbox parts to send whose lane nobody alive holds (or ``holder`` holds: a
        process that starts again under its old name), the chat of the oldest part first.

        PostgreSQL: the same query (``FOR UPDATE SKIP LOCKED`` is not needed: taking each lane is
        the conditional upsert of :meth:`take_lane`)."""
        rows = await self._all(
            f"""SELECT o.chat_id, MIN(o.id) AS first FROM outbox o LEFT JOIN chat_lanes ON chat_lanes.bot_id = o.bot_id
                AND chat_lanes.chat_id = o.chat_id
                WHERE o.bot_id = ? AND o.part > 0 AND o.sent_at IS NULL
                AND (chat_lanes.holder IS NULL OR chat_lanes.holder = ? OR NOT {_ALIVE.format(table='chat_lanes')})
                GROUP BY o.chat_id ORDER BY first""",
            (bot_id, holder, utc_text(alive_since)),
        )
        return [int(r["chat_id"]) for r in rows]
