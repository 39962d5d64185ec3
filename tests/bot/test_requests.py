"""The Bot API client under PTB (``bot.requests.AiohttpRequest``): what PTB builds arrives as
Telegram reads it (a JSON body, files as multipart), and failures become PTB's errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.requests import AiohttpRequest

Received = list[dict[str, object]]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Received]]:
    received: Received = []

    async def handle(request: web.Request) -> web.Response:
        if request.path == "/slow":
            await asyncio.sleep(1)  # longer than the client's read timeout of 0.3 s
        fields: dict[str, object] = {}
        if request.content_type == "application/json":
            fields.update(await request.json())
        for name, value in (await request.post()).items():
            fields[name] = (value.filename, value.file.read()) if isinstance(value, web.FileField) else value
        received.append({"content_type": request.content_type, "fields": fields})
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(read=0.3, connect=0.3)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_fields_arrive_as_one_json_object(server: tuple[str, Received], client: AiohttpRequest) -> None:
    """Values keep their JSON types, a keyboard is a nested object (not a string to decode again),
    and text outside ASCII arrives as it was written."""
    url, received = server
    keyboard = {"inline_keyboard": [[{"text": "3 · Terdefinisi", "callback_data": "l:3"}]]}
    data = RequestData([RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("text", "Indeks 2,86 <b>Baik</b> — “ya”"),
                        RequestParameter.from_input("disable_notification", True), RequestParameter.from_input("reply_markup", keyboard)])
    status, body = await client.do_request(f"{url}/botT/sendMessage", "POST", data)
    assert status == 200 and json.loads(body) == {"ok": True, "result": True}
    assert received[0]["content_type"] == "application/json"
    assert received[0]["fields"] == {"chat_id": 42, "text": "Indeks 2,86 <b>Baik</b> — “ya”", "disable_notification": True,
                                     "reply_markup": keyboard}


async def test_a_file_arrives_as_multipart(server: tuple[str, Received], client: AiohttpRequest) -> None:
    url, received = server
    document = InputFile(b"%PDF-1.7 laporan", filename="laporan.pdf", attach=True)
    data = RequestData([RequestParameter.from_input("chat_id", 42), RequestParameter.from_input("document", document)])
    status, _ = await client.do_request(f"{url}/botT/sendDocument", "POST", data)
    assert status == 200 and received[0]["content_type"] == "multipart/form-data"
    fields = received[0]["fields"]
    assert fields["chat_id"] == "42"
    assert fields["document"] == f"attach://{document.attach_name}"
    assert fields[document.attach_name] == ("laporan.pdf", b"%PDF-1.7 laporan")  # type: ignore[index]


async def test_a_slow_answer_is_timed_out(server: tuple[str, Received], client: AiohttpRequest) -> None:
    url, _ = server
    with pytest.raises(TimedOut):
        await client.do_request(f"{url}/slow", "POST", RequestData([]))


async def test_nothing_listening_is_a_network_error(client: AiohttpRequest) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(NetworkError):
        await client.do_request(f"http://127.0.0.1:{port}/botT/getMe", "POST", RequestData([]))


async def test_a_request_before_initialize_is_refused() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:9/botT/getMe", "POST")
