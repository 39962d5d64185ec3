"""A small fake of the Telegram Bot API, served on 127.0.0.1 for end-to-end tests.

The real python-telegram-bot ``Application`` polls it exactly as it would poll Telegram: form or
multipart bodies in, ``{"ok": ..., "result"/"description"}`` JSON out, ``getUpdates`` long-polls and
honours ``offset``. Tests act as users through :class:`FakeUser` (send text, press buttons, send
files) and read what the bot sent from :attr:`FakeTelegram.messages`.

After ``setWebhook`` it posts the updates instead, as Telegram's Bot API server does: each update
of a chat's messages after the previous one was answered with 2xx, a user's button presses (and
inline queries) in a queue of their own, queues side by side up to ``max_connections``; with the
``secret_token`` header; an update answered otherwise, or not at all, is posted again, its queue
waiting. It posts to the :attr:`FakeTelegram.webhook_targets` in turn, as a reverse proxy in front of
several replicas would.

Telegram's own limits are enforced so a bot bug shows up as the error Telegram would return:
4096 characters per message, 64 bytes of callback data, well-formed HTML in HTML parse mode,
"message is not modified" for an edit that changes nothing, files of at most 20 MB for a bot
to download (``getFile``, then ``GET /file/bot<token>/<file_path>``), and documents of at most 50 MB
for a bot to send (``sendDocument``; :attr:`FakeTelegram.document_limit`, smaller in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import html.parser
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

BOT_ID = 777000111
BOT_USERNAME = "spbe_test_bot"
TOKEN = f"{BOT_ID}:TEST-token-not-real"
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the largest file a bot may download through the Bot API
DOCUMENT_LIMIT = 50_000_000  # the largest document a bot may send ("50 MB", in its smaller reading)
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler", "blockquote", "span"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class _HtmlChecker(html.parser.HTMLParser):
    """Telegram refuses unknown or unbalanced tags in HTML parse mode."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: can't find end tag corresponding to start tag \"{tag}\"")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed tag \"{checker.stack[-1]}\"")
    return "".join(checker.text)


@dataclass
class Message:
    """A message as the bot last left it (edits update it in place)."""

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: dict | None
    from_bot: bool = True
    edits: int = 0
    kind: str = "text"
    file_name: str | None = None
    file_content: bytes | None = None  # of a document or photo the bot sent
    media_group: str | None = None  # the album a photo was sent in
    thread_id: int | None = None  # the forum topic it was sent in (message_thread_id)

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row]

    def button(self, label: str) -> str:
        """The callback data of the first button whose text contains ``label``."""
        for text, data in self.buttons:
            if label in text:
                return data
        raise AssertionError(f"no button {label!r} in {[t for t, _ in self.buttons]}\n{self.text}")


@dataclass
class FakeFile:
    """A file a user sent: its content (None for a file too big to download, never made) and size."""

    file_id: str
    unique_id: str
    size: int
    content: bytes | None
    path: str = ""


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status (creator/administrator/member)
    migrated_to: int | None = None  # a group that became a supergroup refuses new messages
    forum: bool = False  # a supergroup with topics: messages may carry a message_thread_id


class FakeTelegram:
    def __init__(self) -> None:
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._updates: list[dict] = []
        self._new_update = asyncio.Condition()
        self._confirmed = 0
        self._confirmed_changed = asyncio.Condition()
        self.messages: list[Message] = []
        self.calls: list[tuple[str, dict]] = []
        self.callback_answers: list[dict] = []
        self.inline_answers: list[dict] = []
        self.commands: dict[str, list] = {}
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, dict] = {}
        self.application: Any = None
        # What else "processed" waits for, after the update's handler: the bot's chat lanes.
        self.idle: Callable[[], Awaitable[None]] | None = None
        # Called as each request arrives, before Telegram acts on it (a crash test kills the bot
        # there); while ``dead``, requests are dropped, as if the process had died before sending them.
        self.on_request: Callable[[str, dict], None] | None = None
        # Awaited before that: a request held there has left the bot but not reached Telegram (a
        # crash test kills the bot meanwhile, and the held request is then dropped).
        self.holding: Callable[[str, dict], Awaitable[None]] | None = None
        self.dead = False
        self._activity = asyncio.Condition()
        self.chat_actions: list[tuple[int, str]] = []  # (chat id, action) of every sendChatAction
        self.fail_next: dict[str, ApiError] = {}
        self.files: dict[str, FakeFile] = {}  # by file id: what users sent, for getFile and the download
        self.downloads: list[str] = []  # file paths the bot downloaded
        self.document_limit = DOCUMENT_LIMIT  # sendDocument refuses larger files, as Telegram does
        self._file_paths = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Webhooks: what setWebhook set, where the updates go, what was answered.
        self.webhook: dict[str, Any] | None = None
        self.webhook_targets: list[str] = []  # base URLs (http://127.0.0.1:PORT) the posts go to, in turn
        self.delivered: set[int] = set()  # update ids answered with 2xx
        self.deliveries: list[tuple[int, str, int]] = []  # (update id, target, HTTP status; 0: no connection)
        self._queues: dict[tuple[str, int], deque[dict]] = {}
        self._posting: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._connections = asyncio.Semaphore(40)
        self._next_target = itertools.count()
        self._session: aiohttp.ClientSession | None = None

    # --- server ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.webhook = None
        for task in self._posting.values():
            task.cancel()
        await asyncio.gather(*self._posting.values(), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        async with self._new_update:
            self._new_update.notify_all()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            return await self._respond(request)
        finally:
            async with self._activity:
                self._activity.notify_all()

    async def _respond(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        dropped = web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502)
        if self.dead:
            return dropped
        if method == "getUpdates":  # Telegram takes the offset's confirmation as the request arrives
            await self._confirm(int(params.get("offset", 0) or 0))
        if self.holding is not None:
            await self.holding(method, params)
        if self.on_request is not None and not self.dead:
            self.on_request(method, params)
        if self.dead:  # checked again after every await above: nothing from a killed bot acts after the kill
            return dropped
        self.calls.append((method, params))
        handler = getattr(self, f"api_{method}", None)
        try:
            if method in self.fail_next:
                raise self.fail_next.pop(method)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def until(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``condition()`` holds, checked after every request the bot makes and every push."""

        async def check() -> None:
            async with self._activity:
                await self._activity.wait_for(condition)

        await asyncio.wait_for(check(), timeout)

    @property
    def confirmed(self) -> int:
        """The newest update id Telegram may forget: the bot confirmed it and every earlier one."""
        return self._confirmed

    async def _download(self, request: web.Request) -> web.Response:
        """A file's content, at the path getFile gave for it."""
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        path = request.match_info["path"]
        for file in self.files.values():
            if file.path == path and file.content is not None:
                self.downloads.append(path)
                return web.Response(body=file.content, content_type="application/octet-stream")
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "filename"):  # an uploaded file: its name, and its content beside it
                    params[f"{key}:content"] = value.file.read()
                params[key] = value.filename if hasattr(value, "filename") else value
        for key in ("reply_markup", "commands", "scope", "allowed_updates", "results", "media"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    # --- updates -------------------------------------------------------------------------

    async def push(self, update: dict) -> int:
        update_id = next(self._update_ids)
        update["update_id"] = update_id
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()
        if self.webhook is not None:
            self._post_later(update)
        async with self._activity:
            self._activity.notify_all()
        return update_id

    async def processed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot has fetched ``update_id`` and finished handling it (webhook: answered it with 2xx)."""

        async def confirmed() -> None:
            async with self._confirmed_changed:
                await self._confirmed_changed.wait_for(lambda: self._confirmed >= update_id or update_id in self.delivered)

        await asyncio.wait_for(confirmed(), timeout)
        if self.webhook is None:
            await asyncio.wait_for(self.application.update_queue.join(), timeout)
        if self.idle is not None:
            await asyncio.wait_for(self.idle(), timeout)

    async def _confirm(self, offset: int) -> None:
        """Asking from ``offset`` confirms every earlier update: Telegram forgets them. Until then an
        update is delivered again by every getUpdates, to a restarted bot too."""
        async with self._confirmed_changed:
            self._confirmed = max(self._confirmed, offset - 1)
            self._confirmed_changed.notify_all()
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        async with self._activity:
            self._activity.notify_all()

    async def api_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 2.0)
        async with self._new_update:
            if not self._updates and timeout:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit", 100) or 100)
        return [u for u in self._updates if u["update_id"] >= offset][:limit]

    # --- bot methods ---------------------------------------------------------------------

    async def api_getMe(self, params: dict) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "SPBE Test", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None  # the updates not yet answered stay, for getUpdates
        return True

    async def api_setWebhook(self, params: dict) -> bool:
        """As Telegram checks it: an HTTPS URL, 1-100 connections, a secret of Telegram's alphabet."""
        url, secret = str(params.get("url", "")), params.get("secret_token")
        connections = int(params.get("max_connections", 40) or 40)
        if urlsplit(url).scheme != "https":
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if not 1 <= connections <= 100 or (secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret))):
            raise ApiError(400, "Bad Request: bad webhook: invalid max_connections or secret_token")
        was = self.webhook
        self.webhook = {"url": url, "secret_token": secret, "max_connections": connections,
                        "allowed_updates": params.get("allowed_updates")}
        if was is None:
            self._connections = asyncio.Semaphore(connections)
            self._queues.clear()
            for update in self._updates:  # what was waiting for getUpdates is posted now, in order
                self._post_later(update)
        return True

    async def api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook["url"] if self.webhook else "", "pending_update_count": len(self._updates)}

    async def api_setMyCommands(self, params: dict) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{params.get('language_code', '')}"
        self.commands[key] = params["commands"]
        return True

    async def api_deleteMyCommands(self, params: dict) -> bool:
        return True

    async def api_answerCallbackQuery(self, params: dict) -> bool:
        if any(a["callback_query_id"] == params["callback_query_id"] for a in self.callback_answers):
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers.append(params)
        return True

    async def api_answerInlineQuery(self, params: dict) -> bool:
        """Results are checked as Telegram would: at most 50, unique ids, titles, and the message each
        sends is well-formed HTML within 4096 characters."""
        results = params.get("results") or []
        if len(results) > 50 or len({r["id"] for r in results}) != len(results):
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH or duplicate result ids")
        for result in results:
            content = result.get("input_message_content") or {}
            if not result.get("title") or not content.get("message_text"):
                raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY or MESSAGE_EMPTY")
            if len(visible_text(content["message_text"], content.get("parse_mode"))) > 4096:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.inline_answers.append(params)
        return True

    async def api_getFile(self, params: dict) -> dict:
        file = self.files.get(str(params.get("file_id")))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if file.size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        file.path = file.path or f"documents/file_{next(self._file_paths)}"
        return {"file_id": file.file_id, "file_unique_id": file.unique_id, "file_size": file.size, "file_path": file.path}

    async def api_sendChatAction(self, params: dict) -> bool:
        if params.get("action") not in {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                                        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._thread(int(params["chat_id"]), params)
        self.chat_actions.append((int(params["chat_id"]), str(params["action"])))
        return True

    def _check_markup(self, markup: dict | None) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _message_json(self, message: Message) -> dict:
        body: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat_json(message.chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "SPBE Test", "username": BOT_USERNAME},
        }
        if message.thread_id is not None:
            body.update(message_thread_id=message.thread_id, is_topic_message=True)
        if message.kind == "text":
            body["text"] = message.text
        elif message.kind == "photo":
            body["photo"] = [{"file_id": f"photo-{message.message_id}", "file_unique_id": f"p{message.message_id}", "width": 900,
                              "height": 675}]
            body["media_group_id"] = message.media_group
            body["caption"] = message.text
        else:
            body["document"] = {"file_id": f"file-{message.message_id}", "file_unique_id": f"u{message.message_id}",
                                "file_name": message.file_name}
            body["caption"] = message.text
        if message.reply_markup:
            body["reply_markup"] = message.reply_markup
        return body

    def _chat_json(self, chat_id: int) -> dict:
        chat = self.chats.get(chat_id)
        if chat and chat.type != "private":
            return {"id": chat_id, "type": chat.type, "title": chat.title, **({"is_forum": True} if chat.forum else {})}
        user = self.users.get(chat_id, {"first_name": "User"})
        return {"id": chat_id, "type": "private", "first_name": user.get("first_name", "User")}

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _text(self, params: dict, key: str = "text") -> tuple[str, str]:
        raw = str(params.get(key, ""))
        text = visible_text(raw, params.get("parse_mode"))
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        limit = 4096 if key == "text" else 1024
        if len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return text, raw

    def _check_chat(self, chat_id: int) -> None:
        chat = self.chats.get(chat_id)
        if chat is not None and chat.migrated_to is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to)

    def _thread(self, chat_id: int, params: dict) -> int | None:
        """The topic to send in; only a forum supergroup has topics."""
        thread = params.get("message_thread_id")
        if thread in (None, ""):
            return None
        chat = self.chats.get(chat_id)
        if chat is None or not chat.forum:
            raise ApiError(400, "Bad Request: message thread not found")
        return int(thread)

    async def api_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        self._check_chat(chat_id)
        text, raw = self._text(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        thread = self._thread(chat_id, params)
        message = Message(chat_id, self._next_message_id(chat_id), text, raw, params.get("parse_mode"), markup, thread_id=thread)
        self.messages.append(message)
        return self._message_json(message)

    async def api_sendDocument(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        if len(params.get("document:content") or b"") > self.document_limit:
            raise ApiError(413, "Request Entity Too Large")
        caption, raw = self._text(params, "caption") if params.get("caption") else ("", "")
        thread = self._thread(chat_id, params)
        message = Message(chat_id, self._next_message_id(chat_id), caption, raw, params.get("parse_mode"),
                          params.get("reply_markup"), kind="document", file_name=str(params.get("document")), thread_id=thread,
                          file_content=params.get("document:content"))
        self.messages.append(message)
        return self._message_json(message)

    async def api_sendMediaGroup(self, params: dict) -> list[dict]:
        """An album: 2 to 10 photos (or documents), each uploaded as ``attach://<name>``; only the
        first may carry the album's caption."""
        chat_id = int(params["chat_id"])
        self._check_chat(chat_id)
        thread = self._thread(chat_id, params)
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album")
        group = f"album-{len(self.messages)}"
        sent = []
        for item in media:
            name = str(item.get("media", "")).removeprefix("attach://")
            content = params.get(f"{name}:content")
            if content is None:
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            caption, raw = self._text(item, "caption") if item.get("caption") else ("", "")
            message = Message(chat_id, self._next_message_id(chat_id), caption, raw, item.get("parse_mode"), None,
                              kind=str(item.get("type", "photo")), file_name=params.get(name, name), thread_id=thread,
                              file_content=content, media_group=group)
            self.messages.append(message)
            sent.append(self._message_json(message))
        return sent

    def _find(self, params: dict) -> Message:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        for message in reversed(self.messages):
            if message.chat_id == chat_id and message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    async def api_editMessageText(self, params: dict) -> dict:
        self._check_chat(int(params["chat_id"]))
        message = self._find(params)
        text, raw = self._text(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if raw == message.raw_text and markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly "
                                "the same as a current content and reply markup of the message")
        message.text, message.raw_text, message.reply_markup = text, raw, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        return self._message_json(message)

    async def api_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._find(params)
        markup = params.get("reply_markup")
        self._check_markup(markup)
        if markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = markup
        message.edits += 1
        return self._message_json(message)

    async def api_deleteMessage(self, params: dict) -> bool:
        message = self._find(params)
        self.messages.remove(message)
        return True

    async def api_getChatMember(self, params: dict) -> dict:
        chat = self.chats.get(int(params["chat_id"]))
        user_id = int(params["user_id"])
        status = chat.members.get(user_id, "left") if chat else "left"
        user = {"id": user_id, "is_bot": False, "first_name": self.users.get(user_id, {}).get("first_name", "User")}
        body = {"status": status, "user": user}
        if status == "administrator":
            body.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True, can_delete_messages=True,
                        can_manage_video_chats=True, can_restrict_members=True, can_promote_members=False,
                        can_change_info=True, can_invite_users=True, can_post_stories=False,
                        can_edit_stories=False, can_delete_stories=False)
        if status == "creator":
            body["is_anonymous"] = False
        return body

    # --- webhooks: posting the updates ------------------------------------------------------------

    @staticmethod
    def _queue_of(update: dict) -> tuple[str, int]:
        """Telegram's queue of an update: a chat's messages, a user's button presses, a user's inline
        queries; anything else alone."""
        for kind in ("message", "edited_message"):
            if kind in update:
                return "chat", update[kind]["chat"]["id"]
        if "callback_query" in update:
            return "presses", update["callback_query"]["from"]["id"]
        if "inline_query" in update:
            return "inline", update["inline_query"]["from"]["id"]
        return "update", update["update_id"]

    def _post_later(self, update: dict) -> None:
        queue = self._queue_of(update)
        self._queues.setdefault(queue, deque()).append(update)
        if queue not in self._posting:
            self._posting[queue] = asyncio.create_task(self._post_queue(queue))

    async def _post_queue(self, queue: tuple[str, int]) -> None:
        """Post the queue's updates one after the other, each until it is answered with 2xx."""
        updates = self._queues[queue]
        try:
            while updates and self.webhook is not None:
                update, pause = updates[0], 0.02
                while self.webhook is not None and not await self._post(update):
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.5)
                if self.webhook is None:
                    return
                updates.popleft()
                self._updates = [u for u in self._updates if u is not update]
                async with self._confirmed_changed:
                    self.delivered.add(update["update_id"])
                    self._confirmed_changed.notify_all()
                async with self._activity:
                    self._activity.notify_all()
        finally:
            del self._posting[queue]
            if not updates:
                self._queues.pop(queue, None)

    async def _post(self, update: dict) -> bool:
        """One post to the next target in turn; whether it was answered with 2xx."""
        assert self.webhook is not None and self.webhook_targets, "a webhook is set: name where its posts go (webhook_targets)"
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        target = self.webhook_targets[next(self._next_target) % len(self.webhook_targets)]
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret_token"]} if self.webhook["secret_token"] else {}
        async with self._connections:
            try:
                async with self._session.post(target + urlsplit(self.webhook["url"]).path, json=update, headers=headers) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
        self.deliveries.append((update["update_id"], target, status))
        return 200 <= status < 300

    # --- failure paths: counted failures, a restarted update id sequence (added with their tests) ---

    def restart_update_ids(self, first: int = 1) -> None:
        """Telegram starts the bot's update ids anew (after a week without updates, or a new token):
        the next update is ``first``. Call while the bot is stopped; a new Updater polls from 0."""
        self._update_ids = itertools.count(first)
        self._confirmed = first - 1

    def fail_times(self, method: str, times: int, error: ApiError) -> list[float]:
        """The next ``times`` calls of ``method`` fail with ``error`` (``fail_next`` fails one), then
        it works again. Returns the moments (``time.monotonic()``) of the calls that follow, failed and
        not, so a test can see how long the bot waited between them."""
        handler = getattr(self, f"api_{method}")
        moments: list[float] = []

        async def failing(params: dict) -> Any:
            moments.append(time.monotonic())
            if len(moments) <= times:
                raise error
            return await handler(params)

        setattr(self, f"api_{method}", failing)
        return moments

    # --- what tests set up and read -------------------------------------------------------

    def add_group(self, chat_id: int, title: str, members: dict[int, str], kind: str = "group", forum: bool = False) -> Chat:
        """A group chat with the given members (user id -> creator/administrator/member); ``forum``:
        a supergroup with topics."""
        assert not forum or kind == "supergroup", "only a supergroup can be a forum"
        chat = Chat(chat_id, kind, title, dict(members), forum=forum)
        self.chats[chat_id] = chat
        return chat


    async def migrate(self, old_chat_id: int, new_chat_id: int, by: FakeUser) -> None:
        """The group becomes a supergroup, as Telegram reports it: a service message in each chat."""
        old = self.chats[old_chat_id]
        self.chats[new_chat_id] = Chat(new_chat_id, "supergroup", old.title, dict(old.members))
        old.migrated_to = new_chat_id
        await by._send({"message": by._message(old_chat_id, migrate_to_chat_id=new_chat_id)})
        await by._send({"message": by._message(new_chat_id, migrate_from_chat_id=old_chat_id)})

    async def send_as_anonymous_admin(self, chat_id: int, text: str) -> None:
        chat = self._chat_json(chat_id)
        message = {
            "message_id": 900_000 + len(self.messages), "date": int(time.time()), "chat": chat, "sender_chat": chat,
            "from": {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"},
            "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        }
        update_id = await self.push({"message": message})
        await self.processed(update_id)

    def chat_messages(self, chat_id: int) -> list[Message]:
        return [m for m in self.messages if m.chat_id == chat_id]

    def last(self, chat_id: int) -> Message:
        messages = self.chat_messages(chat_id)
        assert messages, f"the bot sent nothing to chat {chat_id}"
        return messages[-1]


class FakeUser:
    """A Telegram user who talks to the bot in private chat or in a group."""

    def __init__(self, telegram: FakeTelegram, user_id: int, first_name: str, language: str = "id", username: str | None = None) -> None:
        self.telegram = telegram
        self.id = user_id
        self.first_name = first_name
        self.language = language
        self.username = username or first_name.lower()
        telegram.users[user_id] = {"first_name": first_name}
        self._message_ids = itertools.count(100_000)
        # False: what the user sends is only queued for the bot, not waited for (a backlog, a bot in
        # another process); ``last_update_id`` names it.
        self.waits = True
        self.last_update_id = 0

    def _from(self) -> dict:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "username": self.username, "language_code": self.language}

    def _chat(self, chat_id: int | None) -> dict:
        return self.telegram._chat_json(chat_id if chat_id is not None else self.id)

    async def _send(self, update: dict) -> None:
        update_id = self.last_update_id = await self.telegram.push(update)
        if self.waits:
            await self.telegram.processed(update_id)

    def _message(self, chat_id: int | None, **content: Any) -> dict:
        return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": self._chat(chat_id), "from": self._from(),
                **content}

    async def send(self, text: str, chat_id: int | None = None, reply_to: dict | None = None, thread_id: int | None = None) -> dict:
        """Send a text (a command when it starts with "/"); returns the message, e.g. to edit it later.
        ``thread_id``: typed in that topic of a forum supergroup."""
        message = self._message(chat_id, text=text, **self._entities(text))
        if thread_id is not None:
            chat = self.telegram.chats.get(message["chat"]["id"])
            assert chat is not None and chat.forum, "topics exist only in a forum supergroup"
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to:
            message["reply_to_message"] = reply_to
        await self._send({"message": message})
        return message

    @staticmethod
    def _entities(text: str) -> dict:
        """Telegram marks a leading command, up to the first whitespace of any kind, as a bot_command."""
        if not text.startswith("/"):
            return {}
        command = text.split()[0]
        return {"entities": [{"type": "bot_command", "offset": 0, "length": len(command)}]}

    async def edit(self, message: dict, text: str) -> None:
        """Edit a message this user sent earlier: Telegram sends the bot an ``edited_message`` update."""
        edited = {key: value for key, value in message.items() if key != "entities"}
        edited.update(text=text, edit_date=int(time.time()), **self._entities(text))
        message.update(edited)
        await self._send({"edited_message": dict(edited)})

    async def send_content(self, chat_id: int | None = None, **content: Any) -> None:
        """A message of any other kind, in Bot API fields: ``dice={...}``, ``venue={...}``, ``poll={...}``."""
        await self._send({"message": self._message(chat_id, **content)})

    async def send_dice(self, chat_id: int | None = None, value: int = 4) -> None:
        await self.send_content(chat_id, dice={"emoji": "🎲", "value": value})

    async def send_venue(self, chat_id: int | None = None) -> None:
        location = {"latitude": -7.5561, "longitude": 110.8316}
        venue = {"location": location, "title": "Kantor Bupati", "address": "Jl. Slamet Riyadi 1"}
        await self.send_content(chat_id, venue=venue, location=location)  # Telegram sets both

    async def send_sticker(self, chat_id: int | None = None) -> None:
        sticker = {"file_id": "sticker-1", "file_unique_id": "st1", "type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False}
        await self._send({"message": self._message(chat_id, sticker=sticker)})

    def _file(self, file_id: str, unique_id: str, content: bytes | None, size: int | None) -> FakeFile:
        """A file this user sends: ``size`` alone (without content) for one too big to download."""
        file = FakeFile(file_id, unique_id, size if size is not None else len(content or b""), content)
        self.telegram.files[file_id] = file
        return file

    async def send_photo(self, chat_id: int | None = None, caption: str | None = None, content: bytes = b"\xff\xd8 photo of the meeting",
                         file_id: str = "photo-1", unique_id: str = "ph1") -> None:
        """A photo, as Telegram sends one: its sizes, the largest last (the bot keeps that one)."""
        file = self._file(file_id, unique_id, content, None)
        self._file(f"{file_id}-thumb", f"{unique_id}-thumb", content[:8], None)
        photo = [{"file_id": f"{file_id}-thumb", "file_unique_id": f"{unique_id}-thumb", "width": 9, "height": 9, "file_size": 8},
                 {"file_id": file_id, "file_unique_id": unique_id, "width": 90, "height": 90, "file_size": file.size}]
        message: dict[str, Any] = {"photo": photo}
        if caption:
            message["caption"] = caption
        await self._send({"message": self._message(chat_id, **message)})

    async def send_document(self, file_name: str, size: int | None = None, caption: str | None = None, chat_id: int | None = None,
                            mime: str = "application/pdf", content: bytes | None = None, file_id: str | None = None,
                            unique_id: str | None = None, tell_size: bool = True) -> None:
        """A document; its content is made from its name unless given, and ``size`` alone stands for a
        file too big to download. ``tell_size=False``: Telegram's message does not say its size."""
        if content is None and size is None:
            content = f"%PDF-1.4 {file_name}".encode()
        file = self._file(file_id or f"doc-{file_name}", unique_id or f"u-{file_name}", content, size)
        document = {"file_id": file.file_id, "file_unique_id": file.unique_id, "file_name": file_name, "mime_type": mime}
        if tell_size:
            document["file_size"] = file.size
        message: dict[str, Any] = {"document": document}
        if caption:
            message["caption"] = caption
        await self._send({"message": self._message(chat_id, **message)})

    def wrote(self, chat_id: int, text: str) -> dict:
        """A message this user wrote in a group, which the bot does not see (privacy mode); for replies."""
        return self._message(chat_id, text=text)

    async def inline(self, query: str, chat_type: str = "supergroup") -> list[dict]:
        """Type ``@bot query`` in a chat: the results the bot answered with."""
        answered = len(self.telegram.inline_answers)
        await self._send({"inline_query": {"id": f"iq{self.id}{next(self._message_ids)}", "from": self._from(), "query": query,
                                           "offset": "", "chat_type": chat_type}})
        assert len(self.telegram.inline_answers) == answered + 1, "the inline query was not answered"
        return self.telegram.inline_answers[-1]["results"]

    async def press(self, message: Message, label_or_data: str, *, data: bool = False) -> str:
        """Press a button of ``message`` (by its label, or ``data=True``: by its callback data); the query's id."""
        callback_data = label_or_data if data else message.button(label_or_data)
        query = {
            "id": f"cq{self.id}{next(self._message_ids)}",
            "from": self._from(),
            "chat_instance": f"ci{message.chat_id}",
            "data": callback_data,
            "message": self.telegram._message_json(message),
        }
        await self._send({"callback_query": query})
        return query["id"]

    def last(self) -> Message:
        return self.telegram.last(self.id)

