"""The report for the head of the institution (.pdf, fpdf2 with the bundled DejaVu Sans).

Contents, in the order of an evaluation report: a cover with the headline index and predicate
(labelled a simulation), the results in the national table's columns and per aspect, the charts,
per domain its indicators with level and a short penjelasan, strengths and weaknesses,
recommendations (what the raises worth most to the index need at their next level), the
improvement plan, and a closing with signature blocks.

Only characters the bundled font has are written (emoji and other symbols a user typed into a
penjelasan are left out), so every page renders the same in every viewer.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.models import Indicator, shorten
from reports import charts, facts
from reports.snapshot import Snapshot, level_name, localized
from reports.words import Words

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
EXPLANATION_CHARS = 230
RED, BLUE, GREY, LIGHT = (155, 28, 28), (29, 78, 216), (100, 116, 139), (226, 232, 240)


class _Report:
    """One report being written: the document, the words, and the helpers its sections share."""

    def __init__(self, snapshot: Snapshot, words: Words) -> None:
        from fpdf import FPDF
        from fpdf.fonts import TTFFont

        self.snapshot, self.w = snapshot, words
        footer = words.text("report.pdf.footer", institution=snapshot.institution, year=snapshot.year)
        page_word = words.text("report.pdf.page")

        class Document(FPDF):
            def footer(self) -> None:
                self.set_y(-13)
                self.set_font(FAMILY, size=7)
                self.set_text_color(*GREY)
                self.cell(0, 5, f"{footer} · {page_word} {self.page_no()}/{{nb}}", align="C")

        pdf = Document(orientation="P", unit="mm", format="A4")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        pdf.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        pdf.set_title(words.text("report.pdf.title", year=snapshot.year))
        pdf.set_author(snapshot.institution)
        pdf.set_subject(snapshot.pack.framework.title)
        pdf.set_creator("spbe-bot")
        pdf.set_creation_date(snapshot.made_at)
        self.pdf: FPDF = pdf
        regular, bold = pdf.fonts[FAMILY.lower()], pdf.fonts[FAMILY.lower() + "B"]
        assert isinstance(regular, TTFFont) and isinstance(bold, TTFFont)
        self.glyphs = set(regular.cmap) & set(bold.cmap)

    # --- writing helpers ---------------------------------------------------------------------

    def clean(self, text: str) -> str:
        """``text`` with only the characters the font can draw (emoji left out), spaces tidied."""
        kept = "".join(c if ord(c) in self.glyphs or c == "\n" else " " for c in text)
        return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip()

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = (17, 24, 39)) -> None:
        self.pdf.set_font(FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def heading(self, text: str, size: float = 13) -> None:
        if self.pdf.get_y() > self.pdf.h - 50:
            self.pdf.add_page()
        self.pdf.ln(3)
        self.font(size, bold=True, color=BLUE)
        self.pdf.multi_cell(0, 7, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def para(self, text: str, size: float = 9.5, bold: bool = False, color: tuple[int, int, int] = (17, 24, 39),
             line_height: float | None = None) -> None:
        self.font(size, bold, color)
        self.lines(self.clean(text), line_height or size * 0.5)

    def lines(self, text: str, height: float) -> None:
        """``text`` broken into lines at spaces and written a line at a time, in the current font.

        fpdf2's multi_cell measures the whole line again for every character it adds, which made
        the 47 penjelasan texts the slowest part of the report; here every word is measured once.
        """
        pdf = self.pdf
        width = pdf.epw
        space = pdf.get_string_width(" ")
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                size = pdf.get_string_width(word)
                if line and used + space + size > width:
                    pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")
                    line, used = "", 0.0
                if size > width:  # a word longer than the line (a URL): fpdf2 cuts it
                    pdf.multi_cell(width, height, word, align="L", new_x="LMARGIN", new_y="NEXT")
                    continue
                line, used = (f"{line} {word}", used + space + size) if line else (word, size)
            pdf.cell(width, height, line, new_x="LMARGIN", new_y="NEXT")

    def table(self, widths: tuple[float, ...], header: list[str], rows: list[list[str]], size: float = 8.5,
              align: str = "LEFT") -> None:
        from fpdf.fonts import FontFace

        self.font(size)
        with self.pdf.table(col_widths=widths, text_align=align, line_height=size * 0.5, padding=1.2, v_align="TOP",
                            headings_style=FontFace(emphasis="BOLD", fill_color=LIGHT)) as table:
            heading = table.row()
            for title in header:
                heading.cell(self.clean(title))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.clean(value))
        self.pdf.ln(2)

    def value(self, value: Decimal | None) -> str:
        return self.w.number(value)

    # --- sections ------------------------------------------------------------------------------

    def cover(self) -> None:
        s, w, pdf = self.snapshot, self.w, self.pdf
        pdf.add_page()
        pdf.ln(28)
        self.para(w.text("report.pdf.cover_kicker", index=s.pack.framework.index_name, year=s.year), 12, color=GREY)
        pdf.ln(2)
        self.para(w.text("report.pdf.title", year=s.year), 22, bold=True)
        pdf.ln(2)
        self.para(s.institution, 16, bold=True, color=BLUE)
        if s.region:
            self.para(s.region, 11, color=GREY)
        pdf.ln(4)
        self.para(s.pack.framework.title, 10)
        self.para(w.text("report.pdf.made_at", made_at=w.datetime(s.made_at)), 9, color=GREY)
        pdf.ln(10)
        headline = facts.headline(s)
        index_name = s.pack.framework.index_name
        label = w.text("report.pdf.headline_index", index=index_name) if s.evaluation.complete else \
            w.text("report.pdf.headline_projected", index=index_name, level=s.pack.scale.min)
        self.font(10, color=GREY)
        pdf.cell(0, 6, self.clean(label), new_x="LMARGIN", new_y="NEXT")
        self.font(40, bold=True, color=BLUE)
        pdf.cell(0, 18, self.value(headline.value), new_x="LMARGIN", new_y="NEXT")
        self.font(16, bold=True)
        pdf.cell(0, 9, self.clean(facts.predicate_label(headline.predicate, w.lang)), new_x="LMARGIN", new_y="NEXT")
        self.para(w.text("report.pdf.answered", answered=s.evaluation.answered, total=s.evaluation.total), 10)
        pdf.ln(8)
        pdf.set_fill_color(254, 226, 226)
        self.font(10, bold=True, color=RED)
        pdf.multi_cell(0, 6, self.clean(w.text("report.simulation_banner")), border=0, fill=True, padding=3, align="L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_fill_color(255, 255, 255)
        pdf.ln(5)
        parts = facts.domains(s, w.lang) or facts.aspects(s, w.lang)
        self.table(tuple(1.0 for _ in parts), [f"{p.key} {p.name}" for p in parts],
                   [[self.value(p.projected.value if p.projected else None) for p in parts]], size=8, align="CENTER")
        self.para(w.text("report.pdf.contents"), 8.5, color=GREY)
        caveats = s.pack.framework.caveats_en if w.lang == "en" and s.pack.framework.caveats_en else s.pack.framework.caveats
        if caveats:
            pdf.ln(4)
            self.para(w.text("report.caveats"), 9, bold=True)
            for caveat in caveats:
                self.para(f"• {caveat}", 8, color=GREY)

    def results(self) -> None:
        s, w = self.snapshot, self.w
        self.pdf.add_page()
        self.heading(w.text("report.pdf.results"))
        headline = facts.headline(s)
        parts = facts.domains(s, w.lang) or facts.aspects(s, w.lang)
        self.para(w.text("report.pdf.national_table"), 8.5, color=GREY)
        header = [w.text("report.col.institution"), *[p.key for p in parts], w.text("report.col.index"), w.text("report.col.predicate")]
        row = [s.institution, *[self.value(p.projected.value if p.projected else None) for p in parts], self.value(headline.value),
               facts.predicate_label(headline.predicate, w.lang)]
        first = 46.0
        rest = (self.pdf.epw - first - 24 - 14) / len(parts)
        self.table((first, *[rest] * len(parts), 14, 24), header, [row], align="CENTER")
        if not s.evaluation.complete:
            index = s.evaluation.index
            self.para(w.text("report.pdf.partial", answered=s.evaluation.answered, total=s.evaluation.total,
                             index=self.value(index.value if index else None), level=s.pack.scale.min), 8.5, color=RED)
        self.heading(w.text("report.pdf.by_aspect"), 11)
        rows = [[a.key, a.name, w.number(a.weight) + "%", f"{a.answered}/{a.total}", self.value(a.projected.value if a.projected else None)]
                for a in facts.aspects(s, w.lang)]
        self.table((12, 98, 20, 20, 24), [w.text("report.col.code"), w.text("report.col.aspect"), w.text("report.col.weight"),
                                          w.text("report.col.answered"), w.text("report.col.value")], rows)

    def chart_pages(self, radar: bytes, bars: bytes) -> None:
        pdf, w = self.pdf, self.w
        self.heading(w.text("report.pdf.charts"))
        width = 150.0
        height = width * charts.HEIGHT_IN / charts.WIDTH_IN
        for image in (radar, bars):
            if pdf.get_y() + height > pdf.h - 18:
                pdf.add_page()
            pdf.image(BytesIO(image), x=(pdf.w - width) / 2, w=width, h=height)
            pdf.ln(2)

    def indicators(self) -> None:
        s, w, pack = self.snapshot, self.w, self.snapshot.pack
        self.pdf.add_page()
        self.heading(w.text("report.pdf.indicators"))
        groups = [(f"{d.id} {localized(d, w.lang)}", d.weight, s.evaluation.projected_domains.get(d.id),
                   [i for a in pack.aspects_of_domain(d.id) for i in pack.indicators_of_aspect(a.id)]) for d in pack.domains]
        if not groups:
            groups = [(f"{a.id} {localized(a, w.lang)}", a.weight, s.evaluation.projected_aspects.get(a.id),
                       pack.indicators_of_aspect(a.id)) for a in pack.aspects]
        places = 2 if pack.scale.fractional else 0
        for title, weight, score, members in groups:
            self.heading(w.text("report.pdf.group_heading", name=title, weight=w.number(weight) + "%",
                                value=self.value(score.value if score else None)), 10.5)
            for indicator in members:
                self.indicator_block(indicator, places)

    def indicator_block(self, indicator: Indicator, places: int) -> None:
        """One indicator: its number and name, weight and level, a short penjelasan, its evidence codes.
        Blocks rather than a table: laid out in one pass, about twice as fast for 47 indicators."""
        s, w, pdf = self.snapshot, self.w, self.pdf
        if pdf.get_y() > pdf.h - 42:
            pdf.add_page()
        answer = s.answers.get(indicator.number)
        level = w.text("report.pdf.level", level=w.number(answer.level, places),
                       name=level_name(s.pack, indicator, answer.level, w.lang)) if answer else w.text("report.pdf.unanswered")
        self.para(f"{indicator.number}. {indicator.name}", 8.5, bold=True, line_height=4.2)
        self.font(8, bold=True, color=BLUE)
        weight = w.text("report.pdf.weight", weight=w.number(indicator.weight) + "%")
        pdf.cell(0, 4.2, self.clean(f"{weight} · {level}"), new_x="LMARGIN", new_y="NEXT")
        text = shorten(answer.explanation, EXPLANATION_CHARS) if answer and answer.explanation else w.text("report.pdf.no_explanation")
        codes = " ".join(e.code for e in s.evidence_of(indicator.number))
        if codes:
            text += " " + w.text("report.pdf.evidence_codes", codes=codes)
        self.para(text, 8, color=(55, 65, 81), line_height=3.9)
        pdf.set_draw_color(*LIGHT)
        pdf.line(pdf.l_margin, pdf.get_y() + 1.2, pdf.w - pdf.r_margin, pdf.get_y() + 1.2)
        pdf.ln(2.6)

    def strengths(self) -> None:
        s, w = self.snapshot, self.w
        self.heading(w.text("report.pdf.strengths"))
        places = 2 if s.pack.scale.fractional else 0
        for title, items, empty in ((w.text("report.pdf.strengths_list"), facts.strengths(s), w.text("report.pdf.strengths_none")),
                                    (w.text("report.pdf.weaknesses_list"), facts.weaknesses(s), w.text("report.pdf.weaknesses_none"))):
            self.para(title, 10, bold=True)
            if not items:
                self.para(empty, 9, color=GREY)
            for indicator, level in items:
                self.para(f"• {indicator.number}. {indicator.name}: {w.number(level, places)}", 8.5)
            self.pdf.ln(2)

    def recommendations(self) -> None:
        s, w = self.snapshot, self.w
        self.heading(w.text("report.pdf.recommendations"))
        self.para(w.text("report.pdf.recommendations_how", index=s.pack.framework.index_name), 8.5, color=GREY)
        self.pdf.ln(1)
        places = 2 if s.pack.scale.fractional else 0
        for item in facts.recommendations(s):
            self.para(w.text("report.pdf.recommendation", number=item.indicator.number, name=item.indicator.name,
                             level=w.number(item.from_level, places), next=item.to_level, gain=w.number(item.gain, 4)), 9, bold=True)
            self.para(w.text("report.pdf.recommendation_needs", criteria=item.criteria), 8.5)
            if item.evidence:
                self.para(w.text("report.pdf.recommendation_evidence", evidence="; ".join(item.evidence)), 8, color=GREY)
            self.pdf.ln(1.5)

    def plan(self) -> None:
        s, w, plan = self.snapshot, self.w, self.snapshot.plan
        self.heading(w.text("report.plan.title"))
        if plan.target is None:
            self.para(w.text("report.plan.no_target"), 9)
        else:
            target = plan.target.predicate or w.number(plan.target.value)
            self.para(w.text("report.plan.target_value", target=target, year=plan.target.year), 9.5, bold=True)
        self.para(w.text("report.pdf.plan_indices", now=self.value(s.evaluation.projected.value),
                         after=self.value(plan.after.value if plan.after else None)), 9)
        if not plan.entries:
            self.para(w.text("report.plan.none"), 9, color=GREY)
            return
        places = 2 if s.pack.scale.fractional else 0
        rows = []
        for entry in plan.entries:
            status = w.text("report.plan.status_done") if entry.done else (
                w.text("report.plan.status_late") if entry.overdue else w.text("report.plan.status_open"))
            rows.append([str(entry.indicator), s.pack.indicator(entry.indicator).name,
                         f"{w.number(entry.from_level, places)} → {w.number(entry.to_level, places)}", "+" + w.number(entry.gain, 4),
                         entry.owner or "–", w.date(entry.due) if entry.due else "–", status])
        self.table((9, 55, 17, 17, 26, 26, 24), [w.text("report.col.number"), w.text("report.col.indicator"),
                                                 w.text("report.col.levels"), w.text("report.col.gain"), w.text("report.col.owner"),
                                                 w.text("report.col.due"), w.text("report.col.status")], rows, size=7.5)

    def closing(self) -> None:
        s, w, pdf = self.snapshot, self.w, self.pdf
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()
        self.heading(w.text("report.pdf.closing"))
        self.para(w.text("report.pdf.closing_text", institution=s.institution, year=s.year), 9.5)
        pdf.ln(6)
        place = s.region or s.institution
        self.para(w.text("report.pdf.place_date", place=place, date=w.date(s.made_at)), 9.5)
        pdf.ln(4)
        coordinator = s.coordinator
        left_x, width = pdf.l_margin, pdf.epw / 2
        top = pdf.get_y()
        for column, (role, name) in enumerate(((w.text("report.pdf.sign_head"), w.text("report.pdf.sign_blank")),
                                               (w.text("report.pdf.sign_coordinator"), coordinator.name if coordinator else
                                                w.text("report.pdf.sign_blank")))):
            x = left_x + column * width
            pdf.set_xy(x, top)
            self.font(9.5)
            pdf.multi_cell(width - 6, 5, self.clean(role), align="C")
            pdf.set_xy(x, top + 32)
            self.font(9.5, bold=True)
            pdf.multi_cell(width - 6, 5, self.clean(name), align="C")
            pdf.set_x(x)
            self.font(8.5, color=GREY)
            pdf.multi_cell(width - 6, 5, w.text("report.pdf.sign_id"), align="C")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def steps(snapshot: Snapshot, words: Words) -> Iterator[str | bytes]:
    """Write the report, yielding the name of each step as it finishes, then the PDF's bytes."""
    radar, bars = charts.radar(snapshot, words), charts.bars(snapshot, words)
    yield "charts"
    report = _Report(snapshot, words)
    report.cover()
    report.results()
    report.chart_pages(radar, bars)
    report.indicators()
    yield "pages"
    report.strengths()
    report.recommendations()
    report.plan()
    report.closing()
    yield report.output()
