"""The evidence ZIP read back with independent readers (zipfile, openpyxl): every stored file under
its code and indicator, once per indicator, and the register workbook with the reviews verbatim."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from bot.catalogs import load_translations
from conversations import callbacks as cb
from conversations.engine import Engine
from conversations.register import zip_items
from reports.evidence_zip import EvidenceItem, Support, build_evidence_zip, member_name
from storage.files import read_or_none, sha256_of
from storage.models import Role
from tests.conversations.conftest import PACKS, Client, fake_files, institution_with

JAKARTA = ZoneInfo("Asia/Jakarta")


class Words:
    """The catalog texts, plain, as the bot's report words give them."""

    def __init__(self, lang: str) -> None:
        self.translations = load_translations()[lang]

    def text(self, key: str, /, **args: object) -> str:
        return self.translations.gettext(key) % args


def read_back(data: bytes) -> tuple[dict[str, bytes], list[list[object]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    register = next(name for name in files if name.endswith(".xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(files.pop(register))).active
    return files, [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_each_file_is_named_by_its_code_and_indicator_and_the_register_lists_every_item() -> None:
    perbup, foto = b"%PDF perbup", b"\xff\xd8 foto"
    sent = datetime(2026, 12, 1, 10, 5, tzinfo=JAKARTA)
    items = [
        EvidenceItem("B-001", "Perbup No. 12 Tahun 2023", "document", "Wati", sent, sha256_of(perbup), "perbup 12 (2023).pdf", len(perbup),
                     "12", None, 2023, (Support(2, "Kebijakan Peta Rencana SPBE", 2, "accepted", None, "Sari", sent),
                                        Support(12, "Peta Rencana SPBE", 3, "revision", "Muatan 5–7 tidak terbaca.\nPindai ulang.", "Sari",
                                                sent))),
        EvidenceItem("B-002", "Foto rapat", "photo", "Budi", sent, sha256_of(foto), None, len(foto), None, date(2026, 11, 3)),
        EvidenceItem("B-003", "scan lama.pdf", "document", "Budi", sent, None, "scan lama.pdf", None,
                     supports=(Support(12, "Peta Rencana SPBE"),)),
        EvidenceItem("B-004", "hilang.pdf", "document", "Budi", sent, sha256_of(b"gone"), "hilang.pdf", 4,
                     supports=(Support(13, "Keterpaduan Rencana & Anggaran"),)),
    ]
    store = {sha256_of(perbup): perbup, sha256_of(foto): foto}

    async def read(sha256: str) -> bytes | None:
        return store.get(sha256)

    data = await build_evidence_zip(items, read, Words("id"), title="Register bukti dukung · Kota Contoh 2026")
    assert data == await build_evidence_zip(items, read, Words("id"), title="Register bukti dukung · Kota Contoh 2026")  # repeatable
    files, rows = read_back(data)
    assert files == {
        "Indikator-02/B-001_Ind02_perbup-12-2023.pdf": perbup,
        "Indikator-12/B-001_Ind12_perbup-12-2023.pdf": perbup,
        "Tanpa-indikator/B-002_Foto-rapat.jpg": foto,
    }
    assert rows[0][0] == "Register bukti dukung · Kota Contoh 2026"
    header = rows[3]
    assert header[:3] == ["Kode", "Judul", "Nomor dokumen"] and "Catatan peninjau" in header
    table = [dict(zip(header, row, strict=True)) for row in rows[4:]]
    assert [(r["Kode"], r["Indikator"], r["Status tinjauan"]) for r in table] == [
        ("B-001", 2, "diterima"), ("B-001", 12, "perlu revisi"), ("B-002", None, None), ("B-003", 12, "belum ditinjau"),
        ("B-004", 13, "belum ditinjau")]
    assert table[1]["Catatan peninjau"] == "Muatan 5–7 tidak terbaca.\nPindai ulang."  # verbatim
    assert table[1]["Berkas di ZIP"] == "Indikator-12/B-001_Ind12_perbup-12-2023.pdf" and table[0]["Tanggal/tahun dokumen"] == 2023
    assert table[2]["Tanggal/tahun dokumen"] == datetime(2026, 11, 3) and table[0]["Waktu kirim"] == datetime(2026, 12, 1, 10, 5)
    assert "tidak tersimpan" in table[3]["Berkas di ZIP"] and "hilang dari penyimpanan" in table[4]["Berkas di ZIP"]
    once, rows_once = read_back(await build_evidence_zip(items, read, Words("id"), title="Register", per_indicator=False))
    assert sorted(once) == ["Indikator-02/B-001_Ind02_perbup-12-2023.pdf", "Tanpa-indikator/B-002_Foto-rapat.jpg"]
    assert [row[-1] for row in rows_once[4:6]] == ["Indikator-02/B-001_Ind02_perbup-12-2023.pdf"] * 2  # both rows name the one copy
    english = read_back(await build_evidence_zip(items, read, Words("en"), title="Evidence register"))
    assert "Indicator-02/B-001_Ind02_perbup-12-2023.pdf" in english[0] and english[1][3][0] == "Code"


def test_member_names_stay_safe_and_keep_the_extension() -> None:
    assert member_name("B-012", 7, "x", "../../etc/passwd", "document") == "B-012_Ind07_passwd.bin"
    assert member_name("B-001", None, "Dokumentasi: rapat 1/2", None, "photo") == "B-001_Dokumentasi-rapat-1-2.jpg"
    assert member_name("B-002", 12, None, "Notulen Rapat.PDF", "document") == "B-002_Ind12_Notulen-Rapat.pdf"


async def test_the_zip_of_an_institution_holds_what_its_members_sent_and_reviewed(engine: Engine) -> None:
    await institution_with(engine, (10, "Sari", Role.KOORDINATOR), (50, "Wati", Role.OFFICER))
    lead, officer = Client(engine, 10, "Sari"), Client(engine, 50, "Wati")
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    await officer.command("loncat", "12")
    fake_files(engine).content["doc-1"] = b"%PDF peta rencana"
    await officer.upload("document", file_id="doc-1", file_unique_id="u1", file_name="peta-rencana.pdf", size=17,
                         caption="Perbup No. 12 Tahun 2023")
    item = officer.reply().data["item"]
    period = (await officer.position()).period_id
    assert period is not None
    await lead.press_data(cb.make("ra", period, item.id, 12, "r"))
    await lead.text("Lampiran belum ditandatangani.")
    items = await zip_items(engine.db.read, PACKS.get("spbe-2020"), await engine.db.read.periods.require(period), "Asia/Jakarta")
    store = engine.files
    assert store is not None

    async def read(sha256: str) -> bytes | None:
        return await read_or_none(store, sha256)

    files, rows = read_back(await build_evidence_zip(items, read, Words("id"), title="Kota Contoh 2026"))
    assert files == {"Indikator-12/B-001_Ind12_peta-rencana.pdf": b"%PDF peta rencana"}
    table = [dict(zip(rows[3], row, strict=True)) for row in rows[4:]]
    assert [(r["Kode"], r["Judul"], r["Nomor dokumen"], r["Indikator"], r["Level diklaim"], r["Status tinjauan"], r["Catatan peninjau"],
             r["Peninjau"], r["Dikirim oleh"]) for r in table] == [
        ("B-001", "Perbup No. 12 Tahun 2023", "12", 12, 3, "perlu revisi", "Lampiran belum ditandatangani.", "Sari", "Wati")]
    sent = items[0].sent_at
    assert sent.tzinfo == JAKARTA and abs(table[0]["Waktu kirim"] - sent.replace(tzinfo=None)) < timedelta(seconds=1)  # in WIB
