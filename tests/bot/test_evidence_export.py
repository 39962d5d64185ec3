"""The evidence ZIP through the real bot and the fake Bot API: the files members sent, named by
code and indicator, and the register, read back with zipfile and openpyxl; over the 50 MB a bot may
send (a small limit here) it comes in parts, each under the limit with the whole register; a
linked group's lead gets it privately; a document Telegram refuses is told in the status."""

from __future__ import annotations

import io
import random
import zipfile

import openpyxl

from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import FakeUser, Message
from tests.bot.teams import team
from tests.bot.test_exports import GROUP, arrive, documents, status

NOISE = random.Random(7)
FILES = {name: b"%PDF-1.7\n" + NOISE.randbytes(20_000) for name in ("perbup-12.pdf", "notulen.pdf", "sk-tim.pdf")}


async def with_files(bot: BotRun, operator: FakeUser) -> tuple[FakeUser, FakeUser]:
    """A koordinator, and an officer who sent three documents: for indicators 12, 13 and 14."""
    lead, officer = await team(bot, operator)
    for number, (name, content) in zip((12, 13, 14), FILES.items(), strict=True):
        await officer.send(f"/loncat {number}")
        await officer.send_document(name, content=content)
    return lead, officer


def read_back(data: bytes) -> tuple[dict[str, bytes], list[dict[str, object]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(files.pop("Register-bukti-dukung.xlsx"))).active.iter_rows(values_only=True)]
    return files, [dict(zip(rows[3], row, strict=True)) for row in rows[4:]]


async def take_zip(user: FakeUser, chat_id: int | None = None) -> None:
    await user.send("/ekspor", chat_id=chat_id)
    menu: Message = user.telegram.last(chat_id or user.id)
    await user.press(menu, "ZIP bukti dukung")


async def test_an_officer_gets_every_file_by_code_and_indicator_and_the_register(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await with_files(bot, operator)
    await take_zip(officer)
    (document,) = await arrive(bot, officer.id)
    assert document.file_name.startswith("bukti-dukung_pemerintah-kabupaten-contoh_") and document.file_name.endswith(".zip")
    assert "ZIP bukti dukung" in document.text and "bagian" not in document.text  # the caption
    files, register = read_back(document.file_content)
    assert files == {"Indikator-12/B-001_Ind12_perbup-12.pdf": FILES["perbup-12.pdf"],
                     "Indikator-13/B-002_Ind13_notulen.pdf": FILES["notulen.pdf"],
                     "Indikator-14/B-003_Ind14_sk-tim.pdf": FILES["sk-tim.pdf"]}
    assert [(r["Kode"], r["Indikator"], r["Status tinjauan"], r["Berkas di ZIP"]) for r in register] == [
        ("B-001", 12, "belum ditinjau", "Indikator-12/B-001_Ind12_perbup-12.pdf"),
        ("B-002", 13, "belum ditinjau", "Indikator-13/B-002_Ind13_notulen.pdf"),
        ("B-003", 14, "belum ditinjau", "Indikator-14/B-003_Ind14_sk-tim.pdf")]
    shown = status(bot, officer.id)
    assert shown.text.startswith("✅") and "terkirim" in shown.text and "membaca berkas" in shown.text
    assert (officer.id, "upload_document") in bot.telegram.chat_actions


async def test_over_the_limit_the_zip_comes_in_parts_each_with_the_register(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await with_files(bot, operator)
    bot.telegram.document_limit = bot.transport.files.document_limit = 55_000  # two files a part, as 50 MB would be for big ones
    await take_zip(officer)
    parts = await arrive(bot, officer.id, count=2)
    assert [p.file_name.rsplit("_", 1)[-1] for p in parts] == ["bagian-1-dari-2.zip", "bagian-2-dari-2.zip"]
    assert "bagian 1 dari 2: berkas B-001 sampai B-002" in parts[0].text and "bagian 2 dari 2: berkas B-003 sampai B-003" in parts[1].text
    seen: dict[str, bytes] = {}
    for number, part in enumerate(parts, 1):
        assert len(part.file_content) <= 55_000
        files, register = read_back(part.file_content)
        seen.update(files)
        assert [r["Kode"] for r in register] == ["B-001", "B-002", "B-003"]  # the whole register in every part
        for row in register:
            where = "bagian 1 dari 2: " if row["Kode"] != "B-003" else "bagian 2 dari 2: "
            assert str(row["Berkas di ZIP"]).startswith(where)
            assert (str(row["Berkas di ZIP"]).removeprefix(where) in files) == where.startswith(f"bagian {number}")
    assert sorted(seen.values()) == sorted(FILES.values())  # every file once over the parts
    shown = status(bot, officer.id).text
    assert "terkirim dalam 2 bagian" in shown and "register lengkap" in shown


async def test_a_document_telegram_refuses_is_told_in_the_status(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await with_files(bot, operator)
    bot.telegram.document_limit = 30_000  # Telegram smaller than the bot believes
    await take_zip(officer)
    await bot.telegram.until(lambda: status(bot, officer.id).text.startswith("⚠️"))
    assert "gagal" in status(bot, officer.id).text and not documents(bot, officer.id)


async def test_a_linked_groups_lead_gets_the_zip_privately_never_in_the_group(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await with_files(bot, operator)
    bot.telegram.add_group(GROUP, "Tim SPBE", {lead.id: "administrator", officer.id: "member"})
    await lead.send("/hubungkan", chat_id=GROUP)
    await take_zip(lead, GROUP)  # no "to this group" question
    (private,) = await arrive(bot, lead.id)
    files, _ = read_back(private.file_content)
    assert len(files) == 3 and not documents(bot, GROUP)
