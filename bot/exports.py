"""Making and sending the files the engine asked for (``Outcome.files``), with progress shown.

A status message is sent first and edited as each step finishes; meanwhile the chat shows "sending a
document" (or "sending a photo" for the charts), repeated every few seconds until the file is there,
since Telegram shows a chat action for five seconds. Each step runs in a worker thread, so other
users are served while a PDF is drawn. A failure is told in the status message, never left as a
spinner; a private delivery to someone who never opened a chat with the bot is told in the group.

The evidence ZIP reads the files from the evidence store while it is made, and a bot may send
documents of at most 50 MB: when the ZIP would be larger it comes in parts, each sent as soon as it
is made (``reports.evidence_zip.build_evidence_zip_parts``), and the status says how many and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from functools import partial
from io import BytesIO
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.messages import MessageBuilder
from bot.report_words import CatalogWords
from conversations.replies import FileJob, Reply
from reports import jobs
from storage.files import FileStore, read_or_none

log = logging.getLogger(__name__)
ACTION_SECONDS = 4.0  # Telegram shows a chat action for about 5 s
# The largest document a bot may send ("50 MB"), read as 50,000,000 bytes: within it whether
# Telegram counts megabytes of 10^6 or 2^20 bytes.
DOCUMENT_LIMIT = 50_000_000


class FileSender:
    def __init__(self, builder: MessageBuilder, options: jobs.Options, action_seconds: float = ACTION_SECONDS,
                 store: FileStore | None = None, document_limit: int = DOCUMENT_LIMIT) -> None:
        self.builder = builder
        self.options = options
        self.action_seconds = action_seconds
        self.store = store  # the evidence files, for the evidence ZIP
        self.document_limit = document_limit
        self._prepared = False

    def preparing(self) -> Coroutine[Any, Any, None] | None:
        """Loading the renderers in a worker thread, the first time a menu of files is shown (see
        ``reports.jobs.prepare``); None once that is done or under way."""
        if self._prepared:
            return None
        self._prepared = True
        return self._prepare()

    async def _prepare(self) -> None:
        try:
            await asyncio.to_thread(jobs.prepare)
        except Exception:  # the file is made anyway, only not ahead of time
            log.warning("the renderers could not be loaded ahead", exc_info=True)

    def _status(self, job: FileJob, lang: str, done: list[str], state: str = "working", parts: int = 1) -> str:
        reply = Reply("export_status", {"kind": job.kind, "steps": jobs.STEPS[job.kind], "done": done, "state": state,
                                        "institution": job.snapshot.institution, "year": job.snapshot.year, "parts": parts,
                                        "limit_mb": self.document_limit // 1_000_000})
        return self.builder.build(reply, lang).chunks[0]

    async def _pulse(self, bot: Bot, chat_id: int, thread: int | None, action: str) -> None:
        """The chat action, again every few seconds until cancelled."""
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, action, message_thread_id=thread)
            await asyncio.sleep(self.action_seconds)

    async def _edit(self, message: Message, text: str) -> None:
        try:
            await message.edit_text(text)
        except BadRequest as exc:  # "not modified", or the status message was deleted meanwhile
            log.info("export status not edited: %s", exc)

    async def send(self, job: FileJob, here: int, lang: str, bot: Bot) -> None:
        chat_id = job.chat_id if job.chat_id is not None else here
        thread = job.thread_id
        done: list[str] = []
        try:
            status = await bot.send_message(chat_id, self._status(job, lang, done), message_thread_id=thread)
        except (Forbidden, BadRequest) as exc:
            log.info("cannot send the %s to chat %s: %s", job.kind, chat_id, exc)
            if job.fallback_chat is not None:
                text = self.builder.renderer.macro("short", "export_private_blocked", lang)
                with contextlib.suppress(TelegramError):
                    await bot.send_message(job.fallback_chat, text)
            return
        action = ChatAction.UPLOAD_PHOTO if job.kind == jobs.CHARTS else ChatAction.UPLOAD_DOCUMENT
        pulse = asyncio.create_task(self._pulse(bot, chat_id, thread, action))
        parts = 1
        try:
            if job.kind == jobs.EVIDENCE_ZIP:
                parts = await self._evidence(job, lang, done, status, bot, chat_id, thread)
            else:
                made = await self._make(job, lang, done, status)
                await self._deliver(job, lang, made, bot, chat_id, thread)
        except Exception:
            log.exception("the %s of %s could not be made or sent", job.kind, job.snapshot.institution)
            await self._edit(status, self._status(job, lang, done, "failed"))
            return
        finally:
            pulse.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pulse
        await self._edit(status, self._status(job, lang, done, "sent", parts))

    async def _make(self, job: FileJob, lang: str, done: list[str], status: Message) -> list[jobs.ReportFile]:
        work: Iterator[str | jobs.ReportFile] = jobs.make(job.kind, job.snapshot, CatalogWords(lang), self.options)
        made: list[jobs.ReportFile] = []
        while (item := await asyncio.to_thread(next, work, None)) is not None:
            if isinstance(item, jobs.ReportFile):
                made.append(item)
            else:
                done.append(item)
                await self._edit(status, self._status(job, lang, done))
        return made

    async def _evidence(self, job: FileJob, lang: str, done: list[str], status: Message, bot: Bot, chat_id: int,
                        thread: int | None) -> int:
        """The evidence ZIP, each part sent as soon as it is made (one part in memory at a time); how many parts."""
        if self.store is None:
            raise RuntimeError("the evidence ZIP needs the evidence store")
        parts = 1
        read = partial(read_or_none, self.store)
        async for item in jobs.evidence_zip(job.snapshot, job.register, read, CatalogWords(lang), self.document_limit):
            if isinstance(item, jobs.ReportFile):
                await self._deliver(job, lang, [item], bot, chat_id, thread)
                parts = item.parts
                del item  # sent: not kept while the next part is made
            else:
                done.append(item)
                await self._edit(status, self._status(job, lang, done))
        return parts

    def _caption(self, job: FileJob, lang: str, file: jobs.ReportFile) -> str:
        """What, whose, when; for a part of the evidence ZIP which part and the items it holds."""
        return self.builder.renderer.macro("short", "export_caption", lang, kind=job.kind, institution=job.snapshot.institution,
                                           year=job.snapshot.year, made_at=job.snapshot.made_at, part=file.part, parts=file.parts,
                                           first=file.first, last=file.last)

    async def _deliver(self, job: FileJob, lang: str, made: list[jobs.ReportFile], bot: Bot, chat_id: int, thread: int | None) -> None:
        if job.kind == jobs.CHARTS:
            caption = self._caption(job, lang, made[0])
            media: list[Any] = [InputMediaPhoto(BytesIO(f.data), caption=caption if index == 0 else None, filename=f.name)
                                for index, f in enumerate(made)]
            await bot.send_media_group(chat_id, media, message_thread_id=thread)
            return
        for file in made:
            await bot.send_document(chat_id, InputFile(BytesIO(file.data), filename=file.name), caption=self._caption(job, lang, file),
                                    message_thread_id=thread)
