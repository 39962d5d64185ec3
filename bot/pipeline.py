"""The update pipeline: updates fetched, ordered per user and chat, confirmed after their commit.

python-telegram-bot's own ``Updater`` confirms a batch of updates (the ``offset`` of the next
``getUpdates``) as soon as it has queued it, before any handler ran, so what a killed process had
fetched but not handled was lost. Here:

- :class:`PollingUpdater` (in place of PTB's ``Updater``) confirms an update only once it is
  finished, i.e. its handler returned, which is after its transaction committed; the offset it sends
  is the oldest update still unfinished. Telegram delivers an unconfirmed update again, after a
  restart too: a redelivery of a handled update finds the update's claim and what was sent for it in
  the database (the outbox), and sends that again instead of handling it twice. An update whose
  answer can be delivered twice without showing twice (a level pressed on the card) is finished at
  its commit already, so the next ``getUpdates`` leaves while the card is edited
  (``bot.transport.replayable``; a restart delivers what a crash kept back).
- :class:`OrderedUpdates` (PTB's ``BaseUpdateProcessor``) runs an update after every earlier update
  of the same user and of the same chat, and updates of different users and chats concurrently.
- :class:`Lanes` sends what goes to a chat in order, chats in parallel. A group's messages wait for
  the group's pace there (Telegram allows about 20 a minute), never inside a lock or a handler, so a
  busy group never holds a private chat.

The whole design, and why, is in docs/bot.md ("The update pipeline").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor, ExtBot, Updater

log = logging.getLogger(__name__)

BATCH = 100  # getUpdates' largest batch
# While fetched updates are unfinished, fetch again after this long at the latest (new updates wait
# at most this long behind a slow one); as soon as every fetched update is finished, at once.
REFETCH_SECONDS = 0.2
# Stopping: how long the updates already fetched may take to finish before the last confirmation.
STOP_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 30.0
READ_SECONDS = 5.0  # PTB's read timeout, on top of a long poll's own


class Ledger:
    """The updates fetched and not yet finished, and the offset that confirms all the others."""

    def __init__(self) -> None:
        self._unfinished: set[int] = set()
        self._next = 0  # one past the newest update fetched (0: none yet, Telegram starts at the oldest)
        self._settled = asyncio.Event()
        self._settled.set()

    def fetched(self, update_id: int) -> bool:
        """Note a fetched update; False when it is one fetched before (still running, or finished
        and not yet confirmed to Telegram), which must not run again."""
        if update_id < self._next:
            return False
        self._next = update_id + 1
        self._unfinished.add(update_id)
        self._settled.clear()
        return True

    def finished(self, update_id: int) -> None:
        self._unfinished.discard(update_id)
        if not self._unfinished:
            self._settled.set()

    @property
    def busy(self) -> bool:
        return bool(self._unfinished)

    @property
    def offset(self) -> int:
        """What ``getUpdates`` sends: every update before it is finished, so Telegram may forget it."""
        return min(self._unfinished) if self._unfinished else self._next

    async def settled(self, timeout: float) -> bool:
        """Wait until every fetched update is finished, at most ``timeout`` seconds; whether it is."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout)
        return not self._unfinished


# Of the message a pressed button sits on (the bot's own), what the bot reads: which message it
# is, in which chat and forum topic (Telegram sends it whole: its text, entities and keyboard).
PRESSED_MESSAGE = frozenset({"message_id", "date", "chat", "message_thread_id", "is_topic_message"})


def parse_update(data: dict[str, Any], bot: Any) -> Update:
    """Telegram's update as PTB's ``Update``; of a pressed message only :data:`PRESSED_MESSAGE`.
    Making a card's text, its entities and its ten buttons into objects was about a tenth of a
    tap's CPU, for nothing that is read."""
    query = data.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        query["message"] = {key: value for key, value in query["message"].items() if key in PRESSED_MESSAGE}
    return Update.de_json(data, bot)


def update_keys(update: object) -> tuple[tuple[str, int], ...]:
    """What orders an update: its user and its chat (a button press: the chat of the message)."""
    if not isinstance(update, Update):
        return ()
    keys = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return tuple(keys)


class OrderedUpdates(BaseUpdateProcessor):
    """Each update starts after the earlier updates of its user and of its chat have finished;
    updates that share neither run concurrently. A finished update is reported to the ledger, which
    lets the updater confirm it.

    PTB starts ``do_process_update`` in the order the updates were queued, so the order of arrival
    is the order of the chains. ``max_concurrent_updates`` is far above what the updater lets be
    unfinished (one batch, see :class:`Ledger`), so PTB's semaphore never holds an update back.
    """

    def __init__(self, ledger: Ledger, max_concurrent_updates: int = 1024) -> None:
        super().__init__(max_concurrent_updates)
        self.ledger = ledger
        self._tails: dict[tuple[str, int], asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = update_keys(update)
        before = {id(f): f for f in (self._tails.get(key) for key in keys) if f is not None}
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = done
        try:
            for earlier in before.values():
                await earlier
            await coroutine
        finally:
            done.set_result(None)
            for key in keys:
                if self._tails.get(key) is done:
                    del self._tails[key]
            if isinstance(update, Update):
                self.ledger.finished(update.update_id)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class PollingUpdater(Updater):
    """Long polling that confirms an update only when it is finished (see the module's text).

    Fetching goes on while updates run: while some are unfinished it asks again as soon as all are
    finished, or after :data:`REFETCH_SECONDS`, from the oldest unfinished one, skipping the updates
    it already has. ``run_polling`` and ``start_polling`` work as with PTB's ``Updater``.
    """

    def __init__(self, bot: Any, update_queue: asyncio.Queue[object], ledger: Ledger) -> None:
        super().__init__(bot, update_queue)
        self.ledger = ledger
        self._task: asyncio.Task[None] | None = None
        self._allowed: Sequence[str] | None = None
        # Called when polling cannot go on (the token was revoked): bot.app stops the application.
        self.on_fatal: Callable[[TelegramError], None] | None = None

    async def start_polling(  # type: ignore[override]
        self, poll_interval: float = 0.0, timeout: Any = 10, bootstrap_retries: int = 0, allowed_updates: Sequence[str] | None = None,
        drop_pending_updates: bool | None = None, error_callback: Callable[[TelegramError], None] | None = None, **_: Any,
    ) -> asyncio.Queue[object]:
        if self.running:
            raise RuntimeError("This Updater is already running!")
        if not self._initialized:
            raise RuntimeError("This Updater was not initialized via `Updater.initialize`!")
        self._running = True
        try:
            # As PTB's Updater: no webhook may be set while polling; dropping pending updates is done there.
            await self.bot.delete_webhook(drop_pending_updates=drop_pending_updates)
        except BaseException:
            self._running = False
            raise
        seconds = int(_seconds(timeout))
        self._allowed = allowed_updates
        self._task = asyncio.create_task(self._poll(seconds), name="PollingUpdater:poll")
        return self.update_queue

    async def _poll(self, timeout: int) -> None:
        backoff = 1.0
        while self.running:
            if self.ledger.busy:
                await self.ledger.settled(REFETCH_SECONDS)
                if not self.running:  # stop() came meanwhile (asyncio.wait_for may swallow its cancel)
                    return
            wait = 0 if self.ledger.busy else timeout
            try:
                batch = await self._fetch(self.ledger.offset, wait)
            except TimedOut:
                continue
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except InvalidToken as exc:
                log.error("Telegram refused the bot token while polling: %s", exc)
                if self.on_fatal is not None:
                    self.on_fatal(exc)
                return
            except (Conflict, NetworkError) as exc:  # Conflict: another process polls with this token
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = 1.0
            for data in batch:
                if self.ledger.fetched(data["update_id"]):
                    update = parse_update(data, self.bot)
                    if isinstance(self.bot, ExtBot):
                        self.bot.insert_callback_data(update)  # as PTB's get_updates does (arbitrary callback data)
                    await self.update_queue.put(update)

    async def _fetch(self, offset: int, timeout: int, limit: int = BATCH) -> list[dict[str, Any]]:
        """getUpdates, its result as Telegram sends it: only the updates not fetched before are made
        into ``Update`` objects (while one is unfinished, every fetch returns it again, and with a
        backlog behind a slow update that is a hundred updates each time)."""
        params: dict[str, Any] = {"offset": offset, "limit": limit, "timeout": timeout, "allowed_updates": self._allowed}
        result: list[dict[str, Any]] = await self.bot._post("getUpdates", params, read_timeout=READ_SECONDS + timeout)
        return result

    async def stop(self) -> None:
        if not self.running:
            raise RuntimeError("This Updater is not running!")
        self._running = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        # The application is still running (run_polling stops it after the updater): let what was
        # fetched finish, then confirm it, so a restart does not receive it again.
        if not await self.ledger.settled(STOP_SECONDS):
            log.warning("stopping with unfinished updates; Telegram delivers them again at the next start")
        try:
            await self._fetch(self.ledger.offset, 0, limit=1)
        except TelegramError as exc:
            log.warning("could not confirm the last updates (%s); they are delivered again and skipped", exc)


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class Lanes:
    """One queue per chat: jobs for a chat run one after another in the order given, chats in
    parallel. A job waiting for Telegram's pace (the rate limiter) holds only its own chat."""

    def __init__(self) -> None:
        self._queues: dict[int, deque[tuple[Callable[[], Awaitable[None]], asyncio.Future[None]]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def put(self, chat_id: int, job: Callable[[], Awaitable[None]]) -> asyncio.Future[None]:
        """Queue ``job`` for ``chat_id``; the future is done when it has run (its errors are logged)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(chat_id, deque()).append((job, future))
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id), name=f"lane:{chat_id}")
        self._idle.clear()
        return future

    def busy(self, chat_id: int) -> bool:
        return chat_id in self._workers

    async def _work(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                job, future = queue[0]
                try:
                    await job()
                except Exception:
                    log.exception("sending to chat %s failed", chat_id)
                finally:
                    queue.popleft()
                    if not future.done():
                        future.set_result(None)
        finally:
            for _, future in queue:
                future.cancel()
            del self._queues[chat_id]
            del self._workers[chat_id]
            if not self._workers:
                self._idle.set()

    async def join(self) -> None:
        """Wait until every lane is empty."""
        while self._workers:
            await self._idle.wait()

    async def close(self, timeout: float = 0.5) -> None:
        """Stop: the job running in each lane may finish (within ``timeout``), the rest is dropped
        (what must not be lost is in the outbox and is sent at the next start)."""
        workers = list(self._workers.values())
        for queue in self._queues.values():
            while len(queue) > 1:
                queue.pop()[1].cancel()
        if workers:
            _, pending = await asyncio.wait(workers, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


class SendRateLimiter(AIORateLimiter):
    """PTB's limiter paces every request that names a chat; Telegram's limits (about 30 messages a
    second, 20 a minute in a group) are on what the bot sends. Reading a chat member (``/hubungkan``
    checks the sender is a group admin) therefore passes without waiting for the group's pace."""

    UNPACED = frozenset({"getChatMember", "getChat", "getChatAdministrators"})

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if endpoint in self.UNPACED:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
