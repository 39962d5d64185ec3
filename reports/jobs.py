"""Which files can be made, and making one step by step.

:func:`make` is a generator: it yields the name of each step as it finishes (the chat's status
message shows them) and then the file or files. The bot runs it a step at a time in a worker
thread, so the event loop keeps serving other users while a PDF is drawn; the CLI just drains it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI reads FORMATS without loading the renderers' models
    from reports.snapshot import Snapshot
    from reports.words import Words

FORMATS = ("pdf", "xlsx", "docx", "csv", "portal")  # the files of /ekspor and `spbe-bot export`
CHARTS = "charts"  # /grafik: the two chart images
LEAD_ONLY = frozenset({"docx"})  # the berita acara names the team and is what the koordinator signs
STEPS: dict[str, tuple[str, ...]] = {
    "pdf": ("charts", "pages", "finish"),
    "xlsx": ("sheets",),
    "docx": ("document",),
    "csv": ("table",),
    "portal": ("texts",),
    CHARTS: ("radar", "bars"),
}
MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "portal": "text/plain",
    "png": "image/png",
}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "docx": "docx", "csv": "csv", "portal": "txt", "png": "png"}


@dataclass(frozen=True)
class ReportFile:
    name: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class Options:
    minutes_template: Path | None = None  # the operator's berita acara template


def slug(text: str) -> str:
    """ASCII letters, digits and dashes: "Kabupaten Contoh (demo)" -> "kabupaten-contoh-demo"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "instansi"


def file_name(kind: str, snapshot: Snapshot, words: Words, part: str = "") -> str:
    """The institution, the year and the day it was made: ``laporan-spbe_kabupaten-contoh_2025_2026-12-01.pdf``."""
    prefix = {
        "pdf": words.text("report.file.pdf"), "xlsx": words.text("report.file.xlsx"), "docx": words.text("report.file.docx"),
        "csv": words.text("report.file.csv"), "portal": words.text("report.file.portal"), "radar": words.text("report.file.radar"),
        "bars": words.text("report.file.bars"),
    }[part or kind]
    extension = EXTENSIONS["png" if kind == CHARTS else kind]
    return f"{slug(prefix)}_{slug(snapshot.institution)}_{snapshot.year}_{snapshot.made_at:%Y-%m-%d}.{extension}"


def prepare() -> None:
    """Load what the PDF report needs (matplotlib, fpdf2: about a second on a cold process) and draw
    one small chart (matplotlib's fonts), so a file asked for a few seconds later does not wait."""
    import fpdf  # noqa: F401
    import xlsxwriter  # noqa: F401

    from reports import charts

    charts.warm_up()


def make(kind: str, snapshot: Snapshot, words: Words, options: Options | None = None) -> Iterator[str | ReportFile]:
    """Make ``kind`` (one of :data:`FORMATS`, or :data:`CHARTS`), yielding step names, then the file(s)."""
    options = options or Options()
    if kind == "pdf":
        from reports import pdf

        for item in pdf.steps(snapshot, words):
            if isinstance(item, bytes):
                yield "finish"
                yield ReportFile(file_name(kind, snapshot, words), item, MIME[kind])
            else:
                yield item
        return
    if kind == CHARTS:
        from reports import charts

        radar = charts.radar(snapshot, words)
        yield "radar"
        bars = charts.bars(snapshot, words)
        yield "bars"
        yield ReportFile(file_name(kind, snapshot, words, "radar"), radar, MIME["png"])
        yield ReportFile(file_name(kind, snapshot, words, "bars"), bars, MIME["png"])
        return
    if kind == "xlsx":
        from reports import workbook

        data = workbook.build(snapshot, words)
    elif kind == "docx":
        from reports import minutes

        data = minutes.build(snapshot, words, options.minutes_template)
    elif kind == "csv":
        from reports import table

        data = table.build(snapshot, words)
    elif kind == "portal":
        from reports import portal

        data = portal.build(snapshot, words)
    else:
        raise ValueError(f"unknown format {kind!r}; one of {', '.join((*FORMATS, CHARTS))}")
    yield STEPS[kind][0]
    yield ReportFile(file_name(kind, snapshot, words), data, MIME[kind])


def files(kind: str, snapshot: Snapshot, words: Words, options: Options | None = None) -> list[ReportFile]:
    """Make ``kind`` at once (the CLI, tests)."""
    return [item for item in make(kind, snapshot, words, options) if isinstance(item, ReportFile)]
