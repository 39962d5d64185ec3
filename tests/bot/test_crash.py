"""The real bot in its own process (``spbe-bot run``), killed with SIGKILL again and again in the
middle of a backlog of updates from several users, and restarted: every update takes effect exactly
once. Answers are stored once with one history row each, every press is answered once, every
command gets one reply, and nothing is left unconfirmed.

The kill comes as a request of the bot reaches the fake Bot API, before Telegram acts on it, at a
moment where no message already sent belongs to an update the bot has not yet recorded as done
(confirmed to Telegram, or marked sent in the outbox): a kill between Telegram accepting a new
message and that record would send it again after the restart, the one window no bot can close
(docs/bot.md, "The update pipeline"). Edits and callback answers are idempotent, so kills around
them are not restricted. A press whose answer only edits the card is confirmed at its commit,
before the edit and the callback answer are sent: two lives end as such a confirmation arrives, and
the restart must deliver those answers itself, since Telegram will not deliver the press again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from conversations import callbacks as cb
from storage import open_database
from tests.bot.fake_telegram import TOKEN, FakeTelegram, FakeUser

GROUP = -100555
LEAD = 500
OFFICERS = {501: "Budi", 502: "Citra", 503: "Dewi", 504: "Eko"}
# Each life is killed as the first safe request of this kind arrives from the nth request on (its
# start counts): right after an answer's transaction (its callback answer), as a new message is
# sent (a command's reply, or the outbox's), and as a getUpdates brings a confirmation. A
# PRESS_CONFIRMED life waits for the backlog to drain, then an officer presses once more and the
# callback answer is held on its way until a getUpdates confirms that press: the kill comes then.
PRESS_CONFIRMED = "a getUpdates confirming a press before its answer"
KILLS = (("answerCallbackQuery", 5), ("sendMessage", 12), (PRESS_CONFIRMED, 0), ("getUpdates", 20),
         ("getUpdates", 6), ("answerCallbackQuery", 14), (PRESS_CONFIRMED, 0), ("sendMessage", 4))


async def prepare(path: Path) -> None:
    """An institution with a koordinator and four officers, as /start with invitations leaves it."""
    db = await open_database(path)
    async with db.transaction() as tx:
        institution = await tx.institutions.create(name="Pemerintah Kabupaten Contoh", kind="kabupaten")
        await tx.members.add(institution_id=institution.id, user_id=LEAD, display_name="Sari", role="koordinator", username="sari")
        for user_id, name in OFFICERS.items():
            await tx.members.add(institution_id=institution.id, user_id=user_id, display_name=name, role="officer",
                                 username=name.lower())
    await db.close()


def bot_command() -> list[str]:
    script = Path(sys.executable).with_name("spbe-bot")
    return [str(script), "run"] if script.exists() else [sys.executable, "-m", "bot.cli", "run"]


async def start_bot(telegram: FakeTelegram, database: Path, log: Path) -> asyncio.subprocess.Process:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SPBE_")}
    env.update(SPBE_BOT_TOKEN=TOKEN, SPBE_BOT_API_URL=telegram.base_url, SPBE_DATABASE_PATH=str(database), SPBE_LOG_LEVEL="INFO")
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(*bot_command(), cwd=database.parent, env=env, stdout=output, stderr=output)


def marked_sent(database: Path, chat_id: int, after: int) -> int:
    """How many parts for ``chat_id`` of the updates after ``after`` the bot marked sent."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        query = "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND update_id > ? AND part > 0 AND sent_at IS NOT NULL"
        return int(conn.execute(query, (chat_id, after)).fetchone()[0])


class Backlog:
    """What the users sent, and what each of it must have caused."""

    COMMANDS = ("/bantuan", "/tanya apa arti level 3 indikator 12", "bobot domain layanan")

    def __init__(self, telegram: FakeTelegram, lead: FakeUser, officers: list[FakeUser], period: int, database: Path) -> None:
        self.telegram, self.lead, self.officers, self.period, self.database = telegram, lead, officers, period, database
        self.cards = {o.id: telegram.last(o.id) for o in officers}
        self.before = {chat: len(telegram.chat_messages(chat)) for chat in (*OFFICERS, GROUP)}
        self.first_update = telegram.confirmed + 1  # setting up is done and confirmed
        self.presses: dict[str, tuple[int, int]] = {}  # query id -> (indicator, level), in the order pressed
        self.press_updates: dict[int, str] = {}  # update id -> its query id
        self.lones: list[str] = []  # the presses made alone (press_alone), the last one is ``lone``
        self.lone = ""
        self.sends: dict[int, list[int]] = {o.id: [] for o in officers}  # chat -> the updates answered with a new message
        self.group_questions = 0
        self.last_update = 0
        self.waves = 0

    async def wave(self) -> None:
        """Each officer answers 8 indicators (again, at another level, after the first wave) with
        /bantuan, /tanya or a typed question in between; 2 questions in the group."""
        for round_ in range(8):
            for index, officer in enumerate(self.officers):
                number, level = 1 + index * 8 + round_, 1 + (index + round_ + self.waves) % 5
                data = cb.make("lv", self.period, number, level)
                query = await officer.press(self.cards[officer.id], data, data=True)
                self.presses[query] = (number, level)
                self.press_updates[officer.last_update_id] = query
                if round_ == (index + self.waves) % 8:
                    await officer.send(self.COMMANDS[(index + self.waves) % 3])
                    self.sends[officer.id].append(officer.last_update_id)
            if round_ in (2, 5):
                await self.lead.send(f"/tanya bukti dukung indikator {round_ + self.waves}", chat_id=GROUP)
                self.group_questions += 1
        self.last_update = max(user.last_update_id for user in (self.lead, *self.officers))
        self.waves += 1

    async def press_alone(self) -> None:
        """One press with nothing else on its way (an indicator the waves leave alone), its
        answer held (``lone``) until Telegram has its confirmation."""
        officer, number = self.officers[len(self.lones) % len(self.officers)], 41 + len(self.lones)
        data = cb.make("lv", self.period, number, 4)
        self.lone = await officer.press(self.cards[officer.id], data, data=True)
        self.lones.append(self.lone)
        self.presses[self.lone] = (number, 4)
        self.press_updates[officer.last_update_id] = self.lone
        self.last_update = officer.last_update_id

    def new(self, chat: int) -> list[str]:
        return [m.text[:50] for m in self.telegram.chat_messages(chat)[self.before[chat]:]]

    def done(self) -> bool:
        return (self.telegram.confirmed >= self.last_update and len(self.telegram.callback_answers) >= len(self.presses)
                and all(len(self.new(chat)) >= len(updates) for chat, updates in self.sends.items())
                and len(self.new(GROUP)) >= self.group_questions)

    def safe(self) -> bool:
        """No message sent yet belongs to an update the bot has not recorded as done."""
        for chat, updates in self.sends.items():
            if len(self.new(chat)) > sum(u <= self.telegram.confirmed for u in updates):
                return False
        return len(self.new(GROUP)) <= marked_sent(self.database, GROUP, self.first_update - 1)

    def state(self) -> str:
        return (f"confirmed {self.telegram.confirmed}/{self.last_update}, presses answered "
                f"{len(self.telegram.callback_answers)}/{len(self.presses)}, replies {[len(self.new(c)) for c in self.sends]} of "
                f"{[len(s) for s in self.sends.values()]}, group {len(self.new(GROUP))}/{self.group_questions}")


async def test_every_update_takes_effect_once_through_sigkills_and_restarts(tmp_path: Path) -> None:
    database, log = tmp_path / "bot.sqlite3", tmp_path / "bot.log"
    await prepare(database)
    telegram = FakeTelegram()
    await telegram.start()
    lead = FakeUser(telegram, LEAD, "Sari")
    officers = [FakeUser(telegram, user_id, name) for user_id, name in OFFICERS.items()]
    telegram.add_group(GROUP, "Tim SPBE", {LEAD: "administrator", **dict.fromkeys(OFFICERS, "member")})
    for user in (lead, *officers):
        user.waits = False
    process = await start_bot(telegram, database, log)
    try:
        # Before the backlog: each officer's card; the group linked, which posts two messages (the
        # link confirmed, then the summary).
        for officer in officers:
            await officer.send("/mulai")
        await lead.send("/hubungkan", chat_id=GROUP)
        await telegram.until(lambda: all(telegram.chat_messages(o.id) for o in officers) and len(telegram.chat_messages(GROUP)) == 2
                             and telegram.confirmed >= lead.last_update_id, 20)
        for _ in range(500):  # and the bot has marked the group's two messages sent (a write after the send)
            if marked_sent(database, GROUP, 0):
                break
            await asyncio.sleep(0.01)
        period = int(telegram.last(officers[0].id).button("3").split(":")[1])
        backlog = Backlog(telegram, lead, officers, period, database)
        await backlog.wave()

        lives = iter(KILLS)
        life: list = [0, *next(lives)]  # requests seen, the kind of request to kill at, from which one
        held: dict[str, asyncio.Event] = {}  # a press whose answer is held, and what releases it (the kill)
        def kill() -> None:
            os.kill(process.pid, signal.SIGKILL)
            telegram.dead = True
            for released in held.values():
                released.set()
            held.clear()

        def on_request(method: str, params: dict) -> None:
            life[0] += 1
            if life[1] == PRESS_CONFIRMED:
                offset = int(params.get("offset", 0) or 0)
                confirmed = range(backlog.first_update, offset) if method == "getUpdates" else range(0)
                if any(backlog.press_updates.get(update) in held for update in confirmed):
                    kill()  # Telegram has the confirmation, the answer has not arrived: only the restart can send it
            elif method == life[1] and life[0] >= life[2] and not backlog.done() and backlog.safe():
                kill()

        async def holding(method: str, params: dict) -> None:
            if life[1] == PRESS_CONFIRMED and method == "answerCallbackQuery" and params["callback_query_id"] == backlog.lone:
                released = held[backlog.lone] = asyncio.Event()
                await released.wait()

        telegram.holding = holding

        telegram.on_request = on_request
        kills = 0
        while True:
            try:
                await telegram.until(lambda: telegram.dead or backlog.done(), 20)
            except TimeoutError:
                raise AssertionError(f"the backlog did not drain: {backlog.state()}\n{log.read_text()[-3000:]}") from None
            if telegram.dead:
                await process.wait()
                kills += 1
                telegram.dead = False
                life[:] = [0, *next(lives, ("none", 0))]
                process = await start_bot(telegram, database, log)
            elif life[1] == PRESS_CONFIRMED:
                await backlog.press_alone()  # its answer held: the kill comes with its confirmation
            elif kills < len(KILLS) and backlog.waves < 10:
                await backlog.wave()  # drained before every kill was made: more of it
            else:
                break
        assert kills == len(KILLS), f"killed {kills} times in {backlog.waves} waves: {backlog.state()}"

        # Stop the bot as an operator would; then count.
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0, log.read_text()
        assert telegram.confirmed >= backlog.last_update
        answered = [a["callback_query_id"] for a in telegram.callback_answers]
        assert sorted(answered) == sorted(backlog.presses), "every press answered exactly once"
        for chat, updates in backlog.sends.items():
            assert len(backlog.new(chat)) == len(updates), (chat, backlog.new(chat))
        assert len(backlog.new(GROUP)) == backlog.group_questions, backlog.new(GROUP)
        with sqlite3.connect(database) as conn:
            stored = dict(conn.execute("SELECT indicator, level_x100 FROM answers WHERE period_id = ?", (period,)).fetchall())
            history = dict(conn.execute("SELECT indicator, COUNT(*) FROM answer_history WHERE period_id = ? GROUP BY indicator",
                                        (period,)).fetchall())
        last = dict(backlog.presses.values())  # dicts keep the order pressed
        assert stored == {number: level * 100 for number, level in last.items()}
        assert history == dict(Counter(number for number, _ in backlog.presses.values())), "one history row per press"
        output = log.read_text()
        assert "Traceback" not in output
        assert "was handled before it was confirmed; its answer is sent again" in output  # the outbox's part 0 was used
        assert "handled just before the last stop" in output  # ... and delivered again at a start
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await telegram.stop()
