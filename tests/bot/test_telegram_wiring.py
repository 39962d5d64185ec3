"""How Telegram updates reach the engine: commands and their arguments, edits, every kind of message."""

from __future__ import annotations

import pytest

from bot.console import Console
from conversations.events import Command, Event, User
from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import BOT_USERNAME, FakeFile, FakeUser
from tests.bot.teams import card_number, period_of, team


def record_events(bot: BotRun, monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """Every event the engine handles from now on, in order."""
    seen: list[Event] = []
    handle = bot.engine.handle

    async def recording(event: Event, **options: object):
        seen.append(event)
        return await handle(event, **options)

    monkeypatch.setattr(bot.engine, "handle", recording)
    return seen


async def test_a_command_followed_by_a_newline_keeps_its_arguments(
    bot: BotRun, operator: FakeUser, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, officer = await team(bot, operator)
    seen = record_events(bot, monkeypatch)
    await officer.send("/loncat\n12")
    assert card_number(officer.last()) == 12
    await officer.send(f"/loncat@{BOT_USERNAME}\n31")
    assert card_number(officer.last()) == 31
    await officer.send("/loncat\t 7 ")
    assert card_number(officer.last()) == 7
    assert [(e.name, e.args) for e in seen if isinstance(e, Command)] == [("loncat", "12"), ("loncat", "31"), ("loncat", "7")]

    await officer.send("/tanya\napa arti level 3\nindikator 12")
    assert seen[-1].args == "apa arti level 3\nindikator 12"  # the lines of the question are kept
    assert "Indikator 12" in officer.last().text and "Level 3" in officer.last().text

    bot.telegram.add_group(-100500, "Tim SPBE", {officer.id: "member"})
    await officer.send(f"/tanya@{BOT_USERNAME}\nbobot domain layanan", chat_id=-100500)  # a group command, not "private only"
    assert (seen[-1].name, seen[-1].args) == ("tanya", "bobot domain layanan")
    assert "Layanan SPBE" in bot.telegram.last(-100500).text


def test_the_console_splits_a_command_at_any_whitespace() -> None:
    console = Console(engine=None, user=User(1, "Op"), out=None)  # type: ignore[arg-type]
    for line, expected in [
        ("/loncat 12", ("loncat", "12")),
        ("/loncat\t12", ("loncat", "12")),
        ("/tanya\napa arti\nlevel 3", ("tanya", "apa arti\nlevel 3")),
        ("/Mulai", ("mulai", "")),
        ("/loncat@spbe_bot 4", ("loncat", "4")),
    ]:
        event = console.event_for(line)
        assert isinstance(event, Command) and (event.name, event.args) == expected, line


async def test_an_edited_message_is_answered_but_never_taken_as_input(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/mulai")
    await officer.press(officer.last(), "4")
    await officer.press(officer.last(), "Penjelasan 1")
    first = await officer.send("Fakta: Perbup 7/2024. Analisis: memenuhi level 4.")
    await officer.press(officer.last(), "3")
    await officer.press(officer.last(), "Penjelasan 2")  # indicator 2 now waits for its penjelasan
    period = await period_of(bot, officer.id)
    position = await bot.engine.db.read.positions.document(officer.id)

    await officer.edit(first, "Fakta: Perbup 8/2024 (diralat).")  # an edit of the old penjelasan
    assert "diedit tidak saya baca ulang" in officer.last().text and "pesan baru" in officer.last().text
    assert (await bot.engine.db.read.answers.get(period.id, 1)).explanation.startswith("Fakta: Perbup 7/2024")
    assert (await bot.engine.db.read.answers.get(period.id, 2)).explanation is None
    assert await bot.engine.db.read.positions.document(officer.id) == position
    await officer.edit(first, "x" * 8500)  # not input either, so not "too long"
    assert "diedit tidak saya baca ulang" in officer.last().text
    await officer.send("Fakta: SK Bupati 3/2024. Analisis: level 3.")  # a new message is read
    assert (await bot.engine.db.read.answers.get(period.id, 2)).explanation.startswith("Fakta: SK Bupati")

    jump = await officer.send("/loncat 5")
    await officer.edit(jump, "/loncat 9")  # an edited command does not run either
    assert "diedit tidak saya baca ulang" in officer.last().text
    assert '"indicator":5' in (await bot.engine.db.read.positions.document(officer.id) or "")

    bot.telegram.add_group(-100500, "Tim SPBE", {officer.id: "member"})
    asked = await officer.send("/tanya bobot domain layanan", chat_id=-100500)
    in_group = len(bot.telegram.chat_messages(-100500))
    await officer.edit(asked, "/tanya predikat")
    assert len(bot.telegram.chat_messages(-100500)) == in_group  # no reply in a group


def test_telegram_is_asked_for_edits() -> None:
    from bot.cli_bot import ALLOWED_UPDATES

    assert "edited_message" in ALLOWED_UPDATES


POLL = {"id": "p1", "question": "Rapat tim hari apa?", "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
        "type": "regular", "allows_multiple_answers": False, "allows_revoting": True, "members_only": False,
        "options": [{"persistent_id": "o1", "text": "Senin", "voter_count": 0},
                    {"persistent_id": "o2", "text": "Selasa", "voter_count": 0}]}
PHOTO = [{"file_id": "photo-9", "file_unique_id": "ph9", "width": 90, "height": 90, "file_size": 1500}]
OTHER_KINDS = {
    "poll": {"poll": POLL},
    "location": {"location": {"latitude": -7.55, "longitude": 110.83}},
    "contact": {"contact": {"phone_number": "+62812000111", "first_name": "Ani"}},
    "story": {"story": {"chat": {"id": -100777, "type": "channel", "title": "Kanal Dinas"}, "id": 5}},
    "game": {"game": {"title": "Kuis", "description": "Kuis SPBE", "photo": PHOTO}},
}


async def test_a_dice_a_venue_and_every_other_kind_of_message_get_a_reply(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send_dice()
    assert "Berkas jenis dice tidak disimpan" in officer.last().text and "dokumen" in officer.last().text
    await officer.send_venue()  # a venue also carries a location: it is named a venue
    assert "Berkas jenis venue tidak disimpan" in officer.last().text
    for kind, content in OTHER_KINDS.items():
        sent = len(bot.telegram.chat_messages(officer.id))
        await officer.send_content(**content)
        assert len(bot.telegram.chat_messages(officer.id)) == sent + 1, kind
        assert f"Berkas jenis {kind} tidak disimpan" in officer.last().text, kind

    await officer.send("/mulai")
    await officer.press(officer.last(), "3")
    await officer.press(officer.last(), "Penjelasan 1")
    await officer.send_venue()  # where a penjelasan is awaited
    assert "menunggu penjelasan berupa teks" in officer.last().text
    await officer.send_dice()
    assert "menunggu penjelasan berupa teks" in officer.last().text
    period = await period_of(bot, officer.id)
    assert (await bot.engine.db.read.answers.get(period.id, 1)).explanation is None
    assert await bot.engine.db.read.evidence.for_answer(period.id, 1) == []

    bot.telegram.files["photo-9"] = FakeFile("photo-9", "ph9", 1500, b"\xff\xd8" + b"p" * 1498)
    live = {"file_id": "live-1", "file_unique_id": "lv1", "width": 90, "height": 90, "duration": 3, "photo": PHOTO}
    await officer.send_content(live_photo=live, photo=PHOTO)  # its still photo is kept as a photo
    assert "dicatat sebagai bukti dukung indikator 1" in officer.last().text
    kept = await bot.engine.db.read.evidence.for_answer(period.id, 1)
    assert [(e.kind, e.file_id) for e in kept] == [("photo", "photo-9")]


def test_only_a_forum_topic_is_a_topic() -> None:
    from datetime import UTC, datetime

    from telegram import Chat, Message

    from bot.updates import topic_of

    group = Chat(-100300, "supergroup", title="Tim")
    now = datetime.now(UTC)
    assert topic_of(Message(1, now, group, message_thread_id=7, is_topic_message=True, text="/progres")) == 7
    assert topic_of(Message(2, now, group, message_thread_id=40, text="a reply in a thread of replies")) is None
    assert topic_of(Message(3, now, group, text="in General")) is None
    assert topic_of(None) is None
