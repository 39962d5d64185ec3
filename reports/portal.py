"""Portal texts: per indicator the chosen level and the penjelasan, ready to paste into the
national application's form, as one text file (and, in chat, one indicator at a time)."""

from __future__ import annotations

from reports.snapshot import Snapshot, level_name
from reports.words import Words

RULE = "=" * 72


def indicator_text(snapshot: Snapshot, number: int, words: Words) -> str:
    """The block of one indicator: heading, level and its name, the penjelasan, the evidence files."""
    pack, w = snapshot.pack, words
    indicator = pack.indicator(number)
    answer = snapshot.answers.get(number)
    lines = [w.text("report.portal.heading", number=number, name=indicator.name)]
    if answer is None:
        lines.append(w.text("report.portal.unanswered"))
        return "\n".join(lines)
    places = 2 if pack.scale.fractional else 0
    name = level_name(pack, indicator, answer.level, w.lang)
    lines.append(w.text("report.portal.level", level=w.number(answer.level, places), name=name))
    lines.append(w.text("report.portal.explanation"))
    lines.append(answer.explanation.strip() if answer.explanation else w.text("report.portal.no_explanation"))
    files = snapshot.evidence_of(number)
    if files:
        lines.append(w.text("report.portal.evidence", files=", ".join(e.name for e in files)))
    return "\n".join(lines)


def build(snapshot: Snapshot, words: Words) -> bytes:
    w = words
    made = w.datetime(snapshot.made_at)
    parts = [w.text("report.portal.title", institution=snapshot.institution, year=snapshot.year), snapshot.pack.framework.title,
             w.text("report.portal.made_at", made_at=made), w.text("report.portal.how"), RULE]
    for indicator in snapshot.pack.indicators:
        parts.append(indicator_text(snapshot, indicator.number, words))
        parts.append(RULE)
    if snapshot.plan.entries:
        parts.append(w.text("report.portal.plan_note"))
        for entry in snapshot.plan.entries:
            parts.append(w.text("report.portal.plan_item", number=entry.indicator, level=w.number(entry.to_level, 0),
                                owner=entry.owner or "–", due=w.date(entry.due) if entry.due else "–"))
    return ("\r\n".join("\n".join(parts).split("\n")) + "\r\n").encode("utf-8")
