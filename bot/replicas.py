"""This process as one replica of the bot: what it shares with the others through the database.

With long polling the bot is one process (Telegram gives one consumer per token), and what it holds
needs no one's agreement: a :class:`Replica` that is not *shared* decides everything locally and
writes nothing. In webhook mode several processes serve the same bot behind a load balancer, and a
shared replica:

- beats: writes a heartbeat every :data:`BEAT_SECONDS`; a replica whose heartbeat is older than
  :data:`TIMEOUT_SECONDS` is gone, and what it held is free;
- takes a chat's *lane* before it sends the chat's outbox parts, so one replica at a time sends to
  a chat: a chat's messages keep the order they were written in, and a group's pace (about 20
  messages a minute) is kept by the one process that sends there;
- takes a *turn* for each update it handles: the update waits for the earlier updates of its user
  and of its chat that are in flight on a live replica (Telegram sends a chat's messages one at a
  time, but a user's button presses in a queue of their own, so a press and a message of the same
  user can arrive at two replicas at once; docs/bot.md, "Replicas").

Every decision is one conditional statement in ``storage`` (``storage.sqlite.replicas``), so two
replicas asking at once get one answer between them, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from storage import errors as store_errors
from storage.repositories import Storage

log = logging.getLogger(__name__)

BEAT_SECONDS = 5.0
TIMEOUT_SECONDS = 15.0  # three beats missed: the replica is gone
SWEEP_SECONDS = 2.0  # how often a shared replica looks for parts whose lane nobody alive holds
TURN_WAIT_SECONDS = 30.0  # an update waits at most this long for earlier ones, then goes ahead
_POLL_FIRST, _POLL_MOST = 0.002, 0.05  # the wait for a turn reads again after this, doubling


def holder_name() -> str:
    """This process among the replicas: its host and process id. A container that restarts keeps
    its host name and, as process 1, its id: it takes back what it held before at once."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Replica:
    def __init__(self, db: Storage, bot_id: int, clock: Callable[[], datetime], *, shared: bool,
                 holder: str | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.db = db
        self.bot_id = bot_id
        self.clock = clock
        self.shared = shared
        self.holder = holder or holder_name()
        self.timeout = timedelta(seconds=timeout)
        self._unreleased: set[int] = set()

    def alive_since(self) -> datetime:
        """A holder whose last heartbeat is older than this is gone."""
        return self.clock() - self.timeout

    async def start(self) -> None:
        """The first heartbeat, before anything is taken; the turns of an earlier life under the same
        name are dropped (that process is gone, Telegram sends its updates again)."""
        if self.shared:
            async with self.db.transaction() as tx:
                await tx.replicas.beat(self.holder, self.clock())
                await tx.replicas.forget_turns(self.holder)

    async def beat(self) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.replicas.beat(self.holder, self.clock())
        except store_errors.StorageError as exc:
            log.error("replica %s: heartbeat not written (%s); after %s the others take over its chats",
                      self.holder, exc, self.timeout)

    async def stop(self) -> None:
        """Leave: the heartbeat, turns and lanes go, so the other replicas take over at once."""
        if self.shared:
            try:
                async with self.db.transaction() as tx:
                    await tx.replicas.leave(self.holder)
            except store_errors.StorageError as exc:
                log.warning("replica %s did not leave cleanly (%s); its chats are free after %s", self.holder, exc, self.timeout)

    # --- turns ---------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def turn(self, update_id: int, keys: list[str]) -> AsyncIterator[bool]:
        """Hold update ``update_id``'s turn for the block, after the earlier updates of ``keys`` in
        flight on live replicas. Yields False when another live replica was handling this very
        update (Telegram sent it again meanwhile) and has finished it: nothing is left to do."""
        if not self.shared:
            yield True
            return
        unreleased = sorted(self._unreleased)  # turns a failed write could not give back
        try:
            async with self.db.transaction() as tx:
                for earlier in unreleased:
                    await tx.replicas.leave_turn(self.bot_id, earlier, self.holder)
                await tx.replicas.enter_turn(self.bot_id, update_id, keys, self.holder, self.alive_since())
            self._unreleased.difference_update(unreleased)
        except store_errors.StorageFull as exc:  # the update goes ahead unordered: the engine tells the user it was not saved
            log.error("update %s: no turn taken, the disk is full: %s", update_id, exc)
            yield True
            return
        try:
            yield await self._wait_for_turn(update_id, keys)
        finally:
            try:
                async with self.db.transaction() as tx:
                    await tx.replicas.leave_turn(self.bot_id, update_id, self.holder)
            except store_errors.StorageError as exc:
                self._unreleased.add(update_id)
                log.error("update %s: its turn was not given back (%s); it is with the next turn taken", update_id, exc)

    async def _wait_for_turn(self, update_id: int, keys: list[str]) -> bool:
        loop = asyncio.get_running_loop()
        deadline, pause, elsewhere = loop.time() + TURN_WAIT_SECONDS, _POLL_FIRST, False
        while True:
            ahead = await self.db.read.replicas.turn_ahead(self.bot_id, update_id, keys, self.holder, self.alive_since())
            if ahead is None:
                return not elsewhere
            elsewhere = elsewhere or ahead == update_id
            if loop.time() > deadline:
                log.warning("update %s waited %.0f s for update %s of the same user or chat; it goes ahead",
                            update_id, TURN_WAIT_SECONDS, ahead)
                return True
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_MOST)

    # --- chat lanes ----------------------------------------------------------------------------------

    async def take_lane(self, chat_id: int) -> bool:
        """Whether this replica may send the chat's outbox parts now (False: a live one does)."""
        if not self.shared:
            return True
        try:
            async with self.db.transaction() as tx:
                return await tx.replicas.take_lane(self.bot_id, chat_id, self.holder, self.alive_since(), self.clock())
        except store_errors.StorageFull as exc:
            log.error("chat %s: its lane cannot be taken, the disk is full (%s); its messages wait", chat_id, exc)
            return False

    async def drop_lane(self, chat_id: int, *, force: bool = False) -> bool:
        """Give the chat's lane up; False when a part for it was written meanwhile (send it first)."""
        if not self.shared:
            return True
        async with self.db.transaction() as tx:
            return await tx.replicas.drop_lane(self.bot_id, chat_id, self.holder, force=force)

    async def waiting_chats(self) -> list[int]:
        """Chats with outbox parts to send and no live replica sending them. Not shared: every chat
        with parts to send (the process is the only one)."""
        if not self.shared:
            return list(dict.fromkeys(p.chat_id for p in await self.db.read.outbox.unsent(bot_id=self.bot_id)))
        return await self.db.read.replicas.waiting_chats(self.bot_id, self.holder, self.alive_since())
