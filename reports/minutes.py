"""The berita acara penilaian mandiri (.docx): the document the koordinator signs when the
self-assessment is done, filled from a template the operator can replace.

The template is a Word file with docxtpl (jinja2) placeholders; ``spbe-bot minutes-template`` writes
the built-in one for editing, and ``SPBE_MINUTES_TEMPLATE`` (or ``export --template``) names the
file to use instead. The placeholders are :func:`context`'s keys (docs/reports.md lists them): a
replaced template may use any of them, in any layout, and rows of a table repeat with docxtpl's
``{%tr for p in parts %}`` ... ``{%tr endfor %}``.

The built-in template is built with python-docx from the catalog texts of the reader's language,
so it needs no binary file in the repository and speaks Indonesian or English like the rest.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from reports import facts
from reports.snapshot import Snapshot
from reports.words import Words


class TemplateError(ValueError):
    """A replaced template that cannot be used: not a Word file, or placeholders jinja2 cannot read."""


def role_name(role: str, words: Words) -> str:
    if role == "koordinator":
        return words.text("report.role.koordinator")
    if role == "penanggung_jawab":
        return words.text("report.role.penanggung_jawab")
    return words.text("report.role.officer")


def context(snapshot: Snapshot, words: Words) -> dict[str, Any]:
    """What a template can show: every key is documented in docs/reports.md."""
    s, w, pack = snapshot, words, snapshot.pack
    headline = facts.headline(s)
    parts = facts.domains(s, w.lang) or facts.aspects(s, w.lang)
    places = 2 if pack.scale.fractional else 0
    plan = s.plan
    target = None
    if plan.target is not None:
        target = w.text("report.plan.target_value", target=plan.target.predicate or w.number(plan.target.value), year=plan.target.year)
    coordinator = s.coordinator
    return {
        "institution": s.institution,
        "region": s.region or "",
        "place": s.region or s.institution,
        "year": s.year,
        "framework": pack.framework.title,
        "framework_id": pack.id,
        "index_name": pack.framework.index_name,
        "index": w.number(headline.value),
        "predicate": facts.predicate_label(headline.predicate, w.lang),
        "complete": s.evaluation.complete,
        "answered": s.evaluation.answered,
        "total": s.evaluation.total,
        "date": w.date(s.made_at),
        "made_at": w.datetime(s.made_at),
        "simulation": w.text("report.simulation_banner"),
        "parts": [{"code": p.key, "name": p.name, "weight": w.number(p.weight) + "%",
                   "value": w.number(p.projected.value if p.projected else None)} for p in parts],
        "team": [{"number": n, "name": p.name, "role": role_name(p.role, w)} for n, p in enumerate(s.team, start=1)],
        "coordinator": coordinator.name if coordinator else "",
        "plan_target": target or w.text("report.plan.no_target"),
        "plan": [{"number": e.indicator, "name": pack.indicator(e.indicator).name, "from": w.number(e.from_level, places),
                  "to": w.number(e.to_level, places), "owner": e.owner or "–", "due": w.date(e.due) if e.due else "–"}
                 for e in plan.entries],
    }


def default_template(words: Words) -> bytes:
    """The built-in template in the reader's language, as a Word file with placeholders."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    w = words
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)

    def centred(text: str, bold: bool = True, size: int = 12) -> None:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)

    def table(headers: list[str], loop: str, cells: list[str]) -> None:
        grid = doc.add_table(rows=4, cols=len(headers))
        grid.style = "Table Grid"
        for column, header in enumerate(headers):
            grid.rows[0].cells[column].text = header
            grid.rows[0].cells[column].paragraphs[0].runs[0].bold = True
        grid.rows[1].cells[0].text = "{%tr for " + loop + " %}"
        for column, cell in enumerate(cells):
            grid.rows[2].cells[column].text = cell
        grid.rows[3].cells[0].text = "{%tr endfor %}"

    def slot(name: str) -> str:
        return "{{ " + name + " }}"

    centred(w.text("report.docx.title"), size=14)
    centred(slot("index_name"))
    centred(slot("institution"))
    centred(w.text("report.docx.period", year=slot("year")), bold=False)
    doc.add_paragraph()
    doc.add_paragraph(w.text("report.docx.opening", date=slot("date"), place=slot("place"), institution=slot("institution"),
                             year=slot("year"), framework=slot("framework")))
    doc.add_paragraph(w.text("report.docx.results"))
    table([w.text("report.col.code"), w.text("report.col.name"), w.text("report.col.weight"), w.text("report.col.value")],
          "p in parts", [slot("p.code"), slot("p.name"), slot("p.weight"), slot("p.value")])
    doc.add_paragraph(w.text("report.docx.index", index=slot("index_name"), value=slot("index"), predicate=slot("predicate"),
                             answered=slot("answered"), total=slot("total")))
    doc.add_paragraph("{% if not complete %}" + w.text("report.docx.partial") + "{% endif %}")
    doc.add_paragraph(slot("simulation"))
    doc.add_paragraph(w.text("report.docx.team"))
    table([w.text("report.col.number"), w.text("report.col.name"), w.text("report.col.role")], "m in team",
          [slot("m.number"), slot("m.name"), slot("m.role")])
    doc.add_paragraph(w.text("report.docx.plan", target=slot("plan_target")))
    table([w.text("report.col.number"), w.text("report.col.indicator"), w.text("report.col.levels"), w.text("report.col.owner"),
           w.text("report.col.due")], "i in plan", [slot("i.number"), slot("i.name"), slot("i.from") + " → " + slot("i.to"),
                                                    slot("i.owner"), slot("i.due")])
    doc.add_paragraph(w.text("report.docx.closing"))
    doc.add_paragraph()
    for line in (f"{slot('place')}, {slot('date')}", w.text("report.docx.signer", institution=slot("institution")), "", "", "",
                 slot("coordinator"), w.text("report.pdf.sign_id")):
        paragraph = doc.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def build(snapshot: Snapshot, words: Words, template: Path | None = None) -> bytes:
    """The berita acara from ``template`` (a Word file with placeholders), else the built-in one."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError as JinjaError

    source: Path | BytesIO = template if template is not None else BytesIO(default_template(words))
    try:
        document = DocxTemplate(source)
        document.render(context(snapshot, words), autoescape=True)
    except JinjaError as exc:
        raise TemplateError(f"the berita acara template {template}: {exc}") from None
    except (KeyError, ValueError, OSError, BadZipFile) as exc:  # python-docx: not a Word file, or unreadable
        raise TemplateError(f"the berita acara template {template} cannot be read as a Word file ({exc})") from None
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
