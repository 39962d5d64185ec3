"""The workbook read back with openpyxl: sheets, one row per indicator, numbers as numbers with their
formats, the index equal to the engine's, the native chart, the plan; the same input gives the same
bytes (a golden file)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from bot.report_words import CatalogWords
from knowledge.scoring import evaluate
from reports import workbook
from reports.snapshot import Snapshot

GOLDEN = Path(__file__).parent / "golden"
SHEETS = {"id": ["Ringkasan", "Indikator", "Bukti dukung", "Rencana aksi"], "en": ["Summary", "Indicators", "Evidence", "Action plan"]}


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(data))


@pytest.mark.parametrize("framework", ["spbe-2020", "spbe-2018", "pemdi-2026"])
def test_every_sheet_reads_back_with_numbers_as_numbers(demo: dict[str, Snapshot], words: CatalogWords, framework: str) -> None:
    snap = demo[framework]
    book = read(workbook.build(snap, words))
    assert book.sheetnames == SHEETS[words.lang]
    summary, indicators, evidence, plan = (book[name] for name in book.sheetnames)

    rows = list(indicators.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(snap.pack.indicators)  # one row per indicator
    for row, indicator in zip(indicators.iter_rows(min_row=2), snap.pack.indicators, strict=True):
        number, weight, level = row[0], row[4], row[5]
        assert number.value == indicator.number and row[3].value == indicator.name
        assert isinstance(weight.value, int | float) and weight.number_format == "0.00"
        assert weight.value == pytest.approx(float(indicator.weight))
        answer = snap.answers[indicator.number]
        assert isinstance(level.value, int | float) and level.value == pytest.approx(float(answer.level))
        assert level.number_format == ("0.00" if snap.pack.scale.fractional else "0")
        assert row[7].value == answer.explanation
    # the index shown is the engine's, recomputed here from the sheet's own levels and weights
    levels = {r[0]: r[5] for r in rows}
    index = evaluate(snap.pack, {n: str(v) for n, v in levels.items()}).index
    label = words.text("report.field.index", index=snap.pack.framework.index_name)
    index_cell = next(r[1] for r in summary.iter_rows(min_row=4, max_row=14) if r[0].value == label)
    assert index_cell.value == pytest.approx(float(index.value)) and index_cell.number_format == "0.00"
    assert index.value == snap.evaluation.index.value
    assert str(summary["A2"].value).startswith(("SIMULASI", "SIMULATION"))

    assert evidence.max_row - 1 == len(snap.evidence)
    codes = {r[0] for r in evidence.iter_rows(min_row=2, values_only=True)}
    assert codes == {e.code for e in snap.evidence}
    plan_rows = [r for r in plan.iter_rows(min_row=7, values_only=True) if isinstance(r[0], int)]
    assert [r[0] for r in plan_rows] == [e.indicator for e in snap.plan.entries] and plan_rows
    assert [r[4] for r in plan_rows] == [pytest.approx(float(e.to_level)) for e in snap.plan.entries]
    assert plan["F7"].number_format == "0.0000" and plan["H7"].is_date


def test_the_summary_has_a_native_chart_over_the_aspects(demo: dict[str, Snapshot]) -> None:
    data = workbook.build(demo["spbe-2020"], CatalogWords("id"))
    with zipfile.ZipFile(BytesIO(data)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert charts == ["xl/charts/chart1.xml"]
        xml = archive.read(charts[0]).decode()
    assert "<c:radarChart>" in xml and "Ringkasan" in xml  # a radar whose series points at the summary sheet's aspect table


def test_a_partial_evaluation_shows_both_readings(demo: dict[str, Snapshot]) -> None:
    full = demo["spbe-2020"]
    answers = {n: a for n, a in full.answers.items() if n <= 20}
    levels = {n: a.level for n, a in answers.items()}
    partial = replace(full, answers=answers, evaluation=evaluate(full.pack, levels))
    summary = read(workbook.build(partial, CatalogWords("en")))["Summary"]
    values = {str(r[0].value): r[1].value for r in summary.iter_rows(min_row=4, max_row=14) if r[0].value}
    answered = next(v for k, v in values.items() if "over the answered" in k)
    projected = next(v for k, v in values.items() if "projected" in k)
    assert answered == pytest.approx(float(partial.evaluation.index.value))
    assert projected == pytest.approx(float(partial.evaluation.projected.value)) and projected < answered
    indicators = read(workbook.build(partial, CatalogWords("en")))["Indicators"]
    assert indicators.cell(row=22, column=6).value is None  # indicator 21: unanswered, an empty cell, not 0


def test_the_same_input_gives_the_same_bytes(demo: dict[str, Snapshot]) -> None:
    """Byte for byte, also against the golden file made by the XlsxWriter version it names. To
    renew it after a deliberate change: SPBE_UPDATE_GOLDEN=1 pytest tests/reports/test_workbook.py."""
    words = CatalogWords("id")
    first, second = workbook.build(demo["spbe-2020"], words), workbook.build(demo["spbe-2020"], words)
    assert first == second
    golden = GOLDEN / "workbook-spbe-2020.xlsx"
    version = GOLDEN / "workbook-spbe-2020.xlsxwriter-version"
    if os.environ.get("SPBE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(first)
        version.write_text(xlsxwriter.__version__ + "\n")
    if version.read_text().strip() != xlsxwriter.__version__:
        pytest.skip(f"the golden file was made by XlsxWriter {version.read_text().strip()}, this is {xlsxwriter.__version__}")
    assert first == golden.read_bytes(), "the workbook changed: if on purpose, renew the golden file (see the docstring)"
