"""Two replicas of the bot, each ``spbe-bot run`` in webhook mode as its own process, on one
database; the fake Bot API posts the updates to both in turn, as a reverse proxy would, and posts
again what was not answered with 2xx. 20 officers of four institutions give 500 answers, ask
questions in private and in their groups, and their groups' daily reminders fall due; one replica
is stopped and started again in the middle. Nothing is lost, each chat's order is kept, each
reminder is sent once, each group's summary keeps its pace across both.

The database is the ``shared_database`` fixture: an SQLite file, and a PostgreSQL database
(``SPBE_DATABASE_URL``); the test reads what it checks through the repositories.
Also here: the turns of two replicas in one process (``bot.replicas.Replica``).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.replicas import Replica
from conversations import callbacks as cb
from storage import open_database
from storage.repositories import Storage
from tests.backends import Backend, PostgresBackend
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser
from tests.bot.test_crash import bot_command

INSTITUTIONS = 4
OFFICERS = 5  # per institution: 20 officers
PRESSES = 25  # per officer: 500 answers
SPAN = 9  # each officer answers indicators of their own, 9 of them, some several times
QUESTION_EVERY = 5  # a question in private chat after every fifth answer
GROUP_QUESTIONS = 3  # per group, from its lead
ASSIGNED = (46, 47)  # overdue for two officers of each institution: a nudge each with the digest
ZONE = ZoneInfo("Asia/Jakarta")
WEBHOOK_URL = "https://spbe.example.go.id/telegram/spbe"


@dataclass
class SharedDatabase:
    """The database both replicas use: as the processes are told it, and as the test opens it."""

    env: dict[str, str]
    open: Callable[[], Awaitable[Storage]]


@pytest.fixture
def shared_database(backend: Backend) -> SharedDatabase:
    """An SQLite file, then a PostgreSQL database (``tests/conftest.py``)."""
    setting = "SPBE_DATABASE_URL" if isinstance(backend, PostgresBackend) else "SPBE_DATABASE_PATH"

    async def opened() -> Storage:
        return await backend.open()

    return SharedDatabase({setting: str(backend.location)}, opened)


@dataclass
class Team:
    institution: int
    period: int
    group: int
    lead: FakeUser
    officers: list[FakeUser]


async def prepare(database: SharedDatabase, telegram: FakeTelegram) -> list[Team]:
    """Four institutions, each with a lead, five officers, a period, a linked group whose daily
    digest is due (its hour passed ten minutes ago, yesterday's was sent) and two overdue assignments."""
    db = await database.open()
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=10)).astimezone(ZONE)
    yesterday = due.date() - timedelta(days=1)
    teams = []
    try:
        for number in range(INSTITUTIONS):
            base, group = 1000 + 100 * number, -1001000000 - number
            lead = FakeUser(telegram, base, f"Lead{number}")
            officers = [FakeUser(telegram, base + 1 + i, f"Officer{number}x{i}") for i in range(OFFICERS)]
            async with db.transaction() as tx:
                institution = await tx.institutions.create(name=f"Kabupaten Contoh {number}", kind="kabupaten")
                await tx.members.add(institution_id=institution.id, user_id=lead.id, display_name=lead.first_name, role="koordinator")
                for officer in officers:
                    await tx.members.add(institution_id=institution.id, user_id=officer.id, display_name=officer.first_name,
                                         role="officer", username=officer.username)
                period = await tx.periods.create(institution_id=institution.id, year=due.year, framework="spbe-2020", level_min=1,
                                                 level_max=5, indicator_count=47)
                for officer, indicator in zip(officers, ASSIGNED, strict=False):
                    await tx.assignments.assign(period_id=period.id, indicators=[indicator], user_id=officer.id, assigned_by=lead.id,
                                                due_on=yesterday)
                await tx.groups.link(chat_id=group, institution_id=institution.id, title=f"Tim SPBE {number}", linked_by=lead.id)
                schedule = await tx.reminders.add(kind="digest", institution_id=institution.id, hour=due.hour, minute=due.minute,
                                                  chat_id=group, timezone="Asia/Jakarta")
                await tx.reminders.mark_sent(schedule.id, now - timedelta(days=1))
            telegram.add_group(group, f"Tim SPBE {number}", {lead.id: "administrator", **dict.fromkeys((o.id for o in officers), "member")})
            teams.append(Team(institution.id, period.id, group, lead, officers))
    finally:
        await db.close()
    return teams


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Replicas:
    """The two bot processes, each on its own port behind the fake's "reverse proxy"."""

    def __init__(self, telegram: FakeTelegram, database: SharedDatabase, folder: Path) -> None:
        self.telegram, self.database, self.folder = telegram, database, folder
        self.ports = [free_port(), free_port()]
        self.processes: list[asyncio.subprocess.Process | None] = [None, None]
        telegram.webhook_targets = [self.url(i) for i in range(2)]

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def log(self, index: int) -> Path:
        return self.folder / f"replica-{index}.log"

    async def start(self, index: int) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("SPBE_")}
        env.update(self.database.env, SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=self.telegram.base_url, SPBE_LOG_LEVEL="INFO",
                   SPBE_WEBHOOK_URL=WEBHOOK_URL, SPBE_WEBHOOK_LISTEN="127.0.0.1", SPBE_WEBHOOK_PORT=str(self.ports[index]),
                   SPBE_REPLICAS="2", SPBE_SEND_RATE="2000", SPBE_GROUP_SUMMARY_SECONDS="1")
        with self.log(index).open("ab") as output:
            self.processes[index] = await asyncio.create_subprocess_exec(*bot_command(), cwd=self.folder, env=env, stdout=output,
                                                                         stderr=output)
        await self.healthy(index)

    async def healthy(self, index: int, timeout: float = 30) -> None:
        """Wait until the replica's health check answers 200 (it serves updates from then on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                process = self.processes[index]
                assert process is not None and process.returncode is None, self.log(index).read_text()[-3000:]
                try:
                    async with session.get(self.url(index) + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                assert loop.time() < deadline, f"replica {index} did not become healthy\n{self.log(index).read_text()[-3000:]}"
                await asyncio.sleep(0.05)

    async def stop(self, index: int) -> int:
        process = self.processes[index]
        assert process is not None
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
        self.processes[index] = None
        return code

    async def kill_all(self) -> None:
        for process in self.processes:
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()


class Script:
    """What the users send, and what each of it must have caused."""

    def __init__(self, teams: list[Team]) -> None:
        self.teams = teams
        self.presses: dict[int, list[tuple[str, int, int]]] = {}  # officer -> (query id, indicator, level), in order
        self.questions: dict[int, list[int]] = {}  # chat -> the indicators asked about, in order
        self.updates: list[int] = []

    async def run(self, telegram: FakeTelegram) -> None:
        """Everything at once, as a backlog: nobody waits for an answer."""
        for team in self.teams:
            for index, officer in enumerate(team.officers):
                officer.waits = False
                card = telegram.last(officer.id)
                first = 1 + index * SPAN
                self.presses[officer.id], self.questions[officer.id] = [], []
                for k in range(PRESSES):
                    indicator, level = first + k % SPAN, 1 + (3 * k + index) % 5
                    data = cb.make("lv", team.period, indicator, level)
                    self.presses[officer.id].append((await officer.press(card, data, data=True), indicator, level))
                    self.updates.append(officer.last_update_id)
                    if k % QUESTION_EVERY == QUESTION_EVERY - 1:
                        asked = first + k // QUESTION_EVERY
                        await officer.send(f"/tanya apa arti indikator {asked}")
                        self.questions[officer.id].append(asked)
                        self.updates.append(officer.last_update_id)
            team.lead.waits = False
            self.questions[team.group] = []
            for number in range(GROUP_QUESTIONS):
                asked = 10 + number + team.institution
                await team.lead.send(f"/tanya apa arti indikator {asked}", chat_id=team.group)
                self.questions[team.group].append(asked)
                self.updates.append(team.lead.last_update_id)

    def done(self, telegram: FakeTelegram) -> bool:
        return set(self.updates) <= telegram.delivered


def answered(telegram: FakeTelegram, chat_id: int) -> list[int]:
    """The indicators the bot's answers to questions in the chat are about, in the order sent."""
    numbers = []
    for message in telegram.chat_messages(chat_id):
        match = re.match(r"Indikator (\d+) ", message.text)
        if match and "/47" not in message.text[:20]:  # not a card ("Indikator 12/47 · ...")
            numbers.append(int(match.group(1)))
    return numbers


async def test_two_replicas_on_one_database_lose_nothing_keep_each_chats_order_and_send_each_reminder_once(
        tmp_path: Path, shared_database: SharedDatabase) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    teams = await prepare(shared_database, telegram)
    replicas = Replicas(telegram, shared_database, tmp_path)
    started = asyncio.get_running_loop().time()
    try:
        await asyncio.gather(replicas.start(0), replicas.start(1))
        assert telegram.webhook is not None and telegram.webhook["secret_token"]
        async with aiohttp.ClientSession() as session, session.post(replicas.url(1) + "/telegram/spbe", json={"update_id": 1}) as response:
            assert response.status == 403  # only Telegram, which knows the secret, is listened to
        officers = [officer for team in teams for officer in team.officers]
        for officer in officers:
            officer.waits = False
            await officer.send("/mulai")
        await telegram.until(lambda: all(telegram.chat_messages(o.id) for o in officers), 20)

        script = Script(teams)
        await script.run(telegram)
        await telegram.until(lambda: len(telegram.delivered) >= len(script.updates) // 2, 60)
        assert await replicas.stop(1) == 0  # one replica goes, in the middle: what was posted to it is posted to the other
        await replicas.start(1)
        try:
            await telegram.until(lambda: script.done(telegram) and all(
                len(answered(telegram, chat)) >= len(asked) for chat, asked in script.questions.items()), 60)
        except TimeoutError:
            raise AssertionError(f"not all answered: {len(set(script.updates) - telegram.delivered)} updates left\n"
                                 f"{replicas.log(0).read_text()[-2000:]}\n{replicas.log(1).read_text()[-2000:]}") from None

        # Both served, and what one could not take was posted again to the other.
        served = Counter(target for _, target, status in telegram.deliveries if status == 200)
        assert served[replicas.url(0)] > 50 and served[replicas.url(1)] > 50, served
        assert any(status != 200 for _, _, status in telegram.deliveries), "the stopped replica's posts failed and were posted again"

        # Every answer once, in the order each officer gave them; every press answered once.
        db = await shared_database.open()
        try:
            for team in teams:
                for officer in team.officers:
                    presses = script.presses[officer.id]
                    for indicator in sorted({i for _, i, _ in presses}):
                        given = [level for _, i, level in presses if i == indicator]
                        history = await db.read.answers.history(team.period, indicator)
                        assert [int(change.new_level) for change in history] == given, (officer.id, indicator)  # type: ignore[arg-type]
                        assert int((await db.read.answers.get(team.period, indicator)).level) == given[-1]  # type: ignore[union-attr]
        finally:
            await db.close()
        pressed = [query for presses in script.presses.values() for query, _, _ in presses]
        assert sorted(a["callback_query_id"] for a in telegram.callback_answers) == sorted(pressed)

        # Each question answered once, in the order asked: in private chats and in the groups.
        for chat, asked in script.questions.items():
            assert answered(telegram, chat) == asked, chat

        # Each group's digest once, each late officer's nudge once.
        for team in teams:
            digests = [m for m in telegram.chat_messages(team.group) if "Pengingat harian" in m.text]
            assert len(digests) == 1, [m.text[:40] for m in telegram.chat_messages(team.group)]
            for officer in team.officers:
                nudges = [m for m in telegram.chat_messages(officer.id) if "sudah lewat tenggat" in m.text]
                assert len(nudges) == (1 if officer in team.officers[:len(ASSIGNED)] else 0), (officer.id, [m.text for m in nudges])

        # Each group's summary shows every answer in the end, edited at most once a second across both.
        def summaries(team: Team) -> list:
            return [m for m in telegram.chat_messages(team.group) if "Progres penilaian mandiri" in m.text]

        await telegram.until(lambda: all(len(summaries(t)) == 1 and f"Terjawab {OFFICERS * SPAN}/47" in summaries(t)[0].text
                                         for t in teams), 10)
        elapsed = asyncio.get_running_loop().time() - started
        for team in teams:
            assert summaries(team)[0].edits <= elapsed + 2, (summaries(team)[0].edits, elapsed)

        # Nothing left in the outbox. The last refresh of a group's summary can come after every
        # update was answered (it waits for the pace), and it is marked sent after its edit.
        db = await shared_database.open()
        try:
            bot_id = int(TOKEN.split(":")[0])
            for _ in range(500):
                if not await db.read.outbox.unsent(bot_id=bot_id):
                    break
                await asyncio.sleep(0.01)
            assert await db.read.outbox.unsent(bot_id=bot_id) == []
        finally:
            await db.close()

        for index in (0, 1):
            assert await replicas.stop(index) == 0
            assert "Traceback" not in replicas.log(index).read_text()
    finally:
        await replicas.kill_all()
        await telegram.stop()


# --- turns, two replicas in one process -------------------------------------------------------------


async def test_an_update_waits_for_an_earlier_one_of_its_user_on_another_replica(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "spbe.sqlite3")
    now = [datetime(2026, 12, 1, 8, 0, tzinfo=UTC)]
    try:
        first, second = (Replica(db, 1, lambda: now[0], shared=True, holder=name) for name in ("a", "b"))
        await first.start()
        await second.start()
        release = asyncio.Event()
        order: list[str] = []

        async def handle(replica: Replica, update_id: int, keys: list[str], hold: bool = False) -> bool:
            async with replica.turn(update_id, keys) as ours:
                if ours:
                    order.append(f"{update_id} starts")
                    if hold:
                        await release.wait()
                    order.append(f"{update_id} ends")
                return ours

        earlier = asyncio.create_task(handle(first, 10, ["user:1", "chat:1"], hold=True))
        while not order:
            await asyncio.sleep(0.001)
        later = asyncio.create_task(handle(second, 11, ["user:1", "chat:-100"]))  # the same user, in a group
        other = asyncio.create_task(handle(second, 12, ["user:2", "chat:2"]))
        assert await other  # another user: not held
        await asyncio.sleep(0.05)
        assert not later.done() and order == ["10 starts", "12 starts", "12 ends"]
        again = asyncio.create_task(handle(second, 10, ["user:1", "chat:1"]))  # update 10 posted again, to the other replica
        await asyncio.sleep(0.05)
        assert not again.done()
        release.set()
        assert await earlier and await later
        assert await again is False  # the first replica finished it: nothing to do
        assert order == ["10 starts", "12 starts", "12 ends", "10 ends", "11 starts", "11 ends"]

        # A replica that is gone (no heartbeat for longer than the timeout) holds no one back.
        async with db.transaction() as tx:
            await tx.replicas.enter_turn(1, 20, ["user:5"], "a", first.alive_since())
        now[0] += timedelta(seconds=16)
        await second.beat()
        async with second.turn(21, ["user:5"]) as ours:
            assert ours
        await first.stop()
        await second.stop()
    finally:
        await db.close()
