"""/ekspor and /grafik through the real bot and the fake Bot API: the files arrive (and are read
back), the chat shows "sending a document" until they do, the status message is edited as steps
finish, a linked group's lead sends to the group or privately, failures are told."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
from PIL import Image
from pypdf import PdfReader

from bot import exports
from knowledge.scoring import evaluate
from reports import jobs
from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import ApiError, FakeUser, Message
from tests.bot.teams import period_of, team

GROUP = -100200300


async def answered_team(bot: BotRun, operator: FakeUser) -> tuple[FakeUser, FakeUser]:
    """A koordinator and an officer whose institution has answered every indicator (at 2 or 3)."""
    lead, officer = await team(bot, operator)
    await officer.send("/mulai")
    period = await period_of(bot, officer.id)
    async with bot.engine.db.transaction() as tx:
        for number in range(1, 48):
            await tx.answers.save(period_id=period.id, indicator=number, level=2 + number % 2, explanation=f"Fakta {number}.",
                                  by=officer.id)
    return lead, officer


def documents(bot: BotRun, chat_id: int) -> list[Message]:
    return [m for m in bot.telegram.chat_messages(chat_id) if m.kind == "document"]


async def arrive(bot: BotRun, chat_id: int, kind: str = "document", count: int = 1) -> list[Message]:
    """Wait until ``count`` files of ``kind`` are in the chat, and the status message says sent or failed."""
    def there() -> bool:
        files = [m for m in bot.telegram.chat_messages(chat_id) if m.kind == kind]
        return len(files) >= count and status(bot, chat_id).text.startswith("✅")

    await bot.telegram.until(there, timeout=60)  # the first file of a run also builds matplotlib's font list
    return [m for m in bot.telegram.chat_messages(chat_id) if m.kind == kind]


def status(bot: BotRun, chat_id: int) -> Message:
    """The status message of the latest file (a blank one while there is none yet)."""
    found = [m for m in bot.telegram.chat_messages(chat_id) if m.kind == "text" and ("⏳" in m.text or m.text[:1] in "✅⚠")]
    return found[-1] if found else Message(chat_id, 0, "", "", None, None)


async def test_an_officer_gets_the_pdf_with_progress_shown(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await answered_team(bot, operator)
    await officer.send("/ekspor")
    menu = officer.last()
    assert "Berita acara" not in " ".join(t for t, _ in menu.buttons)  # officers are not offered it
    await officer.press(menu, "Laporan PDF")
    (document,) = await arrive(bot, officer.id)
    assert document.file_name.startswith("laporan-penilaian-mandiri_pemerintah-kabupaten-contoh_") and document.file_name.endswith(".pdf")
    assert "simulasi" in document.text  # the caption
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(document.file_content)).pages)
    period = await period_of(bot, officer.id)
    index = evaluate(bot.engine.packs.get(period.framework), await bot.engine.db.read.answers.levels(period.id)).index
    assert index is not None and f"{index.value}".replace(".", ",") in text
    assert (officer.id, "upload_document") in bot.telegram.chat_actions
    shown = status(bot, officer.id)
    assert shown.text.startswith("✅") and "terkirim" in shown.text and shown.edits >= len(jobs.STEPS["pdf"])
    assert shown.message_id < document.message_id  # the status first, then the file


async def test_the_chat_action_repeats_until_the_file_is_ready(bot: BotRun, operator: FakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    _, officer = await answered_team(bot, operator)
    ready = threading.Event()
    make = jobs.make

    def slow(*args: object) -> Iterator[object]:
        ready.wait(20)  # in the worker thread: the bot keeps running meanwhile
        yield from make(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(exports.jobs, "make", slow)
    bot.transport.files.action_seconds = 0.01
    await officer.send("/ekspor")
    await officer.press(officer.last(), "CSV")
    await bot.telegram.until(lambda: bot.telegram.chat_actions.count((officer.id, "upload_document")) >= 3)
    assert not documents(bot, officer.id)  # still being made, and the chat still shows it
    ready.set()
    (document,) = await arrive(bot, officer.id)
    assert document.file_content.startswith(b"\xef\xbb\xbf") and document.file_name.endswith(".csv")
    seen = bot.telegram.chat_actions.count((officer.id, "upload_document"))
    await officer.send("/bantuan")  # later calls: the chat action stopped with the file
    assert bot.telegram.chat_actions.count((officer.id, "upload_document")) == seen


async def test_grafik_sends_one_album_of_two_charts(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await answered_team(bot, operator)
    await officer.send("/grafik")
    photos = await arrive(bot, officer.id, "photo", 2)
    assert len(photos) == 2 and photos[0].media_group == photos[1].media_group is not None
    for photo in photos:
        assert Image.open(io.BytesIO(photo.file_content)).size == (900, 675)
    assert (officer.id, "upload_photo") in bot.telegram.chat_actions


async def test_a_linked_groups_lead_sends_to_the_group_or_privately(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await answered_team(bot, operator)
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "administrator", officer.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    await officer.send("/ekspor", chat_id=GROUP)
    assert "koordinator" in bot.telegram.last(GROUP).text  # leads only, in a group
    await lead.send("/ekspor", chat_id=GROUP)
    await lead.press(bot.telegram.last(GROUP), "Berita acara")
    where = bot.telegram.last(GROUP)
    await lead.press(where, "Ke chat pribadi saya")
    (private,) = await arrive(bot, lead.id)
    assert private.file_name.startswith("berita-acara_") and private.file_content[:2] == b"PK"
    assert not documents(bot, GROUP)
    await lead.press(where, "Ke grup ini")
    (shared,) = await arrive(bot, GROUP)
    assert shared.file_name == private.file_name


async def test_a_private_delivery_to_someone_the_bot_cannot_write_is_told_in_the_group(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await answered_team(bot, operator)
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "administrator", officer.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    await lead.send("/ekspor", chat_id=GROUP)
    await lead.press(bot.telegram.last(GROUP), "Lembar kerja")
    bot.telegram.fail_next["sendMessage"] = ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    await lead.press(bot.telegram.last(GROUP), "Ke chat pribadi saya")
    await bot.telegram.until(lambda: "belum bisa mengirim pesan pribadi" in bot.telegram.last(GROUP).text)
    assert not documents(bot, lead.id) and not documents(bot, GROUP)


async def test_a_file_that_cannot_be_made_is_told_in_the_status(bot: BotRun, operator: FakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    _, officer = await answered_team(bot, operator)

    def broken(*args: object) -> Iterator[object]:
        yield "sheets"
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(exports.jobs, "make", broken)
    await officer.send("/ekspor")
    await officer.press(officer.last(), "Lembar kerja")
    await bot.telegram.until(lambda: status(bot, officer.id).text.startswith("⚠️"))
    assert "gagal" in status(bot, officer.id).text and not documents(bot, officer.id)
    await officer.send("/ringkasan")  # and the bot goes on
    assert "Indeks" in officer.last().text
