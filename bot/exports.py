"""Making and sending the files the engine asked for (``Outcome.files``), with progress shown.

A status message is sent first and edited as each step finishes; meanwhile the chat shows "sending a
document" (or "sending a photo" for the charts), repeated every few seconds until the file is there,
since Telegram shows a chat action for five seconds. Each step runs in a worker thread, so other
users are served while a PDF is drawn. A failure is told in the status message, never left as a
spinner; a private delivery to someone who never opened a chat with the bot is told in the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from io import BytesIO
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto, Message
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.messages import MessageBuilder
from bot.report_words import CatalogWords
from conversations.replies import FileJob, Reply
from reports import jobs

log = logging.getLogger(__name__)
ACTION_SECONDS = 4.0  # Telegram shows a chat action for about 5 s


class FileSender:
    def __init__(self, builder: MessageBuilder, options: jobs.Options, action_seconds: float = ACTION_SECONDS) -> None:
        self.builder = builder
        self.options = options
        self.action_seconds = action_seconds
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

    def _status(self, job: FileJob, lang: str, done: list[str], state: str = "working") -> str:
        reply = Reply("export_status", {"kind": job.kind, "steps": jobs.STEPS[job.kind], "done": done, "state": state,
                                        "institution": job.snapshot.institution, "year": job.snapshot.year})
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
        try:
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
        await self._edit(status, self._status(job, lang, done, "sent"))

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

    async def _deliver(self, job: FileJob, lang: str, made: list[jobs.ReportFile], bot: Bot, chat_id: int, thread: int | None) -> None:
        caption = self.builder.renderer.macro("short", "export_caption", lang, kind=job.kind, institution=job.snapshot.institution,
                                              year=job.snapshot.year, made_at=job.snapshot.made_at)
        if job.kind == jobs.CHARTS:
            media: list[Any] = [InputMediaPhoto(BytesIO(f.data), caption=caption if index == 0 else None, filename=f.name)
                                for index, f in enumerate(made)]
            await bot.send_media_group(chat_id, media, message_thread_id=thread)
            return
        for file in made:
            await bot.send_document(chat_id, InputFile(BytesIO(file.data), filename=file.name), caption=caption, message_thread_id=thread)
