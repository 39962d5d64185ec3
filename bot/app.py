"""python-telegram-bot wiring: updates in, the engine decides, replies out.

One ``build_application()`` in the style of PTB's examples: HTML parse mode by default, commands
registered per scope and language in ``post_init``, an early handler group that drops what the
bot must not act on, and a global error handler that logs with context and tells the user,
without internals, that something went wrong.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ContextTypes, Defaults, MessageHandler, TypeHandler, filters

from bot.config import Settings
from bot.messages import MessageBuilder, RenderedMessage
from bot.render import Renderer, language_of
from bot.runtime import open_engine
from conversations import events as ev
from conversations.engine import Engine
from conversations.replies import Outcome, Reply

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 8000
PRIVATE_COMMANDS = {
    "id": [
        ("mulai", "Lanjutkan evaluasi (kartu indikator)"),
        ("ringkasan", "Indeks, predikat dan langkah berikutnya"),
        ("daftar", "Daftar indikator dan statusnya"),
        ("loncat", "Buka indikator tertentu: /loncat 12"),
        ("tanya", "Tanya tentang kerangka evaluasi"),
        ("undang", "Koordinator: buat tautan undangan"),
        ("periode", "Koordinator: pilih tahun dan kerangka"),
        ("penjelasan", "Koordinator: wajibkan atau bebaskan penjelasan"),
        ("gabung", "Gabung dengan kode undangan"),
        ("batal", "Batalkan input yang ditunggu"),
        ("bantuan", "Bantuan"),
    ],
    "en": [
        ("mulai", "Continue the evaluation (indicator card)"),
        ("ringkasan", "Index, predicate and next steps"),
        ("daftar", "Indicators and their status"),
        ("loncat", "Open one indicator: /loncat 12"),
        ("tanya", "Ask about the framework"),
        ("undang", "Leads: create an invitation link"),
        ("periode", "Leads: choose year and framework"),
        ("penjelasan", "Leads: make the penjelasan required or optional"),
        ("gabung", "Join with an invitation code"),
        ("batal", "Cancel the awaited input"),
        ("bantuan", "Help"),
    ],
}
GROUP_COMMANDS = {
    "id": [("tanya", "Tanya tentang kerangka evaluasi"), ("bantuan", "Bantuan")],
    "en": [("tanya", "Ask about the framework"), ("bantuan", "Help")],
}
COMMAND_ALIASES = {"start": "start", "help": "bantuan", "cancel": "batal", "ask": "tanya", "summary": "ringkasan"}
ALL_COMMANDS = sorted({name for name, _ in PRIVATE_COMMANDS["id"]} | set(COMMAND_ALIASES) | {"instansi_baru"})


class Transport:
    """Renders an :class:`Outcome` and sends it through the bot."""

    def __init__(self, engine: Engine, renderer: Renderer) -> None:
        self.engine = engine
        self.builder = MessageBuilder(renderer)

    @staticmethod
    def _markup(message: RenderedMessage) -> InlineKeyboardMarkup | None:
        if not message.keyboard:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in message.keyboard])

    async def deliver(self, outcome: Outcome, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            toast = self.builder.renderer.macro("short", outcome.toast, outcome.lang, **outcome.toast_args) if outcome.toast else None
            try:
                await query.answer(toast)
            except BadRequest as exc:  # a query older than Telegram's limit cannot be answered any more
                log.info("callback query not answered: %s", exc)
        chat = update.effective_chat
        user = update.effective_user
        for reply in outcome.replies:
            chat_id = reply.chat_id or (chat.id if chat else user.id)  # type: ignore[union-attr]
            sent = await self._send(reply, outcome.lang, chat_id, query.message if query and reply.edit else None, context)
            if reply.card and sent is not None and user is not None:
                await self.engine.remember_card(user.id, sent.chat_id, sent.message_id)

    async def _send(self, reply: Reply, lang: str, chat_id: int, editable: Any, context: ContextTypes.DEFAULT_TYPE) -> Message | None:
        message = self.builder.build(reply, lang)
        markup = self._markup(message)
        last = len(message.chunks) - 1
        first: Message | None = None
        for index, chunk in enumerate(message.chunks):
            keyboard = markup if index == last else None
            if index == 0 and isinstance(editable, Message):
                try:
                    edited = await editable.edit_text(chunk, reply_markup=keyboard)
                    first = edited if isinstance(edited, Message) else editable
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        first = editable
                        continue
                    log.info("edit failed, sending a new message instead: %s", exc)
            sent = await context.bot.send_message(chat_id, chunk, reply_markup=keyboard)
            first = first or sent
        return first


def to_event(update: Update) -> ev.Event | None:
    """The plain event for an update, or None for updates the bot ignores."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    who = ev.User(user.id, user.full_name, language_of(user.language_code), user.username)
    where = ev.Chat(chat.id, chat.type, chat.title)  # type: ignore[arg-type]
    update_id = update.update_id
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message else None
        return ev.Press(who, where, update_id, data=query.data or "", message_id=message_id)
    message = update.effective_message
    if message is None:
        return None
    if message.text is not None:
        text = message.text
        if text.startswith("/") and message.entities and message.entities[0].type == "bot_command" and message.entities[0].offset == 0:
            head, _, args = text.partition(" ")
            name = head[1:].split("@")[0].lower()
            return ev.Command(who, where, update_id, name=COMMAND_ALIASES.get(name, name), args=args.strip())
        return ev.Text(who, where, update_id, text=text)
    for kind in ("document", "photo", "sticker", "voice", "video", "audio", "animation", "video_note", "location", "contact"):
        attachment = getattr(message, kind, None)
        if attachment:
            item = attachment[-1] if isinstance(attachment, tuple) else attachment
            return ev.Upload(
                who, where, update_id, kind=kind,
                file_id=getattr(item, "file_id", None), file_unique_id=getattr(item, "file_unique_id", None),
                file_name=getattr(item, "file_name", None), size=getattr(item, "file_size", None),
                mime=getattr(item, "mime_type", None), caption=message.caption,
            )
    return None


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
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    application = builder.build()
    application.bot_data["settings"] = settings

    application.add_handler(TypeHandler(Update, _gate), group=-1)
    application.add_handler(CommandHandler(ALL_COMMANDS, _on_update), group=0)
    application.add_handler(CallbackQueryHandler(_on_update), group=0)
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, _on_update), group=0)
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, _on_update), group=0)
    application.add_error_handler(_on_error)
    return application


async def _post_init(application: Application) -> None:
    """Open the engine, then register the command menus per scope and language."""
    bot = application.bot
    resources = contextlib.AsyncExitStack()
    engine = await resources.enter_async_context(open_engine(application.bot_data["settings"]))
    engine.config = dataclasses.replace(engine.config, bot_username=bot.username or engine.config.bot_username)
    application.bot_data.update(resources=resources, engine=engine, transport=Transport(engine, Renderer()))
    for lang, commands in PRIVATE_COMMANDS.items():
        await bot.set_my_commands([BotCommand(n, d) for n, d in commands], scope=BotCommandScopeAllPrivateChats(), language_code=None if lang == "id" else lang)
    for lang, commands in GROUP_COMMANDS.items():
        await bot.set_my_commands([BotCommand(n, d) for n, d in commands], scope=BotCommandScopeAllGroupChats(), language_code=None if lang == "id" else lang)


async def _post_shutdown(application: Application) -> None:
    resources: contextlib.AsyncExitStack | None = application.bot_data.pop("resources", None)
    if resources is not None:
        await resources.aclose()


async def _gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Early group: drop updates the bot must not act on before any handler sees them."""
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    message = update.effective_message
    if message is not None and message.text is not None and len(message.text) > MAX_INPUT_CHARS:
        transport: Transport = context.bot_data["transport"]
        lang = language_of(user.language_code)
        text = transport.builder.renderer.macro("short", "text_too_long", lang, limit=MAX_INPUT_CHARS)
        await message.reply_text(text)
        raise ApplicationHandlerStop


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    event = to_event(update)
    if event is None:
        return
    engine: Engine = context.bot_data["engine"]
    transport: Transport = context.bot_data["transport"]
    outcome = await engine.handle(event)
    await transport.deliver(outcome, update, context)


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context; tell the user, without internals, that something went wrong."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("user blocked the bot: %s", error)
        return
    where = update.to_dict() if isinstance(update, Update) else repr(update)
    log.error("error while handling an update: %s", where, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    transport: Transport = context.bot_data["transport"]
    user = update.effective_user
    lang = language_of(user.language_code if user else None)
    text = transport.builder.renderer.macro("short", "error_generic", lang)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # noqa: BLE001 - the error handler must never raise
        log.warning("could not tell the user about the error", exc_info=True)


