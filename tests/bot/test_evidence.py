"""Evidence through the real bot and the fake Bot API: files downloaded with getFile and kept once
by hash (in a folder, or an S3 bucket on moto's server), the register, the review told privately
with the note verbatim, the revision and its correction, the checklist, and the 20 MB limit."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.files import sha256_of
from tests.bot.conftest import OPERATOR_ID, BotRun, running_bot
from tests.bot.fake_telegram import FakeUser, visible_text
from tests.bot.teams import card_number, period_of, team
from tests.s3 import S3Endpoint, moto_server, s3  # noqa: F401  (fixtures: an S3 endpoint on 127.0.0.1)

PERBUP = b"%PDF-1.7\n" + b"Peraturan Bupati Nomor 12 Tahun 2023 tentang Peta Rencana SPBE\n" * 50


async def claimed_with_a_file(officer: FakeUser) -> None:
    """Indicator 12 answered at level 3, then its card opened again and a document sent for it."""
    await officer.send("/loncat 12")
    await officer.press(officer.last(), "3")
    await officer.send("/loncat 12")
    await officer.send_document("peta-rencana.pdf")


def stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("??/*") if p.is_file())


async def test_a_document_is_downloaded_kept_once_by_hash_and_registered(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    folder = bot.settings.file_store().folder
    await officer.send("/loncat 12")
    await officer.send_document("perbup-12-2023.pdf", content=PERBUP, caption="Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE")
    reply = officer.last().text
    assert "B-001 Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE dicatat sebagai bukti dukung indikator 12 (1 berkas)" in reply
    assert "No. 12 · 2023" in reply and "sampai 20 MB" in reply and "2 Kebijakan Peta Rencana SPBE" in reply
    assert [m for m, _ in bot.telegram.calls if m == "getFile"] == ["getFile"] and len(bot.telegram.downloads) == 1
    digest = sha256_of(PERBUP)
    assert [p.name for p in stored_files(folder)] == [digest] and (folder / digest[:2] / digest).read_bytes() == PERBUP

    await officer.press(officer.last(), "Ind. 2")  # the suggestion: it supports indicator 2 too
    await officer.send("/loncat 13")
    await officer.send_document("salinan.pdf", content=PERBUP, file_id="another-upload", unique_id="u-another")  # same content
    assert "sudah ada di register sebagai B-001, jadi tidak disimpan dua kali" in officer.last().text
    await officer.send_document("perbup-12-2023.pdf", content=PERBUP)  # the same Telegram file: not downloaded again
    assert len(bot.telegram.downloads) == 2 and len(stored_files(folder)) == 1
    period = await period_of(bot, officer.id)
    item = (await bot.engine.db.read.evidence.register(period.institution_id))[0]
    assert await bot.engine.db.read.evidence.uses(item.id) == [(period.id, 2), (period.id, 12), (period.id, 13)]

    await officer.send_photo(content=b"\xff\xd8 rapat reviu", caption="Dokumentasi rapat reviu 2024")
    assert "B-002 Dokumentasi rapat reviu 2024" in officer.last().text
    assert bot.telegram.downloads[-1] == bot.telegram.files["photo-1"].path  # the largest size, not the thumbnail

    await officer.send("/bukti")
    register = officer.last()
    assert "B-001" in register.text and "⏳2, ⏳12, ⏳13" in register.text and "B-002" in register.text
    await officer.press(register, "B-001")
    await officer.press(officer.last(), "Kirim berkas")
    sent = officer.last()
    assert sent.kind == "document" and sent.file_content == PERBUP and sent.file_name.startswith("B-001_")


async def test_the_review_is_told_privately_with_the_note_verbatim_and_a_correction_closes_it(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await team(bot, operator)
    await claimed_with_a_file(officer)
    await lead.send("/bukti B-001")
    await lead.press(lead.last(), "Tinjau ind. 12")
    await lead.press(lead.last(), "Perlu revisi")
    assert "Tulis catatan untuk pengirim B-001" in lead.last().text
    note = "Muatan 5–7 <tidak> terbaca & tanda tangan belum ada.\nPindai ulang halaman 4."
    told_before = len(bot.telegram.chat_messages(officer.id))
    await lead.send(note)
    assert "Tinjauan tersimpan: B-001 untuk indikator 12 perlu revisi" in bot.telegram.chat_messages(lead.id)[-2].text
    told = bot.telegram.chat_messages(officer.id)[told_before:]
    assert len(told) == 1 and "perlu revisi" in told[0].text and "Catatan dari Sari" in told[0].text
    assert note in told[0].text and html.escape(note, quote=False) in told[0].raw_text  # verbatim, as the lead wrote it
    assert visible_text(told[0].raw_text, "HTML").count(note) == 1

    await officer.send("/revisi")
    assert "B-001 → ind. 12" in officer.last().text and note in officer.last().text
    await lead.send("/revisi")
    assert "Budi (1): B-001→12" in lead.last().text
    await officer.press(told[0], "Kirim perbaikan B-001")
    await officer.send("ini perbaikannya")
    assert "Saya menunggu berkas perbaikannya" in officer.last().text
    await officer.send_document("peta-rencana-v2.pdf")
    assert "B-002" in officer.last().text and "perbaikan untuk indikator 12" in officer.last().text
    assert "Budi mengirim perbaikan B-002 untuk B-001 (indikator 12)" in lead.last().text
    await lead.press(lead.last(), "Tinjau B-002")
    await lead.press(lead.last(), "Diterima")
    assert "diterima" in officer.last().text and "B-002" in officer.last().text
    await officer.send("/riwayat 12")
    history = officer.last().text
    assert "tinjauan B-001: perlu revisi" in history and note in history and "perbaikan B-002 dikirim untuk B-001" in history
    assert "tinjauan B-002: diterima" in history
    await officer.send("/revisi")
    assert "Tidak ada revisi terbuka" in officer.last().text


async def test_the_card_shows_the_checklist_and_progres_the_gaps(bot: BotRun, operator: FakeUser) -> None:
    lead, officer = await team(bot, operator)
    await claimed_with_a_file(officer)
    card = bot.telegram.chat_messages(officer.id)[-2]
    assert card_number(card) == 12
    await officer.press(card, "📎 Bukti dukung")
    checklist = card  # the card became the checklist, in place
    assert "Level 3 (diklaim)" in checklist.text and "Level 4" in checklist.text
    assert "Dokumen Peta Rencana SPBE yang terdokumentasi formal dan memuat semua muatan" in checklist.text
    await lead.send("/progres")
    assert "Kekurangan bukti pada level yang diklaim: 1 butir di 1 indikator (belum ada 0, belum dicek 1)" in lead.last().text
    await officer.press(checklist, "▫️ 3.1")
    await officer.press(checklist, "B-001")
    assert "Ditunjukkan oleh: B-001" in checklist.text
    await officer.press(checklist, "Daftar bukti")
    assert "✅ 3.1" in checklist.text and "B-001 ⏳" in checklist.text
    await lead.send("/progres")
    assert "Kekurangan bukti" not in lead.last().text
    await lead.send("/ringkasan")
    assert "Indeks SPBE: 3,00" in lead.last().text  # over the indicators answered: 12 at level 3
    assert "Hanya bukti diterima: 1,00 — Kurang" in lead.last().text  # level 3 not counted until its file is accepted
    await lead.send("/bukti B-001")
    await lead.press(lead.last(), "Tinjau ind. 12")
    await lead.press(lead.last(), "Diterima")
    await lead.send("/ringkasan")
    summary = lead.last()
    assert "Hanya bukti diterima: 3,00 — Baik" in summary.text
    await lead.press(summary, "Bukti diterima")
    assert "Aturannya:" in lead.last().text and "diterima 1" in lead.last().text


async def test_a_file_over_the_download_limit_is_refused_and_nothing_is_kept(bot: BotRun, operator: FakeUser) -> None:
    _, officer = await team(bot, operator)
    await officer.send("/loncat 12")
    await officer.send_document("scan-besar.pdf", size=25 * 1024 * 1024)  # Telegram says its size: no getFile at all
    assert "Berkas ini 25,0 MB; bot Telegram hanya dapat mengunduh berkas sampai 20 MB" in officer.last().text
    assert "getFile" not in [m for m, _ in bot.telegram.calls]
    await officer.send_document("tanpa-ukuran.pdf", size=21 * 1024 * 1024, tell_size=False)  # getFile refuses it
    assert "lebih dari 20 MB, batas unduh bot Telegram" in officer.last().text
    assert [m for m, _ in bot.telegram.calls].count("getFile") == 1 and bot.telegram.downloads == []
    await officer.send_document("aplikasi.exe", mime="application/octet-stream")
    assert "Berkas .exe tidak diterima sebagai bukti dukung" in officer.last().text
    period = await period_of(bot, officer.id)
    assert await bot.engine.db.read.evidence.register(period.institution_id) == []
    assert stored_files(bot.settings.file_store().folder) == []


@pytest.fixture
async def bot_on_s3(tmp_path: Path, s3: S3Endpoint) -> AsyncIterator[BotRun]:  # noqa: F811
    async with running_bot(tmp_path, evidence_s3_bucket=s3.bucket, evidence_s3_endpoint=s3.url, evidence_s3_prefix="spbe/") as run:
        yield run


async def test_with_an_s3_bucket_the_files_are_kept_there(bot_on_s3: BotRun, s3: S3Endpoint) -> None:  # noqa: F811
    import boto3

    operator = FakeUser(bot_on_s3.telegram, OPERATOR_ID, "Operator")
    _, officer = await team(bot_on_s3, operator)
    await officer.send("/loncat 12")
    await officer.send_document("perbup.pdf", content=PERBUP)
    await officer.send("/loncat 2")
    await officer.send_document("perbup-lagi.pdf", content=PERBUP, file_id="other", unique_id="u-other")
    client = boto3.client("s3", endpoint_url=s3.url, region_name="us-east-1")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])]
    digest = sha256_of(PERBUP)
    assert keys == [f"spbe/{digest[:2]}/{digest}"]
    assert client.get_object(Bucket=s3.bucket, Key=keys[0])["Body"].read() == PERBUP
    assert not bot_on_s3.settings.file_store().folder.exists()  # nothing in a local folder
    await officer.send("/bukti B-001")
    await officer.press(officer.last(), "Kirim berkas")
    assert officer.last().file_content == PERBUP
    await bot_on_s3.restart()  # a second replica, or a restart, finds them in the bucket
    await officer.send("/bukti B-001")
    await officer.press(officer.last(), "Kirim berkas")
    assert officer.last().file_content == PERBUP
