"""The evidence set as one ZIP: every kept file, named by its register code and the indicator it
supports (one copy per indicator, in a folder per indicator), and the register as a workbook.

Pure: the register's items and a function that gives a file's bytes by its hash come in, the ZIP's
bytes go out (:func:`build_evidence_zip`), or, under a size limit such as the 50 MB a Telegram bot
may send, one or more ZIPs each within it (:func:`build_evidence_zip_parts`). Texts come from
``words.text("report.evidence_zip.…")`` (the bot's catalogs, plain text), so the workbook is in the
reader's language. The same input gives
the same bytes: every member is dated by its item's sending time.

Layout::

    Register-bukti-dukung.xlsx                 the register: one row per item and indicator
    Indikator-02/B-001_Ind02_Perbup-No-12.pdf  an item supporting indicators 2 and 12 is in both folders
    Indikator-12/B-001_Ind12_Perbup-No-12.pdf
    Tanpa-indikator/B-004_Foto-rapat.jpg      items linked to no indicator of the period

Under a limit: that layout if it fits; else each file once (in the folder of its first indicator,
every register row naming that copy); else each file once, cut in the register's order into parts
("bagian 1 dari 3"), each with the whole register, whose file column names the part of each file.
"""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

STEM_CHARS = 60
# Formats that are compressed already (PDF streams, images, office files are ZIPs themselves): stored
# as they are, since compressing them again costs time and saves next to nothing.
STORED = frozenset({"pdf", "jpg", "jpeg", "png", "webp", "heic", "zip", "rar", "7z", "docx", "xlsx", "pptx", "odt", "ods", "odp"})
Names = dict[tuple[str, int | None], str]  # (code, indicator) -> the path of the file that row names
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


def _path(words: Words, item: EvidenceItem, indicator: int | None) -> str:
    return f"{_folder(words, indicator)}/{member_name(item.code, indicator, item.title, item.file_name, item.kind)}"


def _members(items: Sequence[EvidenceItem], words: Words, per_indicator: bool) -> tuple[list[tuple[EvidenceItem, list[str]]], Names]:
    """The files to write (each item with the paths it goes to) and the path every register row
    (item, indicator) names: with ``per_indicator`` a copy in every indicator's folder, else one copy
    in the folder of its first indicator, which every row of the item names."""
    members: list[tuple[EvidenceItem, list[str]]] = []
    names: Names = {}
    for item in items:
        if not item.sha256:
            continue
        paths: list[str] = []
        indicators: list[int | None] = [s.indicator for s in item.supports] or [None]
        for indicator in indicators:
            if per_indicator or not paths:
                paths.append(_path(words, item, indicator))
            names[(item.code, indicator)] = paths[-1]
        members.append((item, paths))
    return members, names


def _write(archive: zipfile.ZipFile, name: str, data: bytes, moment: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=_stamp(moment))
    info.compress_type = zipfile.ZIP_STORED if name.rsplit(".", 1)[-1] in STORED else zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _latest(items: Sequence[EvidenceItem]) -> datetime:
    return max((i.sent_at for i in items), default=datetime(1980, 1, 1))


async def build_evidence_zip(items: Sequence[EvidenceItem], read_file: Callable[[str], Awaitable[bytes | None]], words: Words, *,
                             title: str, per_indicator: bool = True) -> bytes:
    """The ZIP of ``items``: each stored file (its bytes from ``read_file(sha256)``, None when the
    store no longer has it) in the folder of every indicator it supports (``per_indicator=False``:
    once, in the folder of its first indicator, a smaller ZIP), and the register workbook headed by
    ``title``. A file that cannot be read is listed in the register as missing, never left out silently.
    Compressing runs in a worker thread, so an event loop keeps serving meanwhile."""
    members, names = _members(items, words, per_indicator)
    missing: set[str] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for item, paths in members:
            data = await read_file(item.sha256) if item.sha256 else None
            if data is None:
                missing.add(item.code)
                continue
            for path in paths:
                await asyncio.to_thread(_write, archive, path, data, item.sent_at)
        kept = {key: name for key, name in names.items() if key[0] not in missing}
        note = None if per_indicator else words.text("report.evidence_zip.note_once")
        workbook = await asyncio.to_thread(register_workbook, items, kept, missing, words, title=title, note=note)
        await asyncio.to_thread(_write, archive, words.text("report.evidence_zip.register_file"), workbook, _latest(items))
    return buffer.getvalue()


# --- under a size limit (what a Telegram bot may send) ---------------------------------------------

END = 22 + 64  # the end of the central directory, and some room


def _entry(name: str, size: int) -> int:
    """The most bytes a member of ``size`` bytes can take: its local header and central directory
    entry (30 and 46 bytes and the name twice) and deflate's worst case (stored blocks: a few bytes
    in a thousand more than the input)."""
    return size + size // 1000 + 64 + 76 + 2 * len(name.encode())


class EvidenceZipError(Exception):
    """The ZIP cannot be made within the limit (a single file larger than a part may be), or a file
    disappeared while it was made."""


@dataclass(frozen=True)
class Part:
    """One ZIP of the evidence set: ``number`` of ``total``, holding the files of the items
    ``first`` … ``last`` (codes) and the whole register."""

    data: bytes
    number: int
    total: int
    first: str | None = None
    last: str | None = None


async def build_evidence_zip_parts(items: Sequence[EvidenceItem], read_file: Callable[[str], Awaitable[bytes | None]], words: Words,
                                   *, title: str, limit: int) -> AsyncIterator[Part]:
    """The evidence set in ZIPs of at most ``limit`` bytes each, made one at a time (so only one part
    is in memory): the layout with a copy per indicator when it fits in one ZIP; else each file once;
    else each file once, split in the register's order into parts that each hold the whole register
    (its "file" column names the part each file is in). Every file is read once to learn its size
    before the first part is made, then again when its part is made."""
    sizes: dict[str, int] = {}
    for item in items:
        if item.sha256 and item.sha256 not in sizes:
            data = await read_file(item.sha256)
            if data is not None:
                sizes[item.sha256] = len(data)
    missing = {i.code for i in items if i.sha256 and i.sha256 not in sizes}
    present = [i for i in items if i.sha256 in sizes]
    register_name = words.text("report.evidence_zip.register_file")
    for per_indicator in (True, False):
        members, names = _members(present, words, per_indicator)
        note = None if per_indicator else words.text("report.evidence_zip.note_once")
        register = await asyncio.to_thread(register_workbook, items, names, missing, words, title=title, note=note)
        need = sum(_entry(path, sizes[str(item.sha256)]) for item, paths in members for path in paths)
        if need + _entry(register_name, len(register)) + END <= limit:
            yield Part(await _zip(items, members, register, register_name, read_file, limit), 1, 1)
            return
    reserve = _entry(register_name, len(register)) + END
    while True:  # the register names each file's part, so its size depends on the split: until it fits the room kept
        groups = _split(members, sizes, limit - reserve)  # the each-file-once layout, the loop's last
        total = len(groups)
        part_of = {item.code: number for number, group in enumerate(groups, 1) for item, _ in group}
        labelled = {key: words.text("report.evidence_zip.in_part", part=part_of[key[0]], parts=total, file=path)
                    for key, path in names.items()}
        note = words.text("report.evidence_zip.note_parts", parts=total)
        register = await asyncio.to_thread(register_workbook, items, labelled, missing, words, title=title, note=note)
        if _entry(register_name, len(register)) + END <= reserve:
            break
        reserve = _entry(register_name, len(register)) + END
    for number, group in enumerate(groups, 1):
        yield Part(await _zip(items, group, register, register_name, read_file, limit), number, total,
                   group[0][0].code if group else None, group[-1][0].code if group else None)


def _split(members: list[tuple[EvidenceItem, list[str]]], sizes: dict[str, int], room: int) -> list[list[tuple[EvidenceItem, list[str]]]]:
    """``members`` in order, cut into groups whose files take at most ``room`` bytes each."""
    groups: list[list[tuple[EvidenceItem, list[str]]]] = [[]]
    used = 0
    for item, paths in members:
        need = sum(_entry(path, sizes[str(item.sha256)]) for path in paths)
        if need > room:
            raise EvidenceZipError(f"{item.code} ({sizes[str(item.sha256)]:,} bytes) does not fit in a ZIP of the limit with the register")
        if used + need > room and groups[-1]:
            groups.append([])
            used = 0
        groups[-1].append((item, paths))
        used += need
    return groups


async def _zip(items: Sequence[EvidenceItem], members: list[tuple[EvidenceItem, list[str]]], register: bytes, register_name: str,
               read_file: Callable[[str], Awaitable[bytes | None]], limit: int) -> bytes:
    """One ZIP of ``members`` and the register made already (every file was there when it was planned)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for item, paths in members:
            data = await read_file(str(item.sha256))
            if data is None:
                raise EvidenceZipError(f"the file of {item.code} went missing while the ZIP was made; make it again")
            for path in paths:
                await asyncio.to_thread(_write, archive, path, data, item.sent_at)
        await asyncio.to_thread(_write, archive, register_name, register, _latest(items))
    if len(buffer.getbuffer()) > limit:  # the sizes above are upper bounds, so this is a bug, not bad luck
        raise EvidenceZipError(f"a part came out at {len(buffer.getbuffer()):,} bytes, over the limit of {limit:,}")
    return buffer.getvalue()


def register_workbook(items: Sequence[EvidenceItem], names: Names, missing: set[str], words: Words, *, title: str,
                      note: str | None = None) -> bytes:
    """The register as an XLSX workbook: one row per item and indicator it supports; ``names``: the
    path in the ZIP of each row's file, ``note``: a line on the layout under the general one."""
    import xlsxwriter  # imported only when a workbook is made

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    book.set_properties({"created": _wall(_latest(items))})  # not the time it is made: the same register gives the same bytes
    sheet = book.add_worksheet(words.text("report.evidence_zip.sheet")[:31])
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    sheet.write(0, 0, title, bold)
    sheet.write(1, 0, words.text("report.evidence_zip.note"))
    if note:
        sheet.write(2, 0, note)
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
