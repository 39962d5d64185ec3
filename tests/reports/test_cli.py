"""``spbe-bot demo``, ``export`` and ``minutes-template`` as an operator runs them; the console makes
the same files; and the answer path never loads the renderers' heavy libraries."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from bot.cli import main
from tests.reports.answer_path import ANSWER_PATH, PRINT_HEAVY

DEMO_YEARS = {2020: "spbe-2018", 2025: "spbe-2020", 2026: "pemdi-2026"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("SPBE_DATABASE_PATH", "SPBE_PACKS", "SPBE_TIMEZONE", "SPBE_DEFAULT_LANGUAGE", "SPBE_MINUTES_TEMPLATE", "SPBE_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_then_every_export(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--database", "demo.sqlite3")
    assert code == 0 and "created: institution 1" in out
    for year, framework in DEMO_YEARS.items():
        assert f"{year}  {framework}" in out
    code, out, _ = run(capsys, "demo", "--database", "demo.sqlite3")  # once is enough
    assert code == 0 and "already there: institution 1" in out

    for year in DEMO_YEARS:
        for kind in ("pdf", "xlsx", "docx", "csv", "portal"):
            code, out, err = run(capsys, "export", "--database", "demo.sqlite3", "--institution", "1", "--year", str(year),
                                 "--format", kind, "--out", ".")
            assert code == 0, err
            written = Path(out.split()[1])
            assert written.exists() and f"_{year}_" in written.name and written.stat().st_size > 1000
    assert len(list(clean_env.glob("laporan-penilaian-mandiri_*.pdf"))) == 3
    pdf = next(clean_env.glob("laporan-penilaian-mandiri_*_2025_*.pdf"))
    assert "Tingkat Kematangan Layanan Publik Sektor 3" in " ".join(p.extract_text() for p in PdfReader(pdf).pages)

    code, _, _ = run(capsys, "export", "--database", "demo.sqlite3", "--institution", "1", "--year", "2026", "--format", "xlsx",
                     "--out", "book.xlsx", "--lang", "en")
    assert code == 0 and openpyxl.load_workbook("book.xlsx").sheetnames == ["Summary", "Indicators", "Evidence", "Action plan"]


@pytest.mark.parametrize(("args", "message"), [
    (("--institution", "9", "--year", "2025"), "spbe-bot: no institution 9 (institutions: 1 Pemerintah Kabupaten Contoh Makmur (demo))"),
    (("--institution", "1", "--year", "2030"), "has no evaluation for 2030 (years: 2020, 2025, 2026)"),
])
def test_export_says_what_is_there_when_asked_for_what_is_not(clean_env: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                                              message: str) -> None:
    run(capsys, "demo", "--database", "demo.sqlite3")
    code, _, err = run(capsys, "export", "--database", "demo.sqlite3", *args, "--format", "pdf", "--out", "x.pdf")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1 and not Path("x.pdf").exists()


def test_export_without_a_database_and_with_a_missing_template(clean_env: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(capsys, "export", "--database", "none.sqlite3", "--institution", "1", "--year", "2025", "--format", "pdf",
                       "--out", "x.pdf")
    assert code == 1 and "no database at none.sqlite3" in err and not Path("none.sqlite3").exists()
    monkeypatch.setenv("SPBE_MINUTES_TEMPLATE", "hilang.docx")
    code, _, err = run(capsys, "export", "--database", "none.sqlite3", "--institution", "1", "--year", "2025", "--format", "docx",
                       "--out", "x.docx")
    assert code == 2 and err.startswith("spbe-bot: configuration error: SPBE_MINUTES_TEMPLATE: hilang.docx is not a file")


def test_the_built_in_template_can_be_edited_and_used(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "minutes-template", "--out", "templat.docx")
    assert code == 0 and "SPBE_MINUTES_TEMPLATE" in out
    template = docx.Document("templat.docx")
    template.paragraphs[0].text = "BERITA ACARA (KOP DINAS KOMINFO)"
    template.save("templat.docx")
    run(capsys, "demo", "--database", "demo.sqlite3")
    code, _, err = run(capsys, "export", "--database", "demo.sqlite3", "--institution", "1", "--year", "2025", "--format", "docx",
                       "--out", "ba.docx", "--template", "templat.docx")
    assert code == 0, err
    text = "\n".join(p.text for p in docx.Document("ba.docx").paragraphs)
    assert text.startswith("BERITA ACARA (KOP DINAS KOMINFO)") and "Dr. Ratna Widyaningsih, M.Si." in text and "{{" not in text


def test_the_console_writes_the_files_it_is_asked_for(clean_env: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/ekspor\n#2\n/keluar\n"))
    assert main(["console"]) == 0
    out = capsys.readouterr().out
    written = list(clean_env.glob("lembar-kerja_*.xlsx"))
    assert len(written) == 1 and f"[file] {written[0].name}" in out
    assert openpyxl.load_workbook(written[0])["Indikator"].max_row == 48


def test_the_answer_path_loads_no_renderer_library() -> None:
    """Start the bot's modules and save an answer through the engine: matplotlib, fpdf2, XlsxWriter and
    docxtpl stay unloaded (they load only when a file is made)."""
    result = subprocess.run([sys.executable, "-c", ANSWER_PATH + PRINT_HEAVY], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["heavy"] == []
