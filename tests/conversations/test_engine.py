"""The conversation state machine without Telegram: events in, replies and stored positions out."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from conversations.context import EngineConfig
from conversations.engine import Engine
from conversations.events import Chat, Command, Edited, Press, Text, Upload, User
from conversations.replies import Outcome, Reply
from knowledge.packs import PackRegistry
from storage import open_database
from storage.models import Role

OPERATOR = 1


class Client:
    """One user talking to the engine in private chat; remembers the buttons of the last replies."""

    _updates = itertools.count(1)

    def __init__(self, engine: Engine, user_id: int, name: str) -> None:
        self.engine = engine
        self.user = User(user_id, name)
        self.chat = Chat(user_id, "private")
        self.last: Outcome = Outcome()

    async def _handle(self, event) -> Outcome:
        self.last = await self.engine.handle(event)
        return self.last

    async def command(self, name: str, args: str = "") -> Outcome:
        return await self._handle(Command(self.user, self.chat, next(self._updates), name=name, args=args))

    async def text(self, text: str, update_id: int | None = None) -> Outcome:
        return await self._handle(Text(self.user, self.chat, update_id or next(self._updates), text=text))

    async def press(self, label: str, **args: object) -> Outcome:
        """Press the button of the last replies whose template label (and args) match."""
        for reply in self.last.replies:
            for row in reply.buttons:
                for button in row:
                    if button.label == label and all(button.args.get(k) == v for k, v in args.items()):
                        return await self._handle(Press(self.user, self.chat, next(self._updates), data=button.data))
        raise AssertionError(f"no button {label} {args} in {[[b.label for b in r] for x in self.last.replies for r in x.buttons]}")

    async def edit(self, message_id: int = 1) -> Outcome:
        return await self._handle(Edited(self.user, self.chat, next(self._updates), message_id=message_id))

    async def upload(self, kind: str, file_id: str | None = "f") -> Outcome:
        unique = None if file_id is None else "u"
        return await self._handle(Upload(self.user, self.chat, next(self._updates), kind=kind, file_id=file_id, file_unique_id=unique))

    async def position(self):
        return await self.engine.db.read.positions.get(self.user.id)

    def reply(self) -> Reply:
        return self.last.replies[-1]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    db = await open_database(tmp_path / "engine.sqlite3")
    yield Engine(db, PackRegistry.load(), EngineConfig(admin_ids=frozenset({OPERATOR})))
    await db.close()


async def officer_of_new_institution(engine: Engine) -> Client:
    async with engine.db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Contoh", kind="kota")
        await tx.members.add(institution_id=institution.id, user_id=50, display_name="Wati", role=Role.OFFICER)
    return Client(engine, 50, "Wati")


async def test_start_offers_what_the_user_can_do(engine: Engine) -> None:
    stranger = Client(engine, 77, "Tamu")
    await stranger.command("start")
    labels = [b.label for row in stranger.reply().buttons for b in row]
    assert labels == ["join_code", "ask_question"]
    operator = Client(engine, OPERATOR, "Op")
    await operator.command("start")
    assert "new_institution" in [b.label for row in operator.reply().buttons for b in row]


async def test_a_level_then_a_penjelasan_then_the_next_card(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    assert officer.reply().view == "card" and officer.reply().card
    assert (await officer.position()).indicator == 1

    await officer.press("level", level=4)
    assert officer.reply().view == "saved" and officer.reply().edit
    position = await officer.position()
    assert (position.indicator, position.awaiting) == (1, "penjelasan")

    await officer.text("Fakta: Perwal 2/2024. Analisis: lengkap.")
    assert [r.view for r in officer.last.replies] == ["short:explanation_saved", "card"]
    position = await officer.position()
    assert (position.indicator, position.awaiting) == (2, None)
    answer = await engine.db.read.answers.get(position.period_id, 1)
    assert (int(answer.level), answer.explanation) == (4, "Fakta: Perwal 2/2024. Analisis: lengkap.")


async def test_a_command_while_a_penjelasan_is_awaited_drops_the_wait(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await officer.press("level", level=2)
    await officer.command("daftar")
    assert officer.reply().view == "list" and (await officer.position()).awaiting is None
    await officer.text("bukti dukung manajemen risiko")  # now a question, not a penjelasan
    assert officer.reply().view == "answer"
    period = (await officer.position()).period_id
    assert (await engine.db.read.answers.get(period, 1)).explanation is None


async def test_jump_waits_for_a_number_until_cancelled(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat")
    assert (await officer.position()).awaiting == "jump"
    await officer.upload("sticker")
    assert officer.reply().view == "short:need_text"
    await officer.command("batal")
    assert officer.reply().view == "short:cancelled" and (await officer.position()).awaiting is None
    await officer.command("batal")
    assert officer.reply().view == "short:nothing_to_cancel"
    await officer.command("loncat", "31")
    assert officer.reply().view == "card" and (await officer.position()).indicator == 31


async def test_the_guided_mode_walks_up_and_stops_at_the_first_unmet_level(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "21")
    await officer.press("guided")
    assert (await officer.position()).awaiting == "guided"
    assert officer.reply().view == "guided" and officer.reply().data["level"] == 2
    await officer.press("yes")
    await officer.press("yes")
    assert officer.reply().data["level"] == 4
    await officer.press("no")
    result = officer.reply()
    assert (result.view, result.data["proposed"], result.data["failed"]) == ("guided_result", 3, 4)
    assert (await officer.position()).awaiting is None


async def test_an_update_seen_twice_changes_nothing_the_second_time(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await officer.press("level", level=3)
    await officer.text("Penjelasan pertama.", update_id=9999)
    position = await officer.position()
    again = await officer.text("Penjelasan pertama.", update_id=9999)
    assert again.replies == [] and await officer.position() == position
    history = await engine.db.read.answers.history(position.period_id, 1)
    assert len(history) == 2  # the answer, then its penjelasan; the repeat wrote nothing


async def test_the_position_outlives_the_engine(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "17")
    restarted = Engine(engine.db, engine.packs, engine.config)  # a new process on the same database
    again = Client(restarted, officer.user.id, "Wati")
    await again.command("mulai")
    assert again.reply().view == "card" and again.reply().data["ind"].number == 17


async def test_an_edited_message_is_never_input(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await officer.press("level", level=4)
    await officer.text("Penjelasan pertama.")
    await officer.press("level", level=3)  # indicator 2 now waits for its penjelasan
    position = await officer.position()
    assert (position.indicator, position.awaiting) == (2, "penjelasan")

    await officer.edit()  # e.g. the penjelasan of indicator 1, edited afterwards
    assert [r.view for r in officer.last.replies] == ["short:edit_not_read"]
    assert await officer.position() == position
    assert (await engine.db.read.answers.get(position.period_id, 1)).explanation == "Penjelasan pertama."
    assert (await engine.db.read.answers.get(position.period_id, 2)).explanation is None

    group = Chat(-100123, "supergroup", "Tim SPBE")
    assert (await engine.handle(Edited(officer.user, group, 777_001, message_id=5))).replies == []  # groups: no reply
    assert await officer.position() == position


async def test_content_that_is_no_file_gets_a_reply_and_is_not_kept(engine: Engine) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("loncat", "4")
    for kind in ("dice", "venue", "poll", "photo"):  # a photo without a file id cannot be kept either
        await officer.upload(kind, file_id=None)
        assert (officer.reply().view, officer.reply().data) == ("short:upload_not_supported", {"kind": kind})
    await officer.command("loncat", "4")
    await officer.press("level", level=2)
    await officer.upload("dice", file_id=None)
    assert officer.reply().view == "short:need_text" and (await officer.position()).awaiting == "penjelasan"
    period = (await officer.position()).period_id
    assert await engine.db.read.evidence.for_answer(period, 4) == []


async def test_replies_in_a_forum_topic_stay_in_it_and_messages_to_other_chats_carry_none(engine: Engine) -> None:
    async with engine.db.transaction() as tx:
        institution = await tx.institutions.create(name="Kota Contoh", kind="kota")
        await tx.members.add(institution_id=institution.id, user_id=60, display_name="Sari", role=Role.KOORDINATOR)
        await tx.members.add(institution_id=institution.id, user_id=50, display_name="Wati", role=Role.OFFICER)
        await tx.members.set_username(50, "wati")
    lead = User(60, "Sari")
    general, topic = Chat(-100900, "supergroup", "Forum SPBE"), Chat(-100900, "supergroup", "Forum SPBE", thread_id=7)
    linked = await engine.handle(Command(lead, general, 1, chat_admin=True, name="hubungkan"))
    assert [r.thread_id for r in linked.replies] == [None, None]

    assigned = await engine.handle(Command(lead, topic, 2, name="tugaskan", args="5 @wati"))
    assert [(r.view, r.chat_id, r.thread_id) for r in assigned.replies] == [
        ("short:assigned", None, 7), ("short:assigned_to_you", 50, None)]
    progress = await engine.handle(Command(lead, topic, 3, name="progres"))
    assert [(r.summary, r.chat_id, r.thread_id) for r in progress.replies] == [(True, -100900, 7)]
    asked = await engine.handle(Command(lead, topic, 4, name="tanya", args="bobot domain layanan"))
    assert [(r.view, r.thread_id) for r in asked.replies] == [("answer", 7)]
    assert (await engine.group_summary(-100900)).thread_id is None  # a refresh after an answer: no topic
