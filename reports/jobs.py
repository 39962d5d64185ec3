"""Which files can be made, and making one step by step.

:func:`make` is a generator: it yields the name of each step as it finishes (the chat's status
message shows them) and then the file or files. The bot runs it a step at a time in a worker
thread, so the event loop keeps serving other users while a PDF is drawn; the CLI just drains it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI reads FORMATS without loading the renderers' models
    from reports.evidence_zip import EvidenceItem
    from reports.snapshot import Snapshot
    from reports.words import Words

EVIDENCE_ZIP = "evidence-zip"  # every kept file and the register (made by evidence_zip(), not make(): it reads the file store)
FORMATS = ("pdf", "xlsx", "docx", "csv", "portal", EVIDENCE_ZIP)  # the files of /ekspor and `spbe-bot export`
CHARTS = "charts"  # /grafik: the two chart images
LEAD_ONLY = frozenset({"docx"})  # the berita acara names the team and is what the koordinator signs
STEPS: dict[str, tuple[str, ...]] = {
    "pdf": ("charts", "pages", "finish"),
    "xlsx": ("sheets",),
    "docx": ("document",),
    "csv": ("table",),
    "portal": ("texts",),
    CHARTS: ("radar", "bars"),
    EVIDENCE_ZIP: ("files", "zip"),
}
MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "portal": "text/plain",
    "png": "image/png",
    EVIDENCE_ZIP: "application/zip",
}
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "docx": "docx", "csv": "csv", "portal": "txt", "png": "png", EVIDENCE_ZIP: "zip"}


@dataclass(frozen=True)
class ReportFile:
    name: str
    data: bytes
    mime: str
    part: int = 1  # of ``parts``: the evidence ZIP comes in several when it is over the limit given
    parts: int = 1
    first: str | None = None  # the codes of the first and last item whose files the part holds
    last: str | None = None


@dataclass(frozen=True)
class Options:
    minutes_template: Path | None = None  # the operator's berita acara template


def slug(text: str) -> str:
    """ASCII letters, digits and dashes: "Kabupaten Contoh (demo)" -> "kabupaten-contoh-demo"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "instansi"


def file_name(kind: str, snapshot: Snapshot, words: Words, part: str = "", piece: tuple[int, int] | None = None) -> str:
    """The institution, the year and the day it was made: ``laporan-spbe_kabupaten-contoh_2025_2026-12-01.pdf``;
    ``piece`` (number, total) adds ``_bagian-1-dari-3``."""
    prefix = {
        "pdf": words.text("report.file.pdf"), "xlsx": words.text("report.file.xlsx"), "docx": words.text("report.file.docx"),
        "csv": words.text("report.file.csv"), "portal": words.text("report.file.portal"), "radar": words.text("report.file.radar"),
        "bars": words.text("report.file.bars"), EVIDENCE_ZIP: words.text("report.file.evidence_zip"),
    }[part or kind]
    extension = EXTENSIONS["png" if kind == CHARTS else kind]
    suffix = f"_{slug(words.text('report.file.part', part=piece[0], parts=piece[1]))}" if piece else ""
    return f"{slug(prefix)}_{slug(snapshot.institution)}_{snapshot.year}_{snapshot.made_at:%Y-%m-%d}{suffix}.{extension}"


def prepare() -> None:
    """Load what the PDF report needs (matplotlib, fpdf2: about a second on a cold process) and draw
    one small chart (matplotlib's fonts), so a file asked for a few seconds later does not wait."""
    import fpdf  # noqa: F401
    import xlsxwriter  # noqa: F401

    from reports import charts

    charts.warm_up()


def make(kind: str, snapshot: Snapshot, words: Words, options: Options | None = None) -> Iterator[str | ReportFile]:
    """Make ``kind`` (one of :data:`FORMATS` but the evidence ZIP, or :data:`CHARTS`), yielding step names, then the file(s)."""
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


async def evidence_zip(snapshot: Snapshot, items: Sequence[EvidenceItem], read_file: Callable[[str], Awaitable[bytes | None]],
                       words: Words, limit: int | None = None) -> AsyncIterator[str | ReportFile]:
    """The evidence ZIP of ``items`` (``conversations.register.zip_items``), yielding its steps and
    its file: one ZIP with a copy of each file per indicator, or, under ``limit`` (bytes), as many
    ZIPs as it takes, each yielded as soon as it is made (see ``reports.evidence_zip``)."""
    from reports import evidence_zip

    title = words.text("report.evidence_zip.title", institution=snapshot.institution, year=snapshot.year)
    if limit is None:
        data = await evidence_zip.build_evidence_zip(items, read_file, words, title=title)
        yield "files"
        yield "zip"
        yield ReportFile(file_name(EVIDENCE_ZIP, snapshot, words), data, MIME[EVIDENCE_ZIP])
        return
    async for part in evidence_zip.build_evidence_zip_parts(items, read_file, words, title=title, limit=limit):
        if part.number == 1:
            yield "files"  # every file was read once (its size) before the first part
        name = file_name(EVIDENCE_ZIP, snapshot, words, piece=(part.number, part.total) if part.total > 1 else None)
        yield ReportFile(name, part.data, MIME[EVIDENCE_ZIP], part.number, part.total, part.first, part.last)
        del part  # sent by now: not kept while the next part is made
    yield "zip"


async def evidence_files(snapshot: Snapshot, items: Sequence[EvidenceItem], read_file: Callable[[str], Awaitable[bytes | None]],
                         words: Words, limit: int | None = None) -> list[ReportFile]:
    """The evidence ZIP (or its parts) at once (the CLI, the console, tests)."""
    return [item async for item in evidence_zip(snapshot, items, read_file, words, limit) if isinstance(item, ReportFile)]


def files(kind: str, snapshot: Snapshot, words: Words, options: Options | None = None) -> list[ReportFile]:
    """Make ``kind`` at once (the CLI, tests)."""
    return [item for item in make(kind, snapshot, words, options) if isinstance(item, ReportFile)]
