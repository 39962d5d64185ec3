"""Evidence through the engine: files kept once by hash before their row, the register and its codes,
the review with its notes and history, revisions, the checklist, and the index of accepted evidence."""

from __future__ import annotations

from decimal import Decimal

from conversations import callbacks as cb
from conversations.checklist import evidence_status
from conversations.engine import Engine
from conversations.evidence import MAX_FILE_BYTES, DownloadError
from conversations.states import State
from knowledge.checklists import expected
from storage.files import FileStoreError, sha256_of
from storage.models import CheckStatus, Evidence, ReviewAction, ReviewStatus, Role
from tests.conversations.conftest import PACKS, Client, fake_files, institution_with

SPBE = PACKS.get("spbe-2020")
LEAD, OFFICER, OTHER = 10, 50, 70


async def team(engine: Engine) -> tuple[Client, Client]:
    await institution_with(engine, (LEAD, "Sari", Role.KOORDINATOR), (OFFICER, "Wati", Role.OFFICER))
    return Client(engine, LEAD, "Sari"), Client(engine, OFFICER, "Wati")


async def period_id(client: Client) -> int:
    position = await client.position()
    assert position.period_id is not None
    return position.period_id


async def send(officer: Client, name: str, *, unique: str | None = None, caption: str | None = None, size: int | None = 2048,
               content: bytes | None = None) -> None:
    file_id = f"doc-{name}-{unique or name}"
    if content is not None:
        fake_files(officer.engine).content[file_id] = content
    await officer.upload("document", file_id=file_id, file_unique_id=unique or f"u-{name}", file_name=name, size=size, caption=caption,
                         mime="application/pdf")


async def claimed_with_a_file(officer: Client) -> tuple[Evidence, int]:
    """Indicator 12 answered at level 3, its card opened again and a document sent: the item, the period."""
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    await officer.command("loncat", "12")
    await send(officer, "peta-rencana.pdf")
    return officer.reply().data["item"], await period_id(officer)


async def test_a_file_is_stored_by_hash_before_its_row_and_registered_once(engine: Engine) -> None:
    _, officer = await team(engine)
    await officer.command("loncat", "12")
    await send(officer, "perbup.pdf", caption="Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE", content=b"%PDF perbup")
    reply = officer.reply()
    assert reply.view == "evidence_kept" and not reply.data["repeated"] and reply.data["read_from_caption"]
    item = reply.data["item"]
    assert (item.label, item.title, item.doc_number, item.doc_year, item.sha256) == (
        "B-001", "Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE", "12", 2023, sha256_of(b"%PDF perbup"))
    assert await engine.files.get(item.sha256) == b"%PDF perbup"  # type: ignore[union-attr]
    assert [s.number for s in reply.data["suggestions"]] == [2, 14]  # Kebijakan Peta Rencana SPBE first
    # the same content under another Telegram file: downloaded, found by its hash, kept once
    await officer.command("loncat", "2")
    await send(officer, "perbup-salinan.pdf", unique="u-copy", content=b"%PDF perbup")
    again = officer.reply()
    assert again.data["repeated"] and again.data["item"].id == item.id
    # the same Telegram file again: not even downloaded
    downloads = len(fake_files(engine).downloads)
    await send(officer, "perbup.pdf", content=b"%PDF perbup")
    assert len(fake_files(engine).downloads) == downloads and officer.reply().data["linked_before"]
    assert [f.sha256 async for f in engine.files.files()] == [item.sha256]  # type: ignore[union-attr]
    period = await period_id(officer)
    assert await engine.db.read.evidence.uses(item.id) == [(period, 2), (period, 12)]
    assert len(await engine.db.read.evidence.register(item.institution_id)) == 1


async def test_files_that_cannot_be_kept_are_refused_and_leave_no_row(engine: Engine) -> None:
    _, officer = await team(engine)
    await officer.command("loncat", "5")
    await send(officer, "huge.pdf", size=MAX_FILE_BYTES + 1)
    assert officer.reply().view == "short:evidence_too_big" and fake_files(engine).downloads == []
    await send(officer, "setup.exe")
    assert officer.reply().view == "short:evidence_type_refused" and officer.reply().data["extension"] == "exe"
    fake_files(engine).fail = DownloadError("too_big", "Bad Request: file is too big")  # its size was not told
    await send(officer, "no-size.pdf", size=None)
    assert officer.reply().view == "short:evidence_too_big"
    fake_files(engine).fail = DownloadError("failed", "timed out")
    await send(officer, "flaky.pdf")
    assert officer.reply().view == "short:evidence_download_failed"
    fake_files(engine).fail = None

    async def full(data: bytes) -> None:
        raise FileStoreError("no space left on the disk", code="full")

    engine.files.put = full  # type: ignore[method-assign, union-attr, assignment]
    await send(officer, "later.pdf")
    assert officer.reply().view == "short:not_saved"
    institution = (await engine.db.read.members.memberships(OFFICER))[0].institution_id
    assert await engine.db.read.evidence.register(institution) == []


async def test_only_members_see_an_item_and_another_institutions_button_is_forged(engine: Engine) -> None:
    _, officer = await team(engine)
    await institution_with(engine, (OTHER, "Budi", Role.KOORDINATOR), name="Kabupaten Lain")
    stranger = Client(engine, OTHER, "Budi")
    await officer.command("loncat", "12")
    await send(officer, "perbup.pdf")
    item = officer.reply().data["item"]
    period = await period_id(officer)
    await stranger.command("bukti", "B-001")
    assert stranger.reply().view == "short:register_no_item"  # codes are per institution: Budi's has none
    for data in (cb.make("bi", period, item.id), cb.make("bs", period, item.id), cb.make("rv", period, item.id, 12)):
        await stranger.press_data(data)
        assert stranger.reply().view == "short:not_member", data
    await stranger.command("mulai")
    own = await period_id(stranger)
    for data in (cb.make("bi", own, item.id), cb.make("bs", own, item.id), cb.make("ba", own, item.id, 3)):
        await stranger.press_data(data)  # the item named with the stranger's own period: a forged button
        assert stranger.reply().view == "short:stale_button" and stranger.last.toast == "toast_stale", data
    assert await engine.db.read.evidence.uses(item.id) == [(period, 12)]


async def test_the_register_lists_opens_edits_and_sends_files(engine: Engine) -> None:
    _, officer = await team(engine)
    await officer.command("loncat", "12")
    await send(officer, "scan_0001.pdf", content=b"%PDF scan")
    item = officer.reply().data["item"]
    assert item.title == "scan_0001.pdf" and item.doc_number is None
    await officer.command("bukti")
    assert officer.reply().view == "register" and [i.label for i in officer.reply().data["items"]] == ["B-001"]
    await officer.press("evidence_code", code="B-001")
    assert officer.reply().view == "evidence_item"
    await officer.press("evidence_title")
    assert (await officer.position()).state == State.EVIDENCE_TITLE
    await officer.text("Notulen rapat reviu Peta Rencana SPBE")
    await officer.press("evidence_document")
    await officer.text("tidak jelas")  # nothing recognisable: asked again
    assert officer.reply().view == "short:ask_evidence_document" and (await officer.position()).state == State.EVIDENCE_DOCUMENT
    await officer.text("005/12/BAPPEDA/2024, 3 Maret 2024")
    stored = await engine.db.read.evidence.require(item.id)
    assert (stored.title, stored.doc_number, stored.doc_year, str(stored.doc_date)) == (
        "Notulen rapat reviu Peta Rencana SPBE", "005/12/BAPPEDA/2024", 2024, "2024-03-03")
    await officer.press("evidence_send")
    item_view = officer.kept[-2]
    sent = officer.reply()
    assert sent.attachment is not None and sent.attachment.sha256 == sha256_of(b"%PDF scan")
    assert sent.attachment.file_name == "B-001_Ind12_scan_0001.pdf"
    await officer.press("evidence_link_other", item_view)
    await officer.text("13")
    period = await period_id(officer)
    assert await engine.db.read.evidence.uses(item.id) == [(period, 12), (period, 13)]


async def test_a_review_tells_the_sender_privately_with_the_note_verbatim_and_goes_into_the_history(engine: Engine) -> None:
    lead, officer = await team(engine)
    item, period = await claimed_with_a_file(officer)
    for data in (cb.make("rv", period, item.id, 12), cb.make("ra", period, item.id, 12, "a"), cb.make("ra", period, item.id, 12, "x")):
        await officer.press_data(data)  # only a koordinator or penanggung jawab reviews
        assert officer.reply().view == "short:lead_only", data
    assert (await engine.db.read.evidence.require_link(item.id, period, 12)).review == ReviewStatus.PENDING
    await lead.command("bukti", "b-1")
    await lead.press("review", number=12)
    assert lead.reply().view == "review"
    await lead.press("verdict", choice="r")
    assert (await lead.position()).state == State.REVIEW_NOTE
    note = "Lampiran muatan 5–7 tidak terbaca.\nPindai ulang <halaman 4> & 5."
    await lead.text(note)
    told = [r for r in lead.last.replies if r.chat_id == OFFICER]
    assert len(told) == 1 and told[0].view == "review_told" and told[0].data["note"] == note and told[0].data["verdict"] == "revision"
    link = await engine.db.read.evidence.require_link(item.id, period, 12)
    assert (link.review, link.review_note, link.reviewed_by) == (ReviewStatus.REVISION, note, LEAD)
    await officer.command("riwayat", "12")
    history = officer.reply().data["changes"]
    assert [c["review"].action for c in history if "review" in c] == [ReviewAction.REVISION]
    # the revision queue: the officer's own, and everyone's for the lead
    await officer.command("revisi")
    assert [link.evidence_id for link in officer.reply().data["mine"]] == [item.id]
    await lead.command("revisi")
    assert lead.reply().data["mine"] == [] and [name for name, _ in lead.reply().data["others"]] == ["Wati"]
    # the correction closes it and the reviewer is told
    await officer.press_data(told[0].buttons[0][0].data)  # "📤 Kirim perbaikan B-001" of the message told
    assert told[0].buttons[0][0].label == "send_correction"
    assert (await officer.position()).state == State.EVIDENCE_REPLACE
    await send(officer, "peta-rencana.pdf")  # the same file again is no correction
    assert officer.reply().view == "short:revision_same_file"
    await send(officer, "peta-rencana-v2.pdf")
    assert officer.reply().view == "evidence_kept" and officer.reply().data["replaced"]
    to_lead = [r for r in officer.last.replies if r.chat_id == LEAD]
    assert [r.view for r in to_lead] == ["short:revision_sent_to_reviewer"]
    assert (await engine.db.read.evidence.require_link(item.id, period, 12)).review == ReviewStatus.REPLACED
    await officer.command("revisi")
    assert officer.reply().data["mine"] == []
    corrected = officer.kept[-2].replies[-1].data["item"]
    await lead.press_data(cb.make("ra", period, corrected.id, 12, "a"))
    assert lead.last.toast == "toast_reviewed" and [r.view for r in lead.last.replies if r.chat_id == OFFICER] == ["review_told"]
    actions = [r.action for r in await engine.db.read.evidence.reviews(period, 12)]
    assert actions == [ReviewAction.REVISION, ReviewAction.RESUBMITTED, ReviewAction.ACCEPTED]


async def test_the_checklist_counts_only_accepted_evidence_and_shows_the_gaps(engine: Engine) -> None:
    lead, officer = await team(engine)
    item, period = await claimed_with_a_file(officer)
    status = await evidence_status(engine.db.read, SPBE, await engine.db.read.periods.require(period))
    assert [g.indicator for g in status.gaps] == [12] and status.credited[12] == 1 and status.open_revisions == 0
    await officer.press("checklist")  # from the reply that kept the file; the card's "📎 Bukti dukung" is the same button
    view = officer.reply()
    assert view.view == "checklist" and [scope for scope, _ in view.data["sections"]] == [3, 4]
    assert [line.expected.text for line in view.data["sections"][0][1]] == SPBE.indicator(12).levels[3].evidence
    await officer.press("check_item", place="3.1")
    await officer.press("check_file", code="B-001")
    checks = await engine.db.read.checklists.for_period(period, 12)
    assert [(c.level, c.item, c.status, c.evidence_ids) for c in checks] == [(3, 0, CheckStatus.PRESENT, [item.id])]
    status = await evidence_status(engine.db.read, SPBE, await engine.db.read.periods.require(period))
    assert status.gaps == [] and status.credited[12] == 1  # there, but not accepted yet
    await lead.press_data(cb.make("ra", period, item.id, 12, "a"))
    status = await evidence_status(engine.db.read, SPBE, await engine.db.read.periods.require(period))
    assert status.credited[12] == 3 and status.accepted.levels[12] == 3
    # an item of level 4 ticked missing by the officer is not a gap of the claimed level 3
    await officer.press_data(cb.make("cs", period, 12, "4", 1, "m"))
    assert officer.reply().view == "checklist" and officer.last.toast == "toast_ticked"
    await lead.command("ringkasan")
    assert lead.reply().data["evidence"].accepted.levels[12] == 3


async def test_a_level_shown_only_by_an_officers_not_relevant_is_not_credited(engine: Engine) -> None:
    lead, officer = await team(engine)
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    period = await period_id(officer)
    await officer.press_data(cb.make("cs", period, 12, "3", 0, "n"))
    status = await evidence_status(engine.db.read, SPBE, await engine.db.read.periods.require(period))
    assert status.gaps == [] and status.credited[12] == 1
    await lead.press_data(cb.make("cs", period, 12, "3", 0, "n"))  # a lead's "tidak relevan" counts...
    status = await evidence_status(engine.db.read, SPBE, await engine.db.read.periods.require(period))
    assert status.credited[12] == 1  # ...but a level whose every item is not relevant needs one accepted file
    assert len(expected(SPBE.indicator(12), 3)) == 1


async def test_a_locked_answer_keeps_its_checklist(engine: Engine) -> None:
    lead, officer = await team(engine)
    await officer.command("loncat", "12")
    await officer.press("level", level=3)
    period = await period_id(officer)
    await lead.command("kunci", "12")
    await officer.press_data(cb.make("cs", period, 12, "3", 0, "p"))
    assert officer.reply().view == "short:locked"
    assert await engine.db.read.checklists.for_period(period, 12) == []
    assert Decimal(3) == (await engine.db.read.answers.get(period, 12)).level  # type: ignore[union-attr]
