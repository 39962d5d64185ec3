"""The evidence ZIP at the engine: every member takes it in private chat, a linked group's lead gets
it privately (never in the group), another institution's member and a forged destination are
refused, an empty register is told; the file made from the job holds what the members sent."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from bot.report_words import CatalogWords
from conversations import callbacks as cb
from conversations.engine import Engine
from reports import jobs
from storage.files import read_or_none
from storage.models import Role
from tests.conversations.conftest import Client, fake_files, institution_with
from tests.conversations.test_exports_and_plans import GROUP, link_group, team


async def sent_for(officer: Client, number: int, file_id: str, name: str, content: bytes) -> None:
    """A document sent while indicator ``number``'s card is open."""
    await officer.command("loncat", str(number))
    fake_files(officer.engine).content[file_id] = content
    await officer.upload("document", file_id=file_id, file_unique_id=f"u-{file_id}", file_name=name, size=len(content))


async def test_every_member_takes_the_evidence_zip_privately_and_it_holds_their_files(engine: Engine) -> None:
    _, _, lead, officer = await team(engine)
    await officer.command("ekspor")
    await officer.press("export_format", format="evidence-zip")
    assert officer.views() == ["short:export_evidence_empty"] and not officer.last.files  # nothing sent yet
    await sent_for(officer, 12, "doc-1", "peta-rencana.pdf", b"%PDF peta rencana")
    await sent_for(officer, 13, "doc-2", "notulen rapat.docx", b"PK notulen")
    await officer.command("ekspor")
    await officer.press("export_format", format="evidence-zip")
    (job,) = officer.last.files
    assert (job.kind, job.chat_id, officer.last.toast) == ("evidence-zip", None, "toast_export_started")
    assert [(i.code, [s.indicator for s in i.supports]) for i in job.register] == [("B-001", [12]), ("B-002", [13])]
    store = engine.files
    assert store is not None

    async def read(sha256: str) -> bytes | None:
        return await read_or_none(store, sha256)

    (made,) = await jobs.evidence_files(job.snapshot, job.register, read, CatalogWords("id"))
    assert made.name.startswith("bukti-dukung_kota-contoh_2026_") and made.name.endswith(".zip") and made.mime == "application/zip"
    with zipfile.ZipFile(io.BytesIO(made.data)) as archive:
        assert sorted(archive.namelist()) == ["Indikator-12/B-001_Ind12_peta-rencana.pdf", "Indikator-13/B-002_Ind13_notulen-rapat.docx",
                                              "Register-bukti-dukung.xlsx"]
        assert archive.read("Indikator-12/B-001_Ind12_peta-rencana.pdf") == b"%PDF peta rencana"
        sheet = openpyxl.load_workbook(io.BytesIO(archive.read("Register-bukti-dukung.xlsx"))).active
    assert sheet["A1"].value == "Register bukti dukung · Kota Contoh · 2026"
    assert [(row[0], row[9]) for row in sheet.iter_rows(min_row=5, values_only=True)] == [("B-001", 12), ("B-002", 13)]
    await lead.command("ekspor")  # the lead takes it too
    await lead.press("export_format", format="evidence-zip")
    assert [j.kind for j in lead.last.files] == ["evidence-zip"]


async def test_another_institutions_member_cannot_take_the_zip(engine: Engine) -> None:
    _, period, _, officer = await team(engine)
    await sent_for(officer, 12, "doc-1", "peta-rencana.pdf", b"%PDF rahasia")
    await institution_with(engine, (60, "Tono", Role.KOORDINATOR), name="Kabupaten Lain")
    other = Client(engine, 60, "Tono")
    await other.press_data(cb.make("ex", period, "evidence-zip", "h"))  # a button naming the first institution's period
    assert other.views() == ["short:not_member"] and not other.last.files


async def test_in_a_linked_group_the_zip_goes_to_the_leads_private_chat_only(engine: Engine) -> None:
    institution, period, _, officer = await team(engine)
    await sent_for(officer, 12, "doc-1", "peta-rencana.pdf", b"%PDF peta rencana")
    await link_group(engine, institution)
    in_group = Client(engine, 10, "Sari", chat=GROUP)
    await in_group.command("ekspor")
    button = in_group.button("export_format", format="evidence-zip")
    assert button.data.endswith(":p")  # straight to the private chat: no "to this group" question
    await in_group.press_data(button.data)
    (job,) = in_group.last.files
    assert (job.kind, job.chat_id, job.fallback_chat, job.thread_id) == ("evidence-zip", 10, GROUP.id, None)
    for forged in ("g", "a"):  # into the group, or the question where to: refused like any forged button
        await in_group.press_data(cb.make("ex", period, "evidence-zip", forged))
        assert in_group.views() == ["short:stale_button"] and not in_group.last.files
