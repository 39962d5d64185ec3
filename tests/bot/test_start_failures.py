"""Start-up failures seen from outside: each command run as its own process, with a time limit.

A database file that cannot be used (damaged, truncated, random bytes, read-only, a newer schema,
in a read-only folder, under a path that is a file) and a token Telegram rejects: one line on
stderr naming the problem and what to do, an exit code other than 0 within 5 seconds, no
traceback, no hang, and never the token.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from tests.storage.bad_files import CASES, BadFile, good_database, make

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAF-rejected-token-secret-value"
# A guard against a hang, not a measure of speed: a refused start takes about 0.6 s
# (benchmarks/startup.py), but on a loaded machine starting Python and its imports can take seconds.
LIMIT = 20.0  # seconds
COMMANDS = {
    "run": ["run"],
    "console": ["console"],
    "db status": ["db", "status"],
    "db upgrade": ["db", "upgrade"],
    "backup": ["backup", "copy.sqlite3"],
}


@dataclass(frozen=True)
class Exit:
    code: int
    out: str
    err: str
    seconds: float


def environment(**settings: str) -> dict[str, str]:
    """This machine's environment without any SPBE_* setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPBE_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env.update(settings)
    return env


async def spbe_bots(*calls: tuple[list[str], Path, dict[str, str]]) -> list[Exit]:
    """Several commands, as many at a time as there are CPUs (more would only share them, and the
    time limit is per process)."""
    slots = asyncio.Semaphore(os.cpu_count() or 2)

    async def one(argv: list[str], cwd: Path, env: dict[str, str]) -> Exit:
        async with slots:
            return await spbe_bot(argv, cwd, env)

    done = await asyncio.gather(*(one(*call) for call in calls), return_exceptions=True)  # each ends within its limit
    for result in done:
        if isinstance(result, BaseException):
            raise result
    return [result for result in done if isinstance(result, Exit)]


async def spbe_bot(argv: list[str], cwd: Path, env: dict[str, str]) -> Exit:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *argv, cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), LIMIT)
    except TimeoutError:
        pytest.fail(f"spbe-bot {' '.join(argv)} did not exit within {LIMIT} s")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Exit(process.returncode, out.decode(), err.decode(), time.monotonic() - started)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return good_database(tmp_path_factory.mktemp("template") / "good.sqlite3")


def check_refusal(name: str, done: Exit, bad: BadFile) -> None:
    """One line on stderr that names the file and what to do; nothing on stdout; exit code 1."""
    lines = done.err.splitlines()
    assert done.code == 1 and len(lines) == 1 and done.out == "", f"{name}: {done}"
    assert lines[0].startswith(f"spbe-bot: database {bad.path}") and "Traceback" not in done.err, f"{name}: {lines[0]}"
    for part in bad.expected:
        assert part in lines[0], f"{name}: {lines[0]}"
    assert TOKEN.split(":")[1] not in done.err


def on(bad: BadFile) -> dict[str, str]:
    """The environment of a command on the database ``bad``. ``run`` has a token and a Bot API nobody
    listens on: the database is checked before the network."""
    return environment(SPBE_DATABASE_PATH=str(bad.path), SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL="http://127.0.0.1:9/bot")


async def test_run_stops_with_one_line_for_every_database_that_cannot_be_used(tmp_path: Path, template: Path) -> None:
    bad = [make(case, tmp_path / case, template) for case in CASES]
    try:
        exits = await spbe_bots(*((COMMANDS["run"], tmp_path, on(b)) for b in bad))
    finally:
        for b in bad:
            b.restore()
    for b, done in zip(bad, exits, strict=True):
        check_refusal(f"run, {b.case}", done, b)


async def test_every_command_stops_with_the_same_line(tmp_path: Path, template: Path) -> None:
    """All five commands as processes for one case (the others: `run` above, and in process below)."""
    bad = make("damaged", tmp_path / "files", template)
    try:
        exits = await spbe_bots(*((argv, tmp_path, on(bad)) for argv in COMMANDS.values()))
    finally:
        bad.restore()
    for name, done in zip(COMMANDS, exits, strict=True):
        check_refusal(name, done, bad)
    assert len({done.err for done in exits}) == 1  # the same line whichever command met the file
    assert not (tmp_path / "copy.sqlite3").exists()  # no backup of a file that cannot be used


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["console", "db status", "db upgrade", "backup"])
def test_every_command_and_every_case_in_process(command: str, case: str, tmp_path: Path, template: Path,
                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole matrix quickly, in this process: the same line, and no thread left behind (a
    connection's thread left running is what kept the process from exiting)."""
    from bot.cli import main

    bad = make(case, tmp_path / "files", template)
    for name in [k for k in os.environ if k.startswith("SPBE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SPBE_DATABASE_PATH", str(bad.path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    threads = threading.active_count()
    try:
        code = main(COMMANDS[command])
    finally:
        bad.restore()
    out, err = capsys.readouterr()
    check_refusal(command, Exit(code, out, err, 0), bad)
    for _ in range(100):
        if threading.active_count() == threads:
            break
        time.sleep(0.01)
    assert threading.active_count() == threads, "a connection was left open"


# --- a token Telegram rejects ---------------------------------------------------------------------


@pytest.fixture
async def rejecting_api() -> AsyncIterator[tuple[str, list[str]]]:
    """A Bot API on 127.0.0.1 that answers every call as Telegram answers a revoked token."""
    calls: list[str] = []

    async def unauthorized(request: web.Request) -> web.Response:
        calls.append(request.path.rsplit("/", 1)[-1])
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/bot", calls
    finally:
        await runner.cleanup()


async def test_a_rejected_token_or_no_network_stops_the_bot_with_one_line_without_the_token(tmp_path: Path, rejecting_api) -> None:
    url, calls = rejecting_api
    line = ("spbe-bot: Telegram rejected the bot token (SPBE_BOT_TOKEN): it was revoked or mistyped; "
            "get the current one from @BotFather (/mybots, API Token) and put it in .env\n")
    env = environment(SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=url, SPBE_DATABASE_PATH=str(tmp_path / "db" / "spbe.sqlite3"))
    offline = {**env, "SPBE_BOT_API_URL": "http://127.0.0.1:9/bot"}  # nobody listens there
    done, debug, unreachable = await spbe_bots((["run"], tmp_path, env), (["run"], tmp_path, {**env, "SPBE_LOG_LEVEL": "DEBUG"}),
                                               (["run"], tmp_path, offline))
    assert (done.code, done.out, done.err) == (1, "", line)  # the default log level: nothing but the line
    assert calls == ["getMe", "getMe"]
    assert unreachable.code == 1 and unreachable.err.startswith("spbe-bot: cannot reach the Bot API at http://127.0.0.1:9 (")
    assert unreachable.err.endswith("): check the network, or SPBE_BOT_API_URL\n") and len(unreachable.err.splitlines()) == 1
    # at DEBUG the log says much more (to stderr, as logs go): never the token, never a traceback
    assert debug.code == 1 and debug.err.endswith(line) and len(debug.err.splitlines()) > 10
    assert "getMe" in debug.err and "Traceback" not in debug.err
    for output in (done.out, done.err, debug.out, debug.err, unreachable.err):
        assert TOKEN.split(":", 1)[1] not in output


# --- a PostgreSQL server that cannot be used ------------------------------------------------------


async def test_a_postgresql_server_that_cannot_be_used_stops_every_command_with_one_line(tmp_path: Path, postgres_server) -> None:
    """SPBE_DATABASE_URL naming a server nobody listens on: `run`, `console`, `db status` and
    `db upgrade` say so in one line naming the database without its password, exit 1 within the limit
    (a connection times out after 5 s at most, and a refused one at once); `backup` says PostgreSQL's
    backups are pg_dump's. A wrong password stops `run` the same way."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    password = "s3cret-pw-" + postgres_server.password
    nobody = f"postgresql://spbe:{password}@127.0.0.1:{port}/spbe"
    refused = postgres_server.url().replace(postgres_server.password, password)
    calls = [(argv, tmp_path, environment(SPBE_DATABASE_URL=url, SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL="http://127.0.0.1:9/bot"))
             for url, commands in ((nobody, COMMANDS.values()), (refused, [COMMANDS["run"]])) for argv in commands]
    exits = await spbe_bots(*calls)
    for (argv, _, env), done in zip(calls, exits, strict=True):
        lines = done.err.splitlines()
        assert done.code == 1 and len(lines) == 1 and "Traceback" not in done.err, (argv, done)
        assert password not in done.err + done.out and TOKEN.split(":")[1] not in done.err, (argv, done)
        if argv[0] == "backup":
            assert lines[0].startswith("spbe-bot: backup: postgresql://") and "pg_dump" in lines[0], lines[0]
            continue
        expected = "cannot connect to the server" if env["SPBE_DATABASE_URL"] == nobody else "the server refused the login"
        assert lines[0].startswith("spbe-bot: database postgresql://") and expected in lines[0], (argv, lines[0])
