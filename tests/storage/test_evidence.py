"""The evidence register on real SQLite files: codes per institution, one item per file, links with
their review and its history, the checklists, and what the sweep keeps."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from storage import Database, open_database
from storage.errors import InvalidInput, NotFound
from storage.models import CheckStatus, ReviewAction, ReviewStatus
from storage.sqlite import migrations
from storage.sqlite.database import connect
from tests.storage.conftest import make_period

SHA_A, SHA_B, SHA_C = "a" * 64, "b" * 64, "c" * 64


async def test_codes_count_per_institution_and_one_file_is_one_item(db: Database) -> None:
    institution, period = await make_period(db)
    async with db.transaction() as tx:
        other = await tx.institutions.create(name="Kabupaten Lain", kind="kabupaten")
        first = await tx.evidence.add(institution_id=institution, file_id="f1", file_unique_id="u1", kind="document", uploaded_by=7,
                                      sha256=SHA_A, file_name="perbup.pdf", caption="Perbup No. 12 Tahun 2023", doc_number="12",
                                      doc_year=2023)
        second = await tx.evidence.add(institution_id=institution, file_id="f2", file_unique_id="u2", kind="photo", uploaded_by=7,
                                       sha256=SHA_B)
        elsewhere = await tx.evidence.add(institution_id=other.id, file_id="f1", file_unique_id="u1", kind="document", uploaded_by=8,
                                          sha256=SHA_A)
        # the same content under another Telegram file, and the same Telegram file again: the same item
        same_content = await tx.evidence.add(institution_id=institution, file_id="f9", file_unique_id="u9", kind="document",
                                             uploaded_by=7, sha256=SHA_A)
        same_file = await tx.evidence.add(institution_id=institution, file_id="f1x", file_unique_id="u1", kind="document", uploaded_by=7)
    assert (first.code, second.code, elsewhere.code) == (1, 2, 1)
    assert first.label == "B-001" and first.title == "Perbup No. 12 Tahun 2023" and second.title is None
    assert same_content.id == first.id and same_file.id == first.id
    assert [e.code for e in await db.read.evidence.register(institution)] == [1, 2]
    assert (await db.read.evidence.by_code(institution, 2)) == second
    assert await db.read.evidence.by_code(institution, 3) is None
    assert await db.read.evidence.stored_files() == {SHA_A, SHA_B}
    async with db.transaction() as tx:
        with pytest.raises(InvalidInput, match="another institution"):
            await tx.evidence.link(elsewhere.id, period, 1, by=7)


async def test_title_and_document_number_are_edited_and_checked(db: Database) -> None:
    institution, _ = await make_period(db)
    async with db.transaction() as tx:
        item = await tx.evidence.add(institution_id=institution, file_id="f", file_unique_id="u", kind="document", uploaded_by=7,
                                     sha256=SHA_A, file_name="scan_0001.pdf")
        assert item.title == "scan_0001.pdf"
        item = await tx.evidence.set_title(item.id, "  Notulen   rapat reviu  ")
        item = await tx.evidence.set_document(item.id, "800/12/2023", None, date(2023, 3, 5))
        for bad in ("", "x" * 201):
            with pytest.raises(InvalidInput):
                await tx.evidence.set_title(item.id, bad)
        with pytest.raises(InvalidInput):
            await tx.evidence.set_document(item.id, None, 1800, None)
    assert (item.title, item.doc_number, item.doc_year, item.doc_date) == ("Notulen rapat reviu", "800/12/2023", 2023, date(2023, 3, 5))


async def test_a_review_is_kept_on_the_link_and_every_action_in_the_history(db: Database) -> None:
    institution, period = await make_period(db)
    async with db.transaction() as tx:
        item = await tx.evidence.add(institution_id=institution, file_id="f", file_unique_id="u", kind="document", uploaded_by=7,
                                     sha256=SHA_A)
        link = await tx.evidence.link(item.id, period, 12, by=7, level=3)
        await tx.evidence.link(item.id, period, 2, by=7, level=2)
        again = await tx.evidence.link(item.id, period, 12, by=9, level=5)
        assert link == again and (link.level, link.review) == (3, ReviewStatus.PENDING)
        with pytest.raises(InvalidInput, match="needs a note"):
            await tx.evidence.review(item.id, period, 12, "revision", "  ", by=1)
        revised = await tx.evidence.review(item.id, period, 12, "revision", "Lampiran muatan 5-7 tidak terbaca.\nPindai ulang.", by=1)
        corrected = await tx.evidence.add(institution_id=institution, file_id="g", file_unique_id="v", kind="document", uploaded_by=7,
                                          sha256=SHA_B)
        await tx.evidence.link(corrected.id, period, 12, by=7, level=3)
        replaced = await tx.evidence.replace(item.id, period, 12, corrected.id, by=7)
        with pytest.raises(InvalidInput, match="no open revision"):
            await tx.evidence.replace(item.id, period, 12, corrected.id, by=7)
        accepted = await tx.evidence.review(item.id, period, 2, "accepted", None, by=1)
        with pytest.raises(NotFound):
            await tx.evidence.review(item.id, period, 13, "accepted", None, by=1)
    assert (revised.review, revised.review_note, revised.reviewed_by) == (
        ReviewStatus.REVISION, "Lampiran muatan 5-7 tidak terbaca.\nPindai ulang.", 1)
    assert (replaced.review, replaced.replaced_by) == (ReviewStatus.REPLACED, corrected.id)
    assert accepted.review == ReviewStatus.ACCEPTED and accepted.review_note is None
    history = await db.read.evidence.reviews(period)
    assert [(r.indicator, r.action, r.note, r.other_id, r.by) for r in history] == [
        (12, ReviewAction.REVISION, "Lampiran muatan 5-7 tidak terbaca.\nPindai ulang.", None, 1),
        (12, ReviewAction.RESUBMITTED, None, corrected.id, 7),
        (2, ReviewAction.ACCEPTED, None, None, 1),
    ]
    assert [r.action for r in await db.read.evidence.reviews(period, 2)] == [ReviewAction.ACCEPTED]
    assert [(k.evidence_id, k.indicator) for k in await db.read.evidence.links(period, indicator=12)] == [(item.id, 12), (corrected.id, 12)]


async def test_checklist_items_are_ticked_and_shown_with_register_items(db: Database) -> None:
    institution, period = await make_period(db)
    async with db.transaction() as tx:
        item = await tx.evidence.add(institution_id=institution, file_id="f", file_unique_id="u", kind="document", uploaded_by=7,
                                     sha256=SHA_A)
        unlinked = await tx.evidence.add(institution_id=institution, file_id="g", file_unique_id="v", kind="document", uploaded_by=7,
                                         sha256=SHA_C)
        await tx.evidence.link(item.id, period, 12, by=7)
        await tx.checklists.tick(period, 12, 4, 2, status="missing", item_text="Laporan reviu", by=7)
        shown = await tx.checklists.attach(period, 12, 3, 0, item.id, attached=True, item_text="Dokumen Peta Rencana", by=7)
        await tx.checklists.tick(period, 12, 4, 4, status=CheckStatus.NOT_RELEVANT, item_text="Undangan", by=1, by_lead=True)
        with pytest.raises(InvalidInput, match="does not support"):
            await tx.checklists.attach(period, 12, 3, 0, unlinked.id, attached=True, item_text="x", by=7)
        with pytest.raises(InvalidInput):
            await tx.checklists.tick(period, 12, 9, 0, status="present", item_text="x", by=7)
        assert await tx.checklists.attach(period, 12, 3, 1, item.id, attached=False, item_text="x", by=7) is None
    assert shown is not None and (shown.status, shown.evidence_ids) == (CheckStatus.PRESENT, [item.id])
    checks = await db.read.checklists.for_period(period, 12)
    assert [(c.level, c.item, c.status, c.by_lead, c.evidence_ids) for c in checks] == [
        (3, 0, CheckStatus.PRESENT, False, [item.id]), (4, 2, CheckStatus.MISSING, False, []), (4, 4, CheckStatus.NOT_RELEVANT, True, [])]
    async with db.transaction() as tx:
        after = await tx.checklists.attach(period, 12, 3, 0, item.id, attached=False, item_text="Dokumen Peta Rencana", by=7)
    assert after is not None and after.evidence_ids == [] and after.status == CheckStatus.PRESENT


async def test_items_sent_before_the_upgrade_get_codes_titles_and_later_their_file(tmp_path: Path) -> None:
    """Rows of version 4 (only Telegram's file id) get codes in the order they came, per institution,
    and their caption or file name as the title; sent again, such an item gets its hash."""
    path = tmp_path / "spbe.sqlite3"
    conn = await connect(path)
    try:
        await migrations.upgrade(conn, target=4)
        now = "2026-01-05T03:00:00+00:00"
        for name in ("Kota A", "Kota B"):
            await conn.execute("INSERT INTO institutions (name, kind, created_at) VALUES (?, 'kota', ?)", (name, now))
        for institution, unique, name, caption in ((1, "u1", "perbup.pdf", "Perbup 5/2023"), (2, "u2", "sk.pdf", None),
                                                   (1, "u3", None, None)):
            await conn.execute(
                """INSERT INTO evidence (institution_id, file_id, file_unique_id, file_name, kind, caption, uploaded_by, uploaded_at)
                   VALUES (?, ?, ?, ?, ?, ?, 7, ?)""",
                (institution, f"f-{unique}", unique, name, "document" if name else "photo", caption, now))
    finally:
        await conn.close()
    db = await open_database(path)
    try:
        assert [(e.code, e.title, e.sha256) for e in await db.read.evidence.register(1)] == [(1, "Perbup 5/2023", None), (2, None, None)]
        assert [(e.code, e.title) for e in await db.read.evidence.register(2)] == [(1, "sk.pdf")]
        assert len(await db.read.evidence.without_file()) == 3
        async with db.transaction() as tx:
            healed = await tx.evidence.add(institution_id=1, file_id="f-u1-new", file_unique_id="u1", kind="document", uploaded_by=7,
                                           sha256=SHA_A, size=1234)
            fresh = await tx.evidence.add(institution_id=1, file_id="f-new", file_unique_id="u4", kind="document", uploaded_by=7,
                                          sha256=SHA_B)
        assert (healed.code, healed.sha256, healed.size, fresh.code) == (1, SHA_A, 1234, 3)
        assert len(await db.read.evidence.without_file()) == 2
    finally:
        await db.close()
    with sqlite3.connect(path) as plain, pytest.raises(sqlite3.IntegrityError):
        plain.execute("UPDATE evidence SET code = 1 WHERE id = 3")  # a code is unique in its institution
