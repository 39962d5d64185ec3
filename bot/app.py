"""python-telegram-bot wiring: updates in, the engine decides, replies out.

One ``build_application()`` in the style of PTB's examples: HTML parse mode by default, commands
registered per scope and language in ``post_init``, an early handler group that drops what the
bot must not act on, and a global error handler that logs with context and tells the user,
without internals, that something went wrong. Updates come through the pipeline of
``bot.pipeline`` (confirmed to Telegram after their commit, ordered per user and chat): by long
polling, or in webhook mode (``SPBE_WEBHOOK_URL``) from ``bot.webhook``, where several replicas may
serve the bot (``bot.replicas``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from datetime import UTC, datetime

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import catalogs
from bot.config import Settings
from bot.files import TelegramFiles
from bot.languages import DEFAULT_LANGUAGE, LANGUAGES, language_of
from bot.pipeline import Ledger, OrderedUpdates, PollingUpdater, SendRateLimiter
from bot.render import Renderer
from bot.replicas import BEAT_SECONDS, SWEEP_SECONDS, Replica
from bot.requests import AiohttpRequest
from bot.runtime import open_engine
from bot.transport import Transport
from bot.updates import COMMAND_ALIASES, inline_event, is_anonymous_admin, to_event, topic_of
from conversations.machine import COMMANDS
from reports.jobs import Options

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 8000
REMINDER_TICK_SECONDS = 60
REMINDER_FIRST_SECONDS = 2  # right after a start: what fell due while the bot was down goes out at once
# The command menus, in this order; each description is the catalog entry menu.<scope>.<command>.
PRIVATE_MENU = (
    "mulai", "ringkasan", "daftar", "loncat", "tugas", "bukti", "revisi", "tanya", "riwayat", "ekspor", "grafik", "portal", "rencana",
    "progres", "undang", "anggota", "tugaskan", "tenggat", "kunci", "buka", "periode", "penjelasan", "gabung", "batal", "bantuan",
)
GROUP_MENU = ("progres", "grafik", "ekspor", "tanya", "tugaskan", "tenggat", "pengingat", "kunci", "hubungkan", "putuskan", "bantuan")
ALL_COMMANDS = sorted(set(COMMANDS) | set(COMMAND_ALIASES))


def menu(scope: str, commands: tuple[str, ...], lang: str) -> list[BotCommand]:
    """A command menu in ``lang``: the descriptions are the catalog entries ``menu.<scope>.<command>``."""
    return [BotCommand(command, catalogs.text(f"menu.{scope}.{command}", lang)) for command in commands]


def build_application(settings: Settings, *, rate_limit: bool = True) -> Application:
    """The bot for ``settings``. The engine (database, packs) opens in ``post_init`` and closes in
    ``post_shutdown``, so ``run_polling`` (or a test driving the same hooks) owns its lifetime."""
    if not settings.token:
        raise ValueError("build_application needs a bot token")
    base_url = settings.bot_api_url
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(base_url)
        .base_file_url(base_url.replace("/bot", "/file/bot"))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connections=1))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit:  # paces everything sent: ~30 messages a second overall, ~20 a minute per group
        # Telegram's overall limit is per bot: each of N replicas takes its share (a group is sent to
        # by one replica at a time, its lane's, so the group limit is not divided). A 429 waits its
        # retry_after and tries again, up to 10 times.
        builder = builder.rate_limiter(SendRateLimiter(overall_max_rate=settings.send_rate / settings.replicas, max_retries=10))
    if settings.webhook_url:
        builder = builder.updater(None)  # bot.webhook receives the updates
    ledger = Ledger()
    application = builder.concurrent_updates(OrderedUpdates(ledger)).build()
    if not settings.webhook_url:
        _confirm_after_commit(application, ledger)
    application.bot_data["settings"] = settings

    application.add_handler(TypeHandler(Update, _gate), group=-1)
    # First: PTB's message and command handlers also match edits, which are never input.
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, _on_update), group=0)
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, _on_update), group=0)
    application.add_handler(CommandHandler(ALL_COMMANDS, _on_update), group=0)
    application.add_handler(CallbackQueryHandler(_on_update), group=0)
    application.add_handler(InlineQueryHandler(_on_inline), group=0)
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, _on_update), group=0)
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, _on_update), group=0)
    application.add_error_handler(_on_error)
    return application


def _confirm_after_commit(application: Application, ledger: Ledger) -> None:
    """The update pipeline (docs/bot.md): an updater that confirms an update to Telegram only once
    its handler finished, after its transaction committed, in place of PTB's, which confirms a batch
    as soon as it is fetched; the ``OrderedUpdates`` processor built above reports what finished."""
    updater = PollingUpdater(application.bot, application.update_queue, ledger)
    updater.on_fatal = lambda error: application.stop_running()
    application.updater = updater


async def _post_init(application: Application) -> None:
    """Open the engine, register the command menus per scope and language, start the reminder clock."""
    bot = application.bot
    settings: Settings = application.bot_data["settings"]
    resources = contextlib.AsyncExitStack()
    engine = await resources.enter_async_context(open_engine(settings))
    engine.config = dataclasses.replace(engine.config, bot_username=bot.username or engine.config.bot_username)
    engine.source = TelegramFiles(bot)  # evidence files are downloaded through this bot
    shared = settings.webhook_url is not None  # webhook mode: other replicas may serve the bot too
    replica = Replica(engine.db, settings.bot_id, lambda: datetime.now(UTC), shared=shared)
    await replica.start()
    transport = Transport(engine, Renderer(), replica, settings.group_summary_seconds, Options(settings.minutes_template))
    application.bot_data.update(resources=resources, engine=engine, transport=transport, replica=replica)
    if isinstance(application.updater, PollingUpdater):  # an update with a replayable answer is confirmed at its commit
        transport.confirm = application.updater.ledger.finished
        await transport.replay(application)  # ... so what a crash kept from being delivered is delivered now
    await transport.sweep(application)  # what the outbox had not sent before a restart
    for lang in LANGUAGES:  # Indonesian is the menu for every language without one of its own
        language_code = None if lang == DEFAULT_LANGUAGE else lang
        await bot.set_my_commands(menu("private", PRIVATE_MENU, lang), scope=BotCommandScopeAllPrivateChats(), language_code=language_code)
        await bot.set_my_commands(menu("group", GROUP_MENU, lang), scope=BotCommandScopeAllGroupChats(), language_code=language_code)
    if application.job_queue is not None:
        # Schedules are rows in the database: each tick asks which are due, so a restart loses none.
        application.job_queue.run_repeating(_reminder_tick, interval=REMINDER_TICK_SECONDS, first=REMINDER_FIRST_SECONDS, name="reminders")
        if shared:
            application.job_queue.run_repeating(_beat, interval=BEAT_SECONDS, first=BEAT_SECONDS, name="heartbeat")
            application.job_queue.run_repeating(_sweep, interval=SWEEP_SECONDS, first=SWEEP_SECONDS, name="outbox sweep")


async def _post_stop(application: Application) -> None:
    transport: Transport | None = application.bot_data.get("transport")
    if transport is not None:
        await transport.close()
    replica: Replica | None = application.bot_data.get("replica")
    if replica is not None:
        await replica.stop()


async def _post_shutdown(application: Application) -> None:
    resources: contextlib.AsyncExitStack | None = application.bot_data.pop("resources", None)
    if resources is not None:
        await resources.aclose()


async def _reminder_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    transport: Transport = context.bot_data["transport"]
    await transport.send_reminders(context.application)


async def _beat(context: ContextTypes.DEFAULT_TYPE) -> None:
    replica: Replica = context.bot_data["replica"]
    await replica.beat()


async def _sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    transport: Transport = context.bot_data["transport"]
    await transport.sweep(context.application)


async def _gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Early group: drop or answer what the bot must not act on before any handler sees it."""
    message = update.effective_message
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return  # a group became a supergroup: a service message, handled below
    transport: Transport = context.bot_data["transport"]
    edit = update.edited_message is not None  # an edit is never input: the engine only says so
    if not edit and is_anonymous_admin(message) and message.text and message.text.startswith("/"):  # type: ignore[union-attr]
        await message.reply_text(transport.builder.renderer.macro("short", "anonymous_admin", transport.engine.config.default_language))  # type: ignore[union-attr]
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    if not edit and message is not None and message.text is not None and len(message.text) > MAX_INPUT_CHARS:
        text = transport.builder.renderer.macro("short", "text_too_long", language_of(user.language_code), limit=MAX_INPUT_CHARS)
        await message.reply_text(text)
        raise ApplicationHandlerStop


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    event = await to_event(update, context)
    if event is None:
        return
    transport: Transport = context.bot_data["transport"]
    await transport.handle(event, update, context.application)


async def _on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``@bot question`` in any chat: answers from the knowledge base, so a lead can drop one into a
    group even with privacy mode on."""
    query = update.inline_query
    if query is None:
        return
    transport: Transport = context.bot_data["transport"]
    outcome = await transport.engine.inline(inline_event(query))
    await transport.answer_inline(outcome, query)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context; tell the user, without internals, that something went wrong."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("user blocked the bot: %s", error)
        return
    if isinstance(error, RetryAfter):  # still flood-limited after every retry: an error message would be refused too
        log.warning("a reply was dropped, Telegram's flood control still holds after every retry: %s", error)
        return
    where = update.to_dict() if isinstance(update, Update) else repr(update)
    log.error("error while handling an update: %s", where, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    transport: Transport = context.bot_data["transport"]
    user = update.effective_user
    text = transport.builder.renderer.macro("short", "error_generic", language_of(user.language_code if user else None))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text, message_thread_id=topic_of(update.effective_message))
    except Exception:
        log.warning("could not tell the user about the error", exc_info=True)
