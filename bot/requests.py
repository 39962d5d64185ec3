"""The Bot API's HTTP client: python-telegram-bot's ``BaseRequest`` over an aiohttp session.

PTB's default, ``HTTPXRequest``, spends more CPU per request than the rest of an answer together
(httpx, httpcore and anyio layers: about half of the bot's CPU per answer, docs/bot.md, "The
update pipeline"). aiohttp's client does the same work in a fraction of that. PTB gathers the
parameters and reads the answer; this class carries bytes, so every Bot API method, the rate
limiter and PTB's error handling work unchanged. The parameters go as one JSON body, which the Bot
API takes for every method without an upload: a form would percent-encode every character of a
card's keyboard, which cost about a tenth of an answer's CPU. Uploads go as multipart.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with up to ``connections`` connections to the Bot API.

    Timeouts as PTB's: ``connect``, ``read`` (per socket read; a long poll adds its own wait, PTB
    passes that as ``read_timeout``), ``pool`` (waiting for a free connection). ``write`` has no
    counterpart in aiohttp and is ignored.
    """

    def __init__(self, connections: int = 256, *, read: float = 5.0, connect: float = 5.0, pool: float = 1.0) -> None:
        self._connections = connections
        self._read, self._connect, self._pool = read, connect, pool
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        connect = _seconds(connect_timeout, self._connect)
        pool = _seconds(pool_timeout, self._pool)
        timeout = aiohttp.ClientTimeout(
            sock_read=_seconds(read_timeout, self._read),
            sock_connect=connect,
            connect=None if connect is None or pool is None else connect + pool,  # a free connection, then connecting
        )
        try:
            data, headers = _body(request_data)
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # asyncio's, which aiohttp raises (as ServerTimeoutError too)
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _seconds(value: ODVInput[float] | None, default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """PTB's parameters as a JSON body; with files, as multipart form fields (JSON values)."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return json.dumps(request_data.parameters, ensure_ascii=False).encode(), JSON
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
