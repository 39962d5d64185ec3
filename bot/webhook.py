"""Webhook mode: Telegram posts each update to the bot, which answers only once the update is finished.

``spbe-bot run`` with ``SPBE_WEBHOOK_URL`` serves an ASGI app (starlette on uvicorn) instead of
polling. ``POST <the URL's path>`` takes one update, checks Telegram's ``secret_token`` header,
handles the update through the same handlers, engine and transport as polling, and answers 200 only
when the update is finished: its transaction committed and, in a private chat, its reply delivered.
A process that dies before the 200 has its update sent again by Telegram (to any replica), whose
claim then finds it done and sends its stored reply again (part 0 of the outbox), as after a
polling crash. ``GET /healthz`` answers 200 while the database answers, 503 otherwise and while the
process stops (a load balancer takes it out of rotation).

Telegram sends the updates of one chat one at a time (the next after the answer to the previous),
so answering after the commit keeps a chat's messages in order across replicas; a user's button
presses come in a queue of their own. :class:`bot.replicas.Replica` orders what is in flight at once
(docs/bot.md, "Replicas").
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import signal
import socket
from collections.abc import AsyncIterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, ExtBot

from bot.app import build_application
from bot.config import Settings
from bot.pipeline import STOP_SECONDS, parse_update, update_keys
from bot.replicas import Replica
from bot.runtime import StartFailure
from conversations.engine import Engine
from storage.errors import StorageError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"


def turn_keys(update: Update) -> list[str]:
    """What an update's turn is taken for among the replicas: its user and its chat."""
    return [f"{kind}:{number}" for kind, number in update_keys(update)]


class WebhookReceiver:
    """The ASGI app: the updates Telegram posts, and the health check."""

    def __init__(self, application: Application, path: str, secret: str) -> None:
        self.application = application
        self.path = path
        self._secret = secret.encode()
        self.accepting = True  # False once stopping: an update is refused (503), Telegram posts it again

    @property
    def engine(self) -> Engine:
        engine: Engine = self.application.bot_data["engine"]
        return engine

    @property
    def replica(self) -> Replica:
        replica: Replica = self.application.bot_data["replica"]
        return replica

    def app(self) -> Starlette:
        return Starlette(routes=[Route(self.path, self.receive, methods=["POST"]), Route(HEALTH_PATH, self.health, methods=["GET"])])

    async def receive(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self._secret):
            log.warning("an update without Telegram's secret_token was refused (from %s)", request.client.host if request.client else "?")
            return Response(status_code=403)
        if not self.accepting:
            return Response(status_code=503)
        try:
            data = await request.json()
            is_update = isinstance(data, dict) and isinstance(data.get("update_id"), int)
            update = parse_update(data, self.application.bot) if is_update else None
        except Exception:  # not JSON, or not an update: not from Telegram, which sends only updates
            update = None
        if update is None:
            log.warning("a webhook request that is not an update was refused")
            return Response(status_code=400)
        if isinstance(self.application.bot, ExtBot):
            self.application.bot.insert_callback_data(update)  # as PTB's own webhook handler does
        try:
            await self.handle(update)
        except StorageError as exc:  # the turn could not be taken: Telegram sends the update again
            log.error("update %s not handled, the database failed: %s", update.update_id, exc)
            return Response(status_code=503)
        return Response(status_code=200)

    async def handle(self, update: Update) -> None:
        """The update through the pipeline's processor (in order per user and chat in this process)
        and the handlers, inside its turn among the replicas; returns when it is finished."""
        application = self.application
        async with self.replica.turn(update.update_id, turn_keys(update)) as ours:
            if ours:
                await application.update_processor.process_update(update, application.process_update(update))
            else:
                log.info("update %s was handled by another replica meanwhile", update.update_id)

    async def health(self, request: Request) -> Response:
        if not self.accepting:
            return JSONResponse({"status": "stopping"}, status_code=503)
        try:
            await self.engine.db.ping()
        except StorageError as exc:
            return JSONResponse({"status": "unavailable", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "replica": self.replica.holder})


def listen(host: str, port: int) -> socket.socket:
    """The webhook's socket, bound and listening before Telegram is told the URL (updates that
    come before the server runs wait in its backlog)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise StartFailure(f"cannot listen on {host}:{port} for the webhook ({exc.strerror or exc}): "
                           "stop what uses the port, or set SPBE_WEBHOOK_LISTEN and SPBE_WEBHOOK_PORT") from None


async def set_webhook(application: Application, settings: Settings, allowed_updates: Sequence[str]) -> None:
    """Tell Telegram where to post (every replica does, with the same values: it is idempotent)."""
    assert settings.webhook_url is not None
    try:
        await application.bot.set_webhook(settings.webhook_url, allowed_updates=allowed_updates, secret_token=settings.webhook_secret_token,
                                          max_connections=settings.webhook_max_connections)
    except BadRequest as exc:
        raise StartFailure(f"Telegram refused the webhook SPBE_WEBHOOK_URL={settings.webhook_url} ({exc.message}): "
                           "it must be a public HTTPS URL on port 443, 80, 88 or 8443") from None


@contextlib.asynccontextmanager
async def running(application: Application) -> AsyncIterator[None]:
    """The application's lifetime as ``run_polling`` runs it, without the updater."""
    await application.initialize()
    try:
        await application.post_init(application)  # type: ignore[misc]
        await application.start()
        yield
    finally:
        if application.running:
            await application.stop()
        await application.post_stop(application)  # type: ignore[misc]
        await application.shutdown()
        await application.post_shutdown(application)  # type: ignore[misc]


class Server(uvicorn.Server):
    """uvicorn for the receiver: at SIGTERM or SIGINT the receiver stops taking updates at once (503,
    Telegram posts them to another replica) while the ones it is handling finish."""

    def __init__(self, receiver: WebhookReceiver, **options: Any) -> None:
        super().__init__(uvicorn.Config(receiver.app(), lifespan="off", log_config=None, access_log=False, **options))
        self.receiver = receiver

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.receiver.accepting = False
        super().handle_exit(sig, frame)


@contextlib.contextmanager
def _signals_end_the_server() -> Any:
    """uvicorn stops gracefully at SIGTERM or SIGINT and then raises the signal again for the handler
    that was there before: make that one a no-op, so the application still stops in order."""
    before = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


async def serve(settings: Settings, allowed_updates: Sequence[str], *, rate_limit: bool = True) -> None:
    """Run the bot in webhook mode until SIGTERM or SIGINT; a start that cannot succeed raises
    :class:`StartFailure` (or what ``run_polling`` would raise) before anything is served.
    ``rate_limit``: as :func:`bot.app.build_application` (off only for measurements)."""
    sock = listen(settings.webhook_listen, settings.webhook_port)
    try:
        application = build_application(settings, rate_limit=rate_limit)
        receiver = WebhookReceiver(application, settings.webhook_path, settings.webhook_secret_token)
        async with running(application):
            await set_webhook(application, settings, allowed_updates)
            log.info("webhook: listening on %s:%s, Telegram posts to %s", settings.webhook_listen, settings.webhook_port,
                     settings.webhook_url)
            server = Server(receiver, timeout_graceful_shutdown=int(STOP_SECONDS), timeout_keep_alive=75)
            with _signals_end_the_server():
                await server.serve(sockets=[sock])
    finally:
        sock.close()
