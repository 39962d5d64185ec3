"""The PDF report, the berita acara, the CSV, the portal texts and the charts, each read back by an
independent reader (pypdf, python-docx, csv, Pillow) and compared with the engine's figures."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from PIL import Image
from pypdf import PdfReader

from bot.report_words import CatalogWords
from reports import charts, jobs, minutes, portal, table
from reports.minutes import TemplateError
from reports.snapshot import AnswerRecord, Snapshot

FRAMEWORKS = ["spbe-2020", "spbe-2018", "pemdi-2026"]


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_pdf_shows_the_headline_and_every_indicator(demo: dict[str, Snapshot], words: CatalogWords, framework: str) -> None:
    snap = demo[framework]
    (made,) = jobs.files("pdf", snap, words)
    assert made.mime == "application/pdf" and made.name.endswith(".pdf")
    text = pdf_text(made.data)
    headline = snap.evaluation.index
    assert headline is not None and snap.evaluation.complete
    assert words.number(headline.value) in text and headline.predicate.label in text
    assert ("SIMULASI" if words.lang == "id" else "SIMULATION") in text
    for indicator in snap.pack.indicators:
        assert flat(indicator.name) in text, f"indicator {indicator.number} is missing from the PDF"
    assert snap.institution in text and snap.coordinator is not None and snap.coordinator.name in text
    for entry in snap.plan.entries:  # the plan's owners appear in its table
        assert entry.owner is not None and flat(entry.owner) in text


def test_the_pdf_leaves_out_emoji_and_keeps_the_words(demo: dict[str, Snapshot]) -> None:
    snap = demo["spbe-2020"]
    typed = AnswerRecord(12, Decimal(3), "Fakta: Perbup 12/2024 ✅🎉 sudah ditetapkan 👍 Analisis: lengkap → level 3.", "Siti",
                         snap.made_at, False)
    text = pdf_text(jobs.files("pdf", replace(snap, answers={**snap.answers, 12: typed}), CatalogWords("id"))[0].data)
    assert "Perbup 12/2024 sudah ditetapkan Analisis: lengkap → level 3." in text
    assert not {"✅", "🎉", "👍"} & set(text)


def test_a_partial_evaluation_is_labelled_a_projection(demo: dict[str, Snapshot]) -> None:
    from knowledge.scoring import evaluate

    snap = demo["spbe-2020"]
    answers = {n: a for n, a in snap.answers.items() if n > 10}
    partial = replace(snap, answers=answers, evaluation=evaluate(snap.pack, {n: a.level for n, a in answers.items()}))
    text = pdf_text(jobs.files("pdf", partial, CatalogWords("id"))[0].data)
    assert "proyeksi" in text and CatalogWords("id").number(partial.evaluation.projected.value) in text
    assert "37 dari 47 indikator terjawab" in text


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for t in document.tables for row in t.rows for cell in row.cells]
    return flat("\n".join(parts))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_berita_acara_names_the_result_the_team_and_the_signer(demo: dict[str, Snapshot], words: CatalogWords,
                                                                   framework: str) -> None:
    snap = demo[framework]
    text = docx_text(jobs.files("docx", snap, words)[0].data)
    headline = snap.evaluation.index
    assert headline is not None
    for expected in (snap.institution, str(snap.year), snap.pack.framework.title, words.number(headline.value), headline.predicate.label,
                     words.date(snap.made_at), *(p.name for p in snap.team)):
        assert flat(expected) in text, expected
    assert "{{" not in text and "{%" not in text  # every placeholder filled


def test_an_operator_template_replaces_the_built_in_one(demo: dict[str, Snapshot], tmp_path: Path) -> None:
    template = docx.Document()
    template.add_paragraph("Kop surat Dinas Kominfo")
    template.add_paragraph("{{ institution }} memperoleh {{ index_name }} {{ index }} ({{ predicate }}), {{ answered }}/{{ total }}.")
    template.add_paragraph("{% for m in team %}{{ m.name }} ({{ m.role }}); {% endfor %}")
    path = tmp_path / "kop.docx"
    template.save(str(path))
    snap = demo["spbe-2020"]
    text = docx_text(jobs.files("docx", snap, CatalogWords("id"), jobs.Options(minutes_template=path))[0].data)
    assert text.startswith("Kop surat Dinas Kominfo")
    assert f"{snap.institution} memperoleh Indeks SPBE 2,71 (Baik), 47/47." in text
    assert "Dr. Ratna Widyaningsih, M.Si. (Koordinator);" in text


def test_a_broken_template_is_refused_with_a_clear_message(demo: dict[str, Snapshot], tmp_path: Path) -> None:
    broken = docx.Document()
    broken.add_paragraph("{{ institution }")
    path = tmp_path / "rusak.docx"
    broken.save(str(path))
    with pytest.raises(TemplateError, match=r"rusak\.docx"):
        minutes.build(demo["spbe-2020"], CatalogWords("id"), path)
    not_word = tmp_path / "bukan.docx"
    not_word.write_text("bukan dokumen Word")
    with pytest.raises(TemplateError, match="cannot be read as a Word file"):
        minutes.build(demo["spbe-2020"], CatalogWords("id"), not_word)


@pytest.mark.parametrize(("lang", "delimiter", "mark"), [("id", ";", ","), ("en", ",", ".")])
def test_the_csv_opens_right_in_excel(demo: dict[str, Snapshot], lang: str, delimiter: str, mark: str) -> None:
    snap = demo["pemdi-2026"]  # fractional values
    data = table.build(snap, CatalogWords(lang))
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    assert len(body) == len(snap.pack.indicators) and len(set(map(len, rows))) == 1
    for row, indicator in zip(body, snap.pack.indicators, strict=True):
        assert int(row[0]) == indicator.number and row[4] == indicator.name
        assert Decimal(row[6].replace(mark, ".")) == snap.answers[indicator.number].level
        assert Decimal(row[5].replace(mark, ".")) == indicator.weight
    planned = {int(r[0]): r[14] for r in body if r[14]}
    assert planned == {e.indicator: f"{e.to_level:.2f}".replace(".", mark) for e in snap.plan.entries}
    assert header[header.index(CatalogWords(lang).text("report.col.explanation"))]


def test_the_portal_texts_hold_every_indicator_with_its_level_and_penjelasan(demo: dict[str, Snapshot], words: CatalogWords) -> None:
    snap = demo["spbe-2020"]
    text = portal.build(snap, words).decode("utf-8")
    assert "\r\n" in text  # opens with line breaks in Windows' Notepad too
    for indicator in snap.pack.indicators:
        block = portal.indicator_text(snap, indicator.number, words)
        assert block in text.replace("\r\n", "\n")
        answer = snap.answers[indicator.number]
        assert answer.explanation is not None and answer.explanation in block
        assert f"{int(answer.level)} (" in block


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_charts_are_png_images_of_the_expected_size(demo: dict[str, Snapshot], framework: str) -> None:
    made = jobs.files(jobs.CHARTS, demo[framework], CatalogWords("id"))
    assert [f.mime for f in made] == ["image/png", "image/png"] and made[0].name != made[1].name
    for file in made:
        image = Image.open(io.BytesIO(file.data))
        assert image.format == "PNG" and image.size == charts.size() == (900, 675)


def test_file_names_carry_the_institution_the_year_and_the_day(demo: dict[str, Snapshot]) -> None:
    snap = demo["spbe-2018"]
    institution = "pemerintah-kabupaten-contoh-makmur-demo"
    assert jobs.file_name("pdf", snap, CatalogWords("id")) == f"laporan-penilaian-mandiri_{institution}_2020_2026-12-01.pdf"
    assert jobs.file_name("portal", snap, CatalogWords("en")) == f"portal-texts_{institution}_2020_2026-12-01.txt"
    assert jobs.slug("Kota Baubau — Sulawesi Tenggara (Provinsi)") == "kota-baubau-sulawesi-tenggara-provinsi"


def test_report_texts_are_plain_text() -> None:
    """The catalog entries the renderers use carry no Telegram HTML or entities: they go into files."""
    from bot.catalogs import read_catalog

    for lang in ("id", "en"):
        texts = {m.id: m.string for m in read_catalog(lang) if isinstance(m.id, str) and m.id.startswith("report.")}
        assert len(texts) > 100
        for key, text in texts.items():
            assert not re.search(r"</?[a-z]+>|&[a-z]+;", text), f"{lang} {key}: {text!r}"


def test_prepare_loads_the_renderers_ahead() -> None:
    """What the bot runs in a worker thread while the /ekspor menu is shown."""
    import sys

    jobs.prepare()
    assert {"matplotlib.backends.backend_agg", "fpdf", "xlsxwriter", "reports.charts"} <= set(sys.modules)
