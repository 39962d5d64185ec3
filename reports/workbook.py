"""The workbook (.xlsx, XlsxWriter): Ringkasan with a native chart, Indikator (one row per
indicator), Bukti dukung, Rencana aksi.

Numbers are numbers: indices, weights and fractional levels with a ``0.00`` format, whole levels
``0``, gains ``0.0000``, dates as dates. The values written are the ones the engine shows (already
rounded half up), so the spreadsheet's display agrees with the chat. The same snapshot gives the
same bytes: the zip entries carry a fixed date (XlsxWriter's in-memory mode) and the document's
creation date is the snapshot's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from reports import facts
from reports.snapshot import PlanEntry, Snapshot, level_name, localized
from reports.words import Words

TITLE_ROW = 0
NUMBER = "0.00"
WHOLE = "0"
GAIN = "0.0000"
DATE = "dd/mm/yyyy"
MOMENT = "dd/mm/yyyy hh:mm"


def _plain(value: datetime) -> datetime:
    """Spreadsheets have no time zones: the local time of the snapshot's zone."""
    return value.replace(tzinfo=None)


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.banner = book.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "text_wrap": True})
        self.head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        self.label = book.add_format({"bold": True})
        self.text = book.add_format({"text_wrap": True, "valign": "top"})
        self.cell = book.add_format({"valign": "top"})
        self.number = book.add_format({"num_format": NUMBER, "valign": "top"})
        self.whole = book.add_format({"num_format": WHOLE, "valign": "top"})
        self.gain = book.add_format({"num_format": GAIN, "valign": "top"})
        self.date = book.add_format({"num_format": DATE, "valign": "top"})
        self.moment = book.add_format({"num_format": MOMENT, "valign": "top"})
        self.note = book.add_format({"italic": True, "text_wrap": True, "valign": "top"})


def build(snapshot: Snapshot, words: Words) -> bytes:
    import xlsxwriter  # imported when a workbook is made: the answer path never loads it

    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    w = words
    book.set_properties({
        "title": w.text("report.xlsx.title", institution=snapshot.institution, year=snapshot.year),
        "subject": snapshot.pack.framework.title,
        "author": "spbe-bot",
        "comments": w.text("report.simulation_banner"),
        "created": _plain(snapshot.made_at),
    })
    formats = _Formats(book)
    summary = book.add_worksheet(w.text("report.xlsx.sheet_summary"))
    indicators = book.add_worksheet(w.text("report.xlsx.sheet_indicators"))
    evidence = book.add_worksheet(w.text("report.xlsx.sheet_evidence"))
    plan = book.add_worksheet(w.text("report.xlsx.sheet_plan"))
    _summary(book, summary, snapshot, words, formats)
    _indicators(indicators, snapshot, words, formats)
    _evidence(evidence, snapshot, words, formats)
    _plan(plan, snapshot, words, formats)
    book.close()
    return buffer.getvalue()


def _header(sheet: Any, row: int, titles: Sequence[str], formats: _Formats) -> None:
    for column, title in enumerate(titles):
        sheet.write_string(row, column, title, formats.head)


def _number(sheet: Any, row: int, column: int, value: Decimal | None, fmt: Any) -> None:
    if value is None:
        sheet.write_blank(row, column, None, fmt)
    else:
        sheet.write_number(row, column, float(value), fmt)


def _summary(book: Any, sheet: Any, snapshot: Snapshot, w: Words, f: _Formats) -> None:
    pack, ev = snapshot.pack, snapshot.evaluation
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 7, 13)
    sheet.write_string(TITLE_ROW, 0, w.text("report.xlsx.title", institution=snapshot.institution, year=snapshot.year), f.title)
    sheet.merge_range(1, 0, 1, 5, w.text("report.simulation_banner"), f.banner)
    sheet.set_row(1, 32)
    headline = facts.headline(snapshot)
    index_name = pack.framework.index_name
    rows: list[tuple[str, Any, Any]] = [
        (w.text("report.field.institution"), snapshot.institution, f.cell),
        (w.text("report.field.year"), snapshot.year, f.whole),
        (w.text("report.field.framework"), f"{pack.framework.title} ({pack.id})", f.text),
        (w.text("report.field.made_at"), _plain(snapshot.made_at), f.moment),
    ]
    if ev.complete:
        rows.append((w.text("report.field.index", index=index_name), headline.value, f.number))
    else:
        rows.append((w.text("report.field.index_answered", index=index_name), ev.index.value if ev.index else None, f.number))
        rows.append((w.text("report.field.index_projected", index=index_name, level=pack.scale.min), headline.value, f.number))
    rows += [
        (w.text("report.field.predicate"), facts.predicate_label(headline.predicate, w.lang), f.cell),
        (w.text("report.field.answered"), ev.answered, f.whole),
        (w.text("report.field.indicators"), ev.total, f.whole),
    ]
    row = 3
    for label, value, fmt in rows:
        sheet.write_string(row, 0, label, f.label)
        if isinstance(value, Decimal | int | float) or value is None:
            _number(sheet, row, 1, None if value is None else Decimal(value), fmt)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, 1, value, fmt)
        else:
            sheet.write_string(row, 1, str(value), fmt)
        row += 1

    row += 1
    domain_rows = facts.domains(snapshot, w.lang)
    if domain_rows:
        sheet.write_string(row, 0, w.text("report.xlsx.by_domain"), f.label)
        row = _part_table(sheet, row + 1, domain_rows, w, f) + 1
    sheet.write_string(row, 0, w.text("report.xlsx.by_aspect"), f.label)
    first_aspect = row + 2
    aspect_rows = facts.aspects(snapshot, w.lang)
    row = _part_table(sheet, row + 1, aspect_rows, w, f) + 1

    chart = book.add_chart({"type": "radar", "subtype": "with_markers"})
    name = sheet.get_name()
    last = first_aspect + len(aspect_rows) - 1
    chart.add_series({
        "name": w.text("report.chart.series", index=pack.framework.index_name),
        "categories": [name, first_aspect, 0, last, 0],
        "values": [name, first_aspect, 3, last, 3],
    })
    chart.set_title({"name": w.text("report.chart.radar_title")})
    chart.set_y_axis({"min": pack.scale.min, "max": pack.scale.max, "major_unit": 1})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": 380})
    sheet.insert_chart(3, 3, chart)

    if pack.framework.caveats:
        sheet.write_string(row, 0, w.text("report.caveats"), f.label)
        caveats = pack.framework.caveats_en if w.lang == "en" and pack.framework.caveats_en else pack.framework.caveats
        for caveat in caveats:
            row += 1
            sheet.merge_range(row, 0, row, 5, caveat, f.note)
            sheet.set_row(row, 45)


def _part_table(sheet: Any, row: int, parts: list[facts.PartRow], w: Words, f: _Formats) -> int:
    """A table of domains or aspects from ``row``; returns the row after it."""
    _header(sheet, row, [w.text("report.col.code"), w.text("report.col.name"), w.text("report.col.weight"),
                         w.text("report.col.value"), w.text("report.col.answered"), w.text("report.col.total")], f)
    for part in parts:
        row += 1
        sheet.write_string(row, 0, part.key, f.cell)
        sheet.write_string(row, 1, part.name, f.text)
        _number(sheet, row, 2, part.weight, f.number)
        _number(sheet, row, 3, part.projected.value if part.projected else None, f.number)
        sheet.write_number(row, 4, part.answered, f.whole)
        sheet.write_number(row, 5, part.total, f.whole)
    return row + 1


def _indicators(sheet: Any, snapshot: Snapshot, w: Words, f: _Formats) -> None:
    pack = snapshot.pack
    titles = [w.text("report.col.number"), w.text("report.col.domain"), w.text("report.col.aspect"), w.text("report.col.indicator"),
              w.text("report.col.weight"), w.text("report.col.level"), w.text("report.col.level_name"),
              w.text("report.col.explanation"), w.text("report.col.evidence"), w.text("report.col.answered_by"),
              w.text("report.col.answered_at"), w.text("report.col.locked"), w.text("report.col.assignee")]
    widths = [6, 22, 26, 48, 9, 7, 16, 60, 30, 16, 16, 9, 16]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    _header(sheet, 0, titles, f)
    level_format = f.number if pack.scale.fractional else f.whole
    for row, indicator in enumerate(pack.indicators, start=1):
        aspect = pack.aspect(indicator.aspect)
        domain = pack.domain(aspect.domain) if aspect.domain else None
        answer = snapshot.answers.get(indicator.number)
        sheet.write_number(row, 0, indicator.number, f.whole)
        sheet.write_string(row, 1, localized(domain, w.lang) if domain else "", f.text)
        sheet.write_string(row, 2, localized(aspect, w.lang), f.text)
        sheet.write_string(row, 3, indicator.name, f.text)
        _number(sheet, row, 4, indicator.weight, f.number)
        _number(sheet, row, 5, answer.level if answer else None, level_format)
        sheet.write_string(row, 6, level_name(pack, indicator, answer.level, w.lang) if answer else "", f.cell)
        sheet.write_string(row, 7, answer.explanation or "" if answer else "", f.text)
        sheet.write_string(row, 8, "; ".join(f"{e.code} {e.name}" for e in snapshot.evidence_of(indicator.number)), f.text)
        sheet.write_string(row, 9, answer.answered_by or "" if answer else "", f.cell)
        if answer:
            sheet.write_datetime(row, 10, _plain(answer.answered_at), f.moment)
        else:
            sheet.write_blank(row, 10, None, f.moment)
        sheet.write_string(row, 11, w.text("report.yes") if answer and answer.locked else w.text("report.no"), f.cell)
        sheet.write_string(row, 12, snapshot.assignees.get(indicator.number, ""), f.cell)
    sheet.freeze_panes(1, 4)
    sheet.autofilter(0, 0, len(pack.indicators), len(titles) - 1)


def _evidence(sheet: Any, snapshot: Snapshot, w: Words, f: _Formats) -> None:
    titles = [w.text("report.col.code"), w.text("report.col.file"), w.text("report.col.kind"), w.text("report.col.size_kb"),
              w.text("report.col.indicators"), w.text("report.col.uploaded_by"), w.text("report.col.uploaded_at"),
              w.text("report.col.caption"), w.text("report.col.review"), w.text("report.col.review_note")]
    for column, width in enumerate([7, 40, 11, 10, 14, 16, 16, 40, 14, 40]):
        sheet.set_column(column, column, width)
    _header(sheet, 0, titles, f)
    for row, item in enumerate(snapshot.evidence, start=1):
        sheet.write_string(row, 0, item.code, f.cell)
        sheet.write_string(row, 1, item.name, f.text)
        sheet.write_string(row, 2, item.kind, f.cell)
        _number(sheet, row, 3, None if item.size is None else Decimal(item.size) / 1024, f.number)
        sheet.write_string(row, 4, ", ".join(str(n) for n in item.indicators), f.cell)
        sheet.write_string(row, 5, item.uploaded_by or "", f.cell)
        sheet.write_datetime(row, 6, _plain(item.uploaded_at), f.moment)
        sheet.write_string(row, 7, item.caption or "", f.text)
        sheet.write_string(row, 8, "; ".join(f"{r.indicator}: {_review(r.status, w)}" for r in item.reviews), f.text)
        sheet.write_string(row, 9, "; ".join(f"{r.indicator}: {r.note}" for r in item.reviews if r.note), f.text)
    if not snapshot.evidence:
        sheet.write_string(1, 0, w.text("report.evidence_none"), f.note)
    sheet.freeze_panes(1, 0)


def _plan(sheet: Any, snapshot: Snapshot, w: Words, f: _Formats) -> None:
    pack, plan = snapshot.pack, snapshot.plan
    for column, width in enumerate([6, 48, 11, 11, 11, 12, 18, 13, 14]):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, w.text("report.plan.title"), f.title)
    sheet.write_string(1, 0, w.text("report.plan.target"), f.label)
    target = plan.target
    if target is None:
        sheet.write_string(1, 1, w.text("report.plan.no_target"), f.cell)
    else:
        what = target.predicate or w.number(target.value)
        sheet.write_string(1, 1, w.text("report.plan.target_value", target=what, year=target.year), f.cell)
        _number(sheet, 1, 2, target.value, f.number)
    sheet.write_string(2, 0, w.text("report.plan.now"), f.label)
    _number(sheet, 2, 2, snapshot.evaluation.projected.value, f.number)
    sheet.write_string(3, 0, w.text("report.plan.after"), f.label)
    _number(sheet, 3, 2, plan.after.value if plan.after else None, f.number)
    titles = [w.text("report.col.number"), w.text("report.col.indicator"), w.text("report.col.level_planned_from"),
              w.text("report.col.level_now"), w.text("report.col.level_target"), w.text("report.col.gain"),
              w.text("report.col.owner"), w.text("report.col.due"), w.text("report.col.status")]
    _header(sheet, 5, titles, f)
    level_format = f.number if pack.scale.fractional else f.whole
    for row, entry in enumerate(plan.entries, start=6):
        indicator = pack.indicator(entry.indicator)
        now = snapshot.evaluation.levels.get(entry.indicator)
        sheet.write_number(row, 0, entry.indicator, f.whole)
        sheet.write_string(row, 1, indicator.name, f.text)
        _number(sheet, row, 2, entry.from_level, level_format)
        _number(sheet, row, 3, now, level_format)
        _number(sheet, row, 4, entry.to_level, level_format)
        _number(sheet, row, 5, entry.gain, f.gain)
        sheet.write_string(row, 6, entry.owner or "", f.cell)
        if entry.due:
            sheet.write_datetime(row, 7, datetime(entry.due.year, entry.due.month, entry.due.day), f.date)
        else:
            sheet.write_blank(row, 7, None, f.date)
        sheet.write_string(row, 8, _status(entry, w), f.cell)
    if not plan.entries:
        sheet.write_string(6, 0, w.text("report.plan.none"), f.note)


def _status(entry: PlanEntry, w: Words) -> str:
    if entry.done:
        return w.text("report.plan.status_done")
    return w.text("report.plan.status_late") if entry.overdue else w.text("report.plan.status_open")


def _review(status: str, w: Words) -> str:
    return {
        "pending": w.text("report.review.pending"), "accepted": w.text("report.review.accepted"),
        "revision": w.text("report.review.revision"), "rejected": w.text("report.review.rejected"),
        "replaced": w.text("report.review.replaced"),
    }.get(status, status)
