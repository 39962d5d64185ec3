"""The evidence set as one ZIP: every kept file, named by its register code and the indicator it
supports (one copy per indicator, in a folder per indicator), and the register as a workbook.

Pure: the register's items and a function that gives a file's bytes by its hash come in, the ZIP's
bytes go out (:func:`build_evidence_zip`). Texts come from ``words.text("report.evidence_zip.…")``
(the bot's catalogs, plain text), so the workbook is in the reader's language. The same input gives
the same bytes: every member is dated by its item's sending time.

Layout::

    Register-bukti-dukung.xlsx                 the register: one row per item and indicator
    Indikator-02/B-001_Ind02_Perbup-No-12.pdf  an item supporting indicators 2 and 12 is in both folders
    Indikator-12/B-001_Ind12_Perbup-No-12.pdf
    Tanpa-indikator/B-004_Foto-rapat.jpg      items linked to no indicator of the period
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

STEM_CHARS = 60
# Formats that are compressed already (PDF streams, images, office files are ZIPs themselves): stored
# as they are, since compressing them again costs time and saves next to nothing.
STORED = frozenset({"pdf", "jpg", "jpeg", "png", "webp", "heic", "zip", "rar", "7z", "docx", "xlsx", "pptx", "odt", "ods", "odp"})
WIDTHS = {"title": 48, "indicator_name": 32, "note": 48, "sha256": 20, "file": 44, "sent_at": 18, "reviewed_at": 18, "doc_date": 14}


class Words(Protocol):
    """What the renderer writes with: catalog texts by key (``reports.words.Words`` fits)."""

    def text(self, key: str, /, **args: object) -> str: ...


@dataclass(frozen=True)
class Support:
    """One indicator an item supports, with the item's review for it."""

    indicator: int
    indicator_name: str
    level: int | None = None  # the level claimed when the item was sent
    review: str = "pending"  # pending, accepted, revision, rejected, replaced
    note: str | None = None  # the reviewer's note, verbatim
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """One register item (one file), as the export shows it."""

    code: str  # "B-012"
    title: str
    kind: str  # "document" or "photo"
    sent_by: str
    sent_at: datetime  # aware; shown in its own zone
    sha256: str | None = None  # None: no stored file (sent before files were kept): listed, not in the ZIP
    file_name: str | None = None  # the name it was sent with
    size: int | None = None
    doc_number: str | None = None
    doc_date: date | None = None
    doc_year: int | None = None
    supports: tuple[Support, ...] = ()


def member_name(code: str, indicator: int | None, title: str | None, file_name: str | None, kind: str) -> str:
    """A file's name in the ZIP (and when the bot sends it): its code, the indicator, its own name
    (or title), its extension: ``B-012_Ind12_Perbup-No-12-Tahun-2023.pdf``. Only letters, digits,
    dots and dashes remain, so no name reaches outside its folder."""
    base = re.split(r"[/\\]", file_name or "")[-1].strip(". ")
    stem, dot, ext = base.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", ext):
        stem, ext = base, ""
    ext = ext.lower() or ("jpg" if kind == "photo" else "bin")
    stem = re.sub(r"[^\w-]+", "-", stem or title or kind).strip("-_")[:STEM_CHARS] or kind
    return f"{code}{f'_Ind{indicator:02d}' if indicator is not None else ''}_{stem}.{ext}"


def _headers(words: Words) -> dict[str, str]:
    """The register's columns, in order, with their headings (literal keys: the catalog test finds them)."""
    return {
        "code": words.text("report.evidence_zip.column.code"), "title": words.text("report.evidence_zip.column.title"),
        "doc_number": words.text("report.evidence_zip.column.doc_number"), "doc_date": words.text("report.evidence_zip.column.doc_date"),
        "kind": words.text("report.evidence_zip.column.kind"), "size": words.text("report.evidence_zip.column.size"),
        "sha256": words.text("report.evidence_zip.column.sha256"), "sent_by": words.text("report.evidence_zip.column.sent_by"),
        "sent_at": words.text("report.evidence_zip.column.sent_at"), "indicator": words.text("report.evidence_zip.column.indicator"),
        "indicator_name": words.text("report.evidence_zip.column.indicator_name"), "level": words.text("report.evidence_zip.column.level"),
        "review": words.text("report.evidence_zip.column.review"), "note": words.text("report.evidence_zip.column.note"),
        "reviewed_by": words.text("report.evidence_zip.column.reviewed_by"),
        "reviewed_at": words.text("report.evidence_zip.column.reviewed_at"), "file": words.text("report.evidence_zip.column.file"),
    }


def _review(words: Words, status: str) -> str:
    return {
        "pending": words.text("report.evidence_zip.review.pending"), "accepted": words.text("report.evidence_zip.review.accepted"),
        "revision": words.text("report.evidence_zip.review.revision"), "rejected": words.text("report.evidence_zip.review.rejected"),
        "replaced": words.text("report.evidence_zip.review.replaced"),
    }[status]


def _folder(words: Words, indicator: int | None) -> str:
    if indicator is None:
        return words.text("report.evidence_zip.folder_unlinked")
    return words.text("report.evidence_zip.folder", number=f"{indicator:02d}")


def _wall(moment: datetime) -> datetime:
    """The time as the clock on the wall showed it in its own zone (ZIP and XLSX times have no zone)."""
    return moment.replace(tzinfo=None)


def _stamp(moment: datetime) -> tuple[int, int, int, int, int, int]:
    year, month, day, hour, minute, second = max(_wall(moment), datetime(1980, 1, 1)).timetuple()[:6]  # ZIP dates start in 1980
    return year, month, day, hour, minute, second


async def build_evidence_zip(items: Sequence[EvidenceItem], read_file: Callable[[str], Awaitable[bytes | None]], words: Words, *,
                             title: str, per_indicator: bool = True) -> bytes:
    """The ZIP of ``items``: each stored file (its bytes from ``read_file(sha256)``, None when the
    store no longer has it) in the folder of every indicator it supports (``per_indicator=False``:
    once, in the folder of its first indicator, a smaller ZIP), and the register workbook headed by
    ``title``. A file that cannot be read is listed in the register as missing, never left out silently."""
    buffer = io.BytesIO()
    names: dict[tuple[str, int | None], str] = {}
    missing: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for item in items:
            data = await read_file(item.sha256) if item.sha256 else None
            if data is None:
                missing.add(item.code)
                continue
            indicators: list[int | None] = [s.indicator for s in item.supports] or [None]
            written: str | None = None
            for indicator in indicators:
                if written is not None and not per_indicator:
                    names[(item.code, indicator)] = written
                    continue
                name = f"{_folder(words, indicator)}/{member_name(item.code, indicator, item.title, item.file_name, item.kind)}"
                names[(item.code, indicator)] = written = name
                info = zipfile.ZipInfo(name, date_time=_stamp(item.sent_at))
                info.compress_type = zipfile.ZIP_STORED if name.rsplit(".", 1)[-1] in STORED else zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        workbook = register_workbook(items, names, missing, words, title=title)
        info = zipfile.ZipInfo(words.text("report.evidence_zip.register_file"), date_time=_stamp(max((i.sent_at for i in items),
                                                                                                         default=datetime(1980, 1, 1))))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, workbook)
    return buffer.getvalue()


def register_workbook(items: Sequence[EvidenceItem], names: dict[tuple[str, int | None], str], missing: set[str], words: Words, *,
                      title: str) -> bytes:
    """The register as an XLSX workbook: one row per item and indicator it supports."""
    import xlsxwriter  # imported only when a workbook is made

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(words.text("report.evidence_zip.sheet")[:31])
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, words.text("report.evidence_zip.note"))
    first = 3
    columns = _headers(words)
    for column, (key, heading) in enumerate(columns.items()):
        sheet.write(first, column, heading, header)
        sheet.set_column(column, column, WIDTHS.get(key, 12))
    row = first
    for item in items:
        for support in item.supports or (None,):
            row += 1
            indicator = support.indicator if support else None
            file = names.get((item.code, indicator)) or (
                words.text("report.evidence_zip.not_stored") if item.sha256 is None else words.text("report.evidence_zip.missing"))
            kind = words.text("report.evidence_zip.photo") if item.kind == "photo" else words.text("report.evidence_zip.document")
            values: dict[str, object] = {
                "code": item.code, "title": item.title, "doc_number": item.doc_number or "", "kind": kind,
                "size": item.size, "sha256": item.sha256 or "", "sent_by": item.sent_by, "file": file,
                "indicator": indicator, "indicator_name": support.indicator_name if support else "",
                "level": support.level if support else None, "note": (support.note or "") if support else "",
                "reviewed_by": (support.reviewed_by or "") if support else "",
                "review": _review(words, support.review) if support else "",
            }
            for column, key in enumerate(columns):
                value = values.get(key)
                if key == "sent_at":
                    sheet.write_datetime(row, column, _wall(item.sent_at), when)
                elif key == "reviewed_at" and support and support.reviewed_at:
                    sheet.write_datetime(row, column, _wall(support.reviewed_at), when)
                elif key == "doc_date" and item.doc_date:
                    sheet.write_datetime(row, column, datetime(item.doc_date.year, item.doc_date.month, item.doc_date.day), day)
                elif key == "doc_date" and item.doc_year:
                    sheet.write_number(row, column, item.doc_year)
                elif isinstance(value, int):
                    sheet.write_number(row, column, value)
                elif value is not None and value != "":
                    sheet.write_string(row, column, str(value), wrap)
    sheet.freeze_panes(first + 1, 1)
    sheet.autofilter(first, 0, max(row, first), len(columns) - 1)
    book.close()
    return out.getvalue()
