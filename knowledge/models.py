"""Pydantic models of a framework pack (the data files under ``knowledge/packs/``).

A pack describes one evaluation framework: its level scale, capability models,
predicate bands, domains, aspects, indicators (with criteria and evidence per
level), glossary and practical scoring rules. The models check the shape of
each part; ``knowledge.packs`` checks how the parts fit together (weights,
gaps, references).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Text = str
Confidence = Literal["tinggi", "sedang-tinggi", "sedang", "rendah-sedang", "rendah"]


class _Strict(BaseModel):
    """Unknown keys are refused so a typo in an operator's pack is reported."""

    # defer_build: a model's validator is built when first used, so a pack read back from the cache
    # (knowledge.packs) costs no validator building at start-up.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Framework(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    version: str
    title: Text
    title_en: Text
    short_title: Text
    legal_basis: list[Text]
    evaluation_years: list[int]
    index_name: Text = "Indeks SPBE"
    # Other names users give this framework ("pemdi", "versi 2018"): a question naming one of them is
    # answered from this pack. The id, short title and regulation number are recognised anyway.
    aliases: list[str] = []
    confidence: Confidence = "tinggi"
    # Shown to users wherever this framework's results or criteria appear.
    caveats: list[Text] = []
    caveats_en: list[Text] = []
    formula: Text
    rounding: Text
    has_level_criteria: bool = True
    has_level_evidence: bool = True


class ValueRange(_Strict):
    """The range of indicator values that counts as one level (fractional scales)."""

    min: Decimal
    max: Decimal


class LevelScale(_Strict):
    min: int
    max: int
    # True when an indicator value may lie between levels (e.g. 1.26).
    fractional: bool = False
    ranges: dict[int, ValueRange] = {}
    note: Text | None = None

    def levels(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class LevelName(_Strict):
    name: Text
    name_en: Text
    meaning: Text


class CapabilityModel(_Strict):
    id: str
    name: Text
    name_en: Text
    description: Text
    levels: dict[int, LevelName]
    note: Text | None = None


class PredicateBand(_Strict):
    label: Text
    label_en: Text
    min: Decimal
    max: Decimal
    min_inclusive: bool = True
    max_inclusive: bool = False
    alias: Text | None = None
    meaning: Text | None = None

    def contains(self, value: Decimal) -> bool:
        above = value >= self.min if self.min_inclusive else value > self.min
        below = value <= self.max if self.max_inclusive else value < self.max
        return above and below


class Domain(_Strict):
    id: str = Field(pattern=r"^D\d+$")
    name: Text
    name_en: Text
    weight: Decimal
    description: Text
    keywords: list[str] = []


class Aspect(_Strict):
    id: str = Field(pattern=r"^A\d+$")
    domain: str | None = None
    name: Text
    name_en: Text
    weight: Decimal
    description: Text
    keywords: list[str] = []
    notes: list[Text] = []


SUMMARY_MAX = 42  # characters of a level summary: one line of the indicator card on a phone


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–(") + "…"


class LevelCriteria(_Strict):
    criteria: Text
    # What this level means for this indicator, in a few words (Indonesian, English), shown on the
    # indicator card. Every shipped pack has both; an operator's own pack may leave them out, and
    # the card then shows the start of ``criteria`` instead.
    summary: Text | None = None
    summary_en: Text | None = None
    evidence: list[Text] = []

    @field_validator("criteria")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("level text is empty")
        return value.strip()

    def short(self, lang: str = "id") -> str:
        """The few words the indicator card shows for this level, in ``lang`` ("id" or "en").

        The summary in that language, else the other one, else the start of the criteria (a pack
        of an operator may have no summaries).
        """
        first, second = (self.summary_en, self.summary) if lang == "en" else (self.summary, self.summary_en)
        return first or second or shorten(self.criteria, SUMMARY_MAX)

    @field_validator("summary", "summary_en")
    @classmethod
    def _short(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError(f"{info.field_name} is empty (leave the key out instead)")
        if len(value) > SUMMARY_MAX:
            raise ValueError(
                f"{info.field_name} has {len(value)} characters, at most {SUMMARY_MAX} fit on the indicator card: {value!r}"
            )
        return value


class ExternalIndex(_Strict):
    """An indicator whose value comes from another agency's index (pemdi-2026)."""

    name: Text
    owner: Text
    scale: Text
    ranges: dict[int, Text] = {}
    conversion: Text | None = None


class Indicator(_Strict):
    number: int = Field(ge=1)
    code: str | None = None
    name: Text
    short_name: Text
    short_name_en: Text
    aspect: str
    weight: Decimal
    capability: str
    keywords: list[str] = []
    assesses: Text
    levels: dict[int, LevelCriteria]
    evidence_examples: list[Text] = []
    notes: list[Text] = []
    confidence: Confidence | None = None
    scoring_basis: Literal["bukti_dukung", "indeks_eksternal"] = "bukti_dukung"
    external_index: ExternalIndex | None = None
    conflicts: list[Text] = []


class GlossaryTerm(_Strict):
    term: Text
    aliases: list[str] = []
    definition: Text
    definition_en: Text | None = None


class Rule(_Strict):
    """A practical scoring rule (e.g. from Pedoman MenPANRB 3/2024)."""

    id: str
    title: Text
    title_en: Text
    text: Text
    keywords: list[str] = []
    applies_to: list[int] = []
    # The kinds of question this rule answers as a whole ("stages": how the evaluation runs and who
    # evaluates), so the answerer can find it from the question's shape as well as its words.
    answers: list[Literal["stages"]] = []
    # The answers this rule qualifies, shown with them as a known source conflict: a topic
    # ("predicate", "index_value", "simulation", "weight") or a topic and an id ("weight:A6").
    caveat_for: list[str] = []


CAVEAT_TOPICS = ("predicate", "index_value", "simulation", "extremes", "weight", "aspect", "domain", "formula", "structure")


class Pack(_Strict):
    format_version: Literal[1] = 1
    framework: Framework
    scale: LevelScale
    capability_models: list[CapabilityModel]
    predicates: list[PredicateBand]
    domains: list[Domain] = []
    aspects: list[Aspect]
    indicators: list[Indicator]
    glossary: list[GlossaryTerm] = []
    rules: list[Rule] = []
    sources: list[Text] = []

    # --- lookups (built once per pack) ---------------------------------------------------------

    @cached_property
    def _indicators(self) -> dict[int, Indicator]:
        return {i.number: i for i in self.indicators}

    @cached_property
    def _aspects(self) -> dict[str, Aspect]:
        return {a.id: a for a in self.aspects}

    @cached_property
    def _domains(self) -> dict[str, Domain]:
        return {d.id: d for d in self.domains}

    @cached_property
    def _models(self) -> dict[str, CapabilityModel]:
        return {m.id: m for m in self.capability_models}

    @property
    def id(self) -> str:
        return self.framework.id

    def indicator(self, number: int) -> Indicator:
        return self._indicators[number]

    def has_indicator(self, number: int) -> bool:
        return number in self._indicators

    def aspect(self, aspect_id: str) -> Aspect:
        return self._aspects[aspect_id]

    def domain(self, domain_id: str) -> Domain:
        return self._domains[domain_id]

    def capability_model(self, model_id: str) -> CapabilityModel:
        return self._models[model_id]

    def level_name(self, indicator: Indicator, level: int) -> str:
        return self._models[indicator.capability].levels[level].name

    @cached_property
    def _by_aspect(self) -> dict[str, list[Indicator]]:
        return {a.id: [i for i in self.indicators if i.aspect == a.id] for a in self.aspects}

    @cached_property
    def _by_domain(self) -> dict[str, list[Aspect]]:
        return {d.id: [a for a in self.aspects if a.domain == d.id] for d in self.domains}

    def indicators_of_aspect(self, aspect_id: str) -> list[Indicator]:
        return self._by_aspect.get(aspect_id, [])

    def aspects_of_domain(self, domain_id: str) -> list[Aspect]:
        return self._by_domain.get(domain_id, [])

    @cached_property
    def text_words(self) -> frozenset[str]:
        """Every word of the pack's texts (folded): the words a question about this framework may use."""
        from knowledge.reading import tokenize

        texts: list[str] = [self.framework.title, self.framework.formula, *self.framework.caveats]
        for i in self.indicators:
            texts += [i.name, i.short_name, i.short_name_en, i.assesses, *i.keywords, *i.evidence_examples, *i.notes]
            for c in i.levels.values():
                texts += [c.criteria, *c.evidence]
        texts += [t for a in self.aspects for t in (a.name, a.name_en, a.description, *a.keywords)]
        texts += [t for d in self.domains for t in (d.name, d.name_en, d.description, *d.keywords)]
        texts += [t for g in self.glossary for t in (g.term, g.definition, g.definition_en or "", *g.aliases)]
        texts += [t for r in self.rules for t in (r.title, r.title_en, r.text, *r.keywords)]
        texts += [t for m in self.capability_models for n in m.levels.values() for t in (n.name, n.name_en, n.meaning)]
        return frozenset(w for w in tokenize("\n".join(texts)) if not w.isdigit())  # one pass over all the text

    def predicate_for(self, value: Decimal) -> PredicateBand:
        """The band containing ``value`` (callers pass the rounded, displayed value)."""
        for band in self.predicates:
            if band.contains(value):
                return band
        raise ValueError(f"{value} lies in no predicate band of {self.framework.id}")
