"""Throughput of the real bot against a bare python-telegram-bot echo bot, in one run.

Run: .venv/bin/python benchmarks/throughput.py [--rounds 5] [--taps 40] [--backlog 4x40] [--webhook [--replicas 2]]

Both bots run as their own processes (``spbe-bot run``, as shipped, with its rate limiter; and the
echo bot below, PTB's defaults, no limiter), each polling its own instance of the test suite's fake
Bot API (as two bots with two tokens would), which this process serves on 127.0.0.1. Round by
round, alternating which bot goes first, it measures:

- taps one at a time: an officer presses a level on the live card and waits for the card's edit,
  then presses the next (the echo bot: a user sends a text and waits for the echo), taps per second
  and each round trip (press sent -> edit made, at the fake API);
- a backlog: several officers' presses (echo: texts) queued at once, answers per second until the
  last edit;
- the bot's CPU per answer (per echoed message): user + system time of its process (all threads)
  around the taps, from /proc.

``--webhook``: the real bot serves webhooks instead (``SPBE_WEBHOOK_URL``; the fake Bot API posts
each update and waits for the answer, as Telegram does); ``--replicas N``: N such processes on one
database, the fake posting to them in turn, their CPU summed. The echo bot still polls: the same
baseline.

Printed: the median over the rounds of each figure, and the ratios to the echo bot. Goals (the
update-pipeline issue): taps one at a time >= 0.8x the echo bot, round trip p95 <= 1.3x, backlog
>= 25 answers/s with the limiter on (it allows about 30 counted requests a second; an answer is one
counted edit, answerCallbackQuery is not counted), CPU per answer <= 2x the echo bot's per message.
The machine may be shared and noisy: look at the spread of the rounds too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ECHO = "--echo-bot"
APP = "--app-bot"
ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # benchmarks/knowledge.py is not the knowledge package
if APP not in sys.argv and ECHO not in sys.argv:  # the driver; a bot imports the code it is given (see --code)
    sys.path.insert(0, str(ROOT))
    from conversations import callbacks as cb
    from storage import open_database
    from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def run_echo_bot() -> None:
    """The bare echo bot: PTB's defaults, one handler that sends the text back."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)  # type: ignore[union-attr]

    url = os.environ["SPBE_BOT_API_URL"]
    application = ApplicationBuilder().token(os.environ["SPBE_BOT_TOKEN"]).base_url(url).build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling()


def run_app_bot(rate_limit: bool) -> None:
    """The real bot, as ``spbe-bot run`` starts it, with or without the rate limiter."""
    from bot.app import build_application
    from bot.cli_bot import ALLOWED_UPDATES
    from bot.config import load_settings
    from bot.runtime import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    if settings.webhook_url:
        from bot.webhook import serve

        asyncio.run(serve(settings, ALLOWED_UPDATES, rate_limit=rate_limit))
    else:
        build_application(settings, rate_limit=rate_limit).run_polling(allowed_updates=ALLOWED_UPDATES)


class Process:
    """A bot in its own process, and the CPU time it has used (all its threads)."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.command, self.env, self.cwd, self.log = command, env, cwd, log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(*self.command, env=self.env, cwd=self.cwd, stdout=output, stderr=output)

    def cpu(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@dataclass
class Phase:
    count: int
    seconds: float
    cpu: float
    trips: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.count

    def percentile(self, share: float) -> float:
        ordered = sorted(self.trips)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Bot:
    """A bot's processes (one, or the replicas of webhook mode) and the fake Bot API instance they
    use (two bots, two tokens: two streams)."""

    api: FakeTelegram
    processes: list[Process]
    database: Path

    def cpu(self) -> float:
        return sum(process.cpu() for process in self.processes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Bench:
    """Three bots: the real one without the rate limiter (taps one at a time, against the bare echo
    bot, which has none either), the real one as ``spbe-bot run`` ships it, limiter on (the backlog),
    and the echo bot."""

    def __init__(self, directory: Path, code: Path | None = None, replicas: int = 0) -> None:
        self.directory = directory
        self.code = code  # another checkout's bot (the same fake API, this checkout's): before and after a change
        self.replicas = replicas  # 0: polling; N: webhook mode, N processes
        self.next_user = 10_000

    async def start(self) -> None:
        me = [sys.executable, str(Path(__file__).resolve())]
        shipped = [sys.executable, "-m", "bot.cli", "run"]  # what spbe-bot runs
        self.tapped = await self._bot("tapped", [*me, APP, "--no-limiter"], self.replicas)
        self.shipped = await self._bot("shipped", shipped, self.replicas)
        self.echo = await self._bot("echo", [*me, ECHO], 0)

    async def _bot(self, name: str, command: list[str], replicas: int) -> Bot:
        api = FakeTelegram()
        await api.start()
        database = self.directory / f"{name}.sqlite3"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPBE_")}
        env.update(SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=api.base_url, SPBE_DATABASE_PATH=str(database), SPBE_LOG_LEVEL="WARNING",
                   PYTHONPATH=str(self.code or ROOT))
        processes = []
        for index in range(max(1, replicas)):
            if replicas:
                port = free_port()
                api.webhook_targets.append(f"http://127.0.0.1:{port}")
                env.update(SPBE_WEBHOOK_URL="https://bench.example/telegram", SPBE_WEBHOOK_PORT=str(port), SPBE_REPLICAS=str(replicas))
            processes.append(Process(command, dict(env), self.directory, self.directory / f"{name}-{index}.log"))
            await processes[-1].start()
        if replicas:  # started when each has told Telegram its webhook (the database migrated, the port listening)
            await api.until(lambda: sum(method == "setWebhook" for method, _ in api.calls) >= replicas, 60)
        else:
            await api.until(lambda: any(method == "getUpdates" for method, _ in api.calls), 60)  # started, database migrated
        return Bot(api, processes, database)

    async def stop(self) -> None:
        for bot in (self.tapped, self.shipped, self.echo):
            for process in bot.processes:
                await process.stop()
            await bot.api.stop()

    def user(self, bot: Bot, name: str) -> FakeUser:
        self.next_user += 1
        user = FakeUser(bot.api, self.next_user, name)
        user.waits = False
        return user

    async def officers(self, bot: Bot, count: int) -> list[tuple[FakeUser, int]]:
        """Officers, each in an institution of their own (a fresh evaluation), with their live card
        open; (officer, period id)."""
        people = [self.user(bot, f"Petugas{i}") for i in range(count)]
        db = await open_database(bot.database, upgrade=False)  # the bot migrated it (an older bot: to its own version)
        try:
            async with db.transaction() as tx:
                for person in people:
                    institution = await tx.institutions.create(name=f"Instansi {person.id}", kind="kabupaten")
                    await tx.members.add(institution_id=institution.id, user_id=person.id, display_name=person.first_name, role="officer")
        finally:
            await db.close()
        for person in people:
            await person.send("/mulai")
        await bot.api.until(lambda: all(bot.api.chat_messages(p.id) for p in people), 30)
        return [(p, int(bot.api.last(p.id).button("3").split(":")[1])) for p in people]

    async def app_taps(self, taps: int) -> Phase:
        bot = self.tapped
        ((officer, period),) = await self.officers(bot, 1)
        card = bot.api.last(officer.id)
        trips: list[float] = []
        cpu, start = bot.cpu(), time.perf_counter()
        for number in range(1, taps + 1):
            edits = card.edits
            sent = time.perf_counter()
            await officer.press(card, cb.make("lv", period, number, 1 + number % 5), data=True)
            await bot.api.until(lambda edits=edits: card.edits > edits)
            trips.append(time.perf_counter() - sent)
        seconds = time.perf_counter() - start
        return Phase(taps, seconds, bot.cpu() - cpu, trips)

    async def echo_taps(self, taps: int) -> Phase:
        bot = self.echo
        person = self.user(bot, "Pengguna")
        trips: list[float] = []
        cpu, start = bot.cpu(), time.perf_counter()
        for number in range(1, taps + 1):
            sent = time.perf_counter()
            await person.send(f"halo {number}")
            await bot.api.until(lambda number=number: len(bot.api.chat_messages(person.id)) >= number)
            trips.append(time.perf_counter() - sent)
        seconds = time.perf_counter() - start
        return Phase(taps, seconds, bot.cpu() - cpu, trips)

    async def app_backlog(self, officers: int, answers: int) -> Phase:
        bot = self.shipped
        people = await self.officers(bot, officers)
        cards = {p.id: bot.api.last(p.id) for p, _ in people}
        answered = len(bot.api.callback_answers)
        edits = sum(c.edits for c in cards.values())
        cpu, start = bot.cpu(), time.perf_counter()
        for number in range(1, answers + 1):
            for person, period in people:
                await person.press(cards[person.id], cb.make("lv", period, number, 1 + number % 5), data=True)
        total = officers * answers
        await bot.api.until(lambda: sum(c.edits for c in cards.values()) - edits >= total
                            and len(bot.api.callback_answers) - answered >= total, 120)
        return Phase(total, time.perf_counter() - start, bot.cpu() - cpu)

    async def echo_backlog(self, users: int, messages: int) -> Phase:
        bot = self.echo
        people = [self.user(bot, f"Pengguna{i}") for i in range(users)]
        cpu, start = bot.cpu(), time.perf_counter()
        for number in range(1, messages + 1):
            for person in people:
                await person.send(f"halo {number}")
        await bot.api.until(lambda: all(len(bot.api.chat_messages(p.id)) >= messages for p in people), 120)
        return Phase(users * messages, time.perf_counter() - start, bot.cpu() - cpu)


def median(values: list[float]) -> float:
    return statistics.median(values)


async def main(rounds: int, taps: int, officers: int, answers: int, code: Path | None, replicas: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        bench = Bench(Path(directory), code, replicas)
        await bench.start()
        try:
            await bench.app_taps(3)  # both bots warm
            await bench.echo_taps(3)
            results: dict[str, list[Phase]] = {"app_taps": [], "echo_taps": [], "app_backlog": [], "echo_backlog": []}
            for number in range(rounds):
                order = ("app", "echo") if number % 2 == 0 else ("echo", "app")
                for who in order:
                    phase = await (bench.app_taps(taps) if who == "app" else bench.echo_taps(taps))
                    results[f"{who}_taps"].append(phase)
                for who in order:
                    phase = await (bench.app_backlog(officers, answers) if who == "app" else bench.echo_backlog(officers, answers))
                    results[f"{who}_backlog"].append(phase)
                app, echo = results["app_taps"][-1], results["echo_taps"][-1]
                print(f"round {number + 1}: taps {app.rate:.1f}/s vs echo {echo.rate:.1f}/s, p95 {app.percentile(0.95):.1f} vs "
                      f"{echo.percentile(0.95):.1f} ms, backlog {results['app_backlog'][-1].rate:.1f} answers/s vs echo "
                      f"{results['echo_backlog'][-1].rate:.1f}/s, CPU {app.cpu_ms:.1f} vs {echo.cpu_ms:.1f} ms", flush=True)
        finally:
            await bench.stop()
    report(results, rounds, taps, officers, answers)


def report(results: dict[str, list[Phase]], rounds: int, taps: int, officers: int, answers: int) -> None:
    """Each figure's median over the rounds, and the median of the rounds' own ratios (a round runs
    both bots back to back, so its ratio is the least disturbed by the machine's other work)."""

    def figure(name: str, get: Callable[[Phase], float]) -> tuple[float, float, float]:
        app, echo = [get(p) for p in results[f"app_{name}"]], [get(p) for p in results[f"echo_{name}"]]
        return median(app), median(echo), median([a / e for a, e in zip(app, echo, strict=True)])

    rows: list[tuple[str, tuple[float, float, float], str, Callable[[float, float, float], bool] | None]] = [
        ("taps one at a time, per second", figure("taps", lambda p: p.rate), ">= 0.8x echo", lambda a, e, r: r >= 0.8),
        ("round trip p50, ms", figure("taps", lambda p: p.percentile(0.5)), "", None),
        ("round trip p95, ms", figure("taps", lambda p: p.percentile(0.95)), "<= 1.3x echo", lambda a, e, r: r <= 1.3),
        ("backlog, answers (echo: messages) per second", figure("backlog", lambda p: p.rate), ">= 25/s, limiter on",
         lambda a, e, r: a >= 25),
        ("bot CPU per answer (echo: per message), ms", figure("taps", lambda p: p.cpu_ms), "<= 2x echo", lambda a, e, r: r <= 2),
        ("bot CPU per answer in the backlog, ms", figure("backlog", lambda p: p.cpu_ms), "", None),
    ]
    print(f"\nmedians of {rounds} rounds ({taps} taps one at a time; backlog {officers} officers x {answers} answers)")
    print(f"{'figure':46} {'spbe-bot':>9} {'echo':>9} {'ratio':>7}  goal")
    for name, (app, echo, ratio), goal, met in rows:
        verdict = "" if met is None else ("  met" if met(app, echo, ratio) else "  NOT met")
        print(f"{name:46} {app:9.1f} {echo:9.1f} {ratio:7.2f}  {goal}{verdict}")


if __name__ == "__main__":
    if ECHO in sys.argv:
        run_echo_bot()
    elif APP in sys.argv:
        run_app_bot(rate_limit="--no-limiter" not in sys.argv)
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--taps", type=int, default=40)
        parser.add_argument("--backlog", default="4x40", help="officers x answers each (at most 47)")
        parser.add_argument("--code", type=Path, help="run the real bot from this checkout (e.g. an older commit, to compare)")
        parser.add_argument("--webhook", action="store_true", help="the real bot in webhook mode (the echo bot still polls)")
        parser.add_argument("--replicas", type=int, default=1, help="with --webhook: this many processes on one database")
        arguments = parser.parse_args()
        count, each = (int(x) for x in arguments.backlog.split("x"))
        replicas = arguments.replicas if arguments.webhook else 0
        asyncio.run(main(arguments.rounds, min(arguments.taps, 47), count, min(each, 47), arguments.code, replicas))
