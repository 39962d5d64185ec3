"""Files sent to the bot, downloaded through the Bot API: ``getFile``, then the file's URL.

Telegram lets bots download files of up to 20 MB (a larger one makes ``getFile`` fail with "file is
too big"). The URL holds the token, so no error from here names it.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from conversations.evidence import DownloadError

log = logging.getLogger(__name__)


class TelegramFiles:
    """The engine's :class:`~conversations.evidence.FileSource` over the bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def _clean(self, error: Exception) -> str:
        return " ".join(str(error).replace(self.bot.token, "<token>").split())

    async def download(self, file_id: str) -> bytes:
        try:
            file = await self.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            if "too big" in str(exc).lower():
                raise DownloadError("too_big", self._clean(exc)) from None
            raise DownloadError("failed", self._clean(exc)) from None
        except (TelegramError, OSError) as exc:  # a network failure, a timeout, a 5xx
            raise DownloadError("failed", self._clean(exc)) from None
