"""The answers as CSV: one row per indicator, UTF-8 with a byte-order mark so Excel reads the
characters right.

The separator and the decimal mark follow the reader's language, as Excel expects them from the
regional settings: Indonesian ``;`` and ``3,28``, English ``,`` and ``3.28``. Numbers carry no
thousands separator, so every value is read back as a number.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from io import StringIO

from reports.snapshot import Snapshot, level_name, localized
from reports.words import Words

SEPARATORS = {"id": (";", ","), "en": (",", ".")}


def separators(lang: str) -> tuple[str, str]:
    """(field separator, decimal mark) of ``lang``."""
    return SEPARATORS.get(lang, SEPARATORS["id"])


def _number(value: Decimal | None, mark: str, places: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:.{places}f}".replace(".", mark)


def build(snapshot: Snapshot, words: Words) -> bytes:
    pack, w = snapshot.pack, words
    delimiter, mark = separators(w.lang)
    level_places = 2 if pack.scale.fractional else 0
    out = StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([w.text("report.col.number"), w.text("report.col.code"), w.text("report.col.domain"), w.text("report.col.aspect"),
                     w.text("report.col.indicator"), w.text("report.col.weight"), w.text("report.col.level"),
                     w.text("report.col.level_name"), w.text("report.col.explanation"), w.text("report.col.evidence"),
                     w.text("report.col.answered_by"), w.text("report.col.answered_at"), w.text("report.col.locked"),
                     w.text("report.col.assignee"), w.text("report.col.level_target"), w.text("report.col.owner"),
                     w.text("report.col.due")])
    for indicator in pack.indicators:
        aspect = pack.aspect(indicator.aspect)
        domain = pack.domain(aspect.domain) if aspect.domain else None
        answer = snapshot.answers.get(indicator.number)
        plan = snapshot.plan_of(indicator.number)
        writer.writerow([
            indicator.number, indicator.code or "", localized(domain, w.lang) if domain else "", localized(aspect, w.lang), indicator.name,
            _number(indicator.weight, mark), _number(answer.level, mark, level_places) if answer else "",
            level_name(pack, indicator, answer.level, w.lang) if answer else "", answer.explanation or "" if answer else "",
            " ".join(e.code for e in snapshot.evidence_of(indicator.number)), answer.answered_by or "" if answer else "",
            answer.answered_at.strftime("%Y-%m-%d %H:%M") if answer else "",
            (w.text("report.yes") if answer.locked else w.text("report.no")) if answer else "",
            snapshot.assignees.get(indicator.number, ""),
            _number(plan.to_level, mark, level_places) if plan else "", plan.owner or "" if plan else "",
            plan.due.isoformat() if plan and plan.due else "",
        ])
    return out.getvalue().encode("utf-8-sig")
