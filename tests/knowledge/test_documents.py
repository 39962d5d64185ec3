"""Captions and file names read: the document's number and date, its kind, and the other indicators
it likely supports (the same kind of document in their evidence lists, and the same subject)."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import documents
from knowledge.documents import Reference, reference, suggest
from knowledge.packs import PackRegistry

PACKS = PackRegistry.load()
SPBE = PACKS.get("spbe-2020")


@pytest.mark.parametrize(("text", "expected"), [
    ("Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE", Reference("12", 2023)),
    ("Peraturan Bupati Nomor 3 Tahun 2022", Reference("3", 2022)),
    ("Perbup 5/2023", Reference("5", 2023)),
    ("Perwal no.7/2021 ttg SPBE", Reference("7", 2021)),
    ("SK Bupati No. 800/123/2023 tanggal 3 Maret 2023", Reference("800/123/2023", 2023, date(2023, 3, 3))),
    ("Keputusan Sekda Nomor: 050/45/BAPPEDA/2024", Reference("050/45/BAPPEDA/2024", 2024)),
    ("Notulen rapat reviu 2024-05-02", Reference(None, 2024, date(2024, 5, 2))),
    ("Undangan rapat tgl 14-11-2025", Reference(None, 2025, date(2025, 11, 14))),
    ("ditetapkan 31 Desember 2022", Reference(None, 2022, date(2022, 12, 31))),
    ("Renstra Diskominfo th. 2021-2026", Reference(None, 2021)),
    ("scan_0001.pdf", Reference()),
    ("12.a.Perbup-Peta-Rencana.pdf", Reference()),  # "12.a" is the indicator's file number, not the decree's
    ("31 Februari 2023", Reference(None, None, None)),  # no such day
    (None, Reference()),
])
def test_the_number_and_date_a_caption_gives(text: str | None, expected: Reference) -> None:
    assert reference(text) == expected


def test_kinds_of_documents_are_named_in_captions_file_names_and_the_packs() -> None:
    assert documents.kinds("Perbup No. 12 Tahun 2023") == {"regulation"}
    assert documents.kinds("notulen_rapat_reviu.pdf") == {"minutes", "report"}
    assert documents.kinds("SK-Tim-Koordinasi-SPBE.pdf") == {"decree"}
    assert documents.kinds("Tangkapan layar aplikasi SIPD") == {"screenshot"}
    assert documents.kinds("scan_0001.pdf") == set()
    assert documents.kinds("Sekolah perbaikan") == set()  # "se" and "sk" only as words of their own


def test_a_regulation_on_one_subject_is_suggested_for_the_policy_of_that_subject() -> None:
    found = suggest(SPBE, "Perbup No. 12 Tahun 2023 tentang Peta Rencana SPBE", [12])
    assert found[0].indicator == 2 and found[0].score > 0  # Kebijakan Peta Rencana SPBE
    assert [s.indicator for s in suggest(SPBE, "SK Bupati No. 800/123/2023 tentang Tim Koordinasi SPBE", [19])] == [10]
    assert [s.indicator for s in suggest(SPBE, "Dokumen Arsitektur SPBE 2023-2027", [11])] == [1]


def test_without_a_subject_the_aspect_decides_and_nothing_is_made_up() -> None:
    """A regulation on SPBE as a whole backs the other policies; words that name no kind of
    document, or a subject only the linked indicator has, suggest nothing."""
    assert [s.indicator for s in suggest(SPBE, "Perbup 5/2023", [1])] == [2, 3, 4]
    assert suggest(SPBE, "Perbup 5/2023", [12]) == []
    assert suggest(SPBE, "scan_0001.pdf", [12]) == []
    assert suggest(SPBE, "Notulen rapat reviu manajemen risiko", [21]) == []
    assert all(s.indicator not in (1, 2) for s in suggest(SPBE, "Perbup 5/2023", [1, 2], limit=10))


@pytest.mark.parametrize("pack", PACKS.ids())
def test_every_pack_gets_suggestions_from_its_own_lists(pack: str) -> None:
    """A caption made of an item of an indicator's list and its short name finds that indicator,
    for most indicators whose lists name a kind of document (measured: 44/47, 18/18, 17/17)."""
    framework = PACKS.get(pack)
    eligible = found = 0
    for ind in framework.indicators:
        texts = [t for level in ind.levels.values() for t in level.evidence] + ind.evidence_examples
        named = [t for t in texts if documents.kinds(t)]
        if not named:
            continue
        eligible += 1
        found += ind.number in [s.indicator for s in suggest(framework, f"{named[0]} {ind.short_name}", [], limit=5)]
    assert eligible >= len(framework.indicators) // 2 and found >= 0.9 * eligible, (eligible, found)
