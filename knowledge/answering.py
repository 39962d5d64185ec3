"""Answering free questions about a framework from its pack, and nothing else.

A question goes through three steps:

1. *Reading*: lower-case, typo-tolerant tokens; the indicator and level numbers it names
   ("indikator 12", "ind12", "lvl 4", "l3", "I5"); the kind of answer it asks for (evidence,
   weight, predicate, formula, a definition) from cue words.
2. *Matching*: the remaining content words are matched against every name, short name, English
   name and keyword of the pack's indicators, aspects, domains, glossary terms and rules. Each
   query word is compared with the pack's vocabulary once (rapidfuzz), then each entity name is
   scored by how much of it the question covers and how much of the question it explains, with
   rare words counting more than common ones ("spbe", "layanan").
3. *Deciding*: the cue words and the best entity give the topic. Below a confidence threshold the
   answer offers the top three candidates; when nothing matches, it says the knowledge base does
   not cover the question. Texts always come from the pack.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from knowledge.models import Pack

CONFIDENT = 0.62
"""Below this the answer lists candidates for the user to pick from."""
COVERED = 0.4
"""Below this no entity is considered a match."""

TOPICS = (
    "level", "evidence", "indicator", "weight", "aspect", "domain", "glossary", "rule",
    "capability", "predicate", "formula", "framework", "not_covered",
)

# Words that ask for a kind of answer (cue words). Typos are corrected against these lists.
_CUES: dict[str, set[str]] = {
    "evidence": {
        "bukti", "dukung", "pendukung", "evidence", "dokumen", "document", "documents", "proof", "lampiran", "berkas", "bd", "data dukung",
    },
    "weight": {"bobot", "weight", "weights", "persen", "persentase", "percent", "porsi"},
    "predicate": {"predikat", "predicate", "kategori", "band", "bands", "rentang", "range", "memuaskan"},
    "formula": {
        "rumus", "formula", "hitung", "menghitung", "dihitung", "perhitungan", "calculate", "calculated", "computed", "compute", "cara",
        "how",
    },
    "define": {
        "apa", "arti", "artinya", "pengertian", "definisi", "maksud", "maksudnya", "what", "meaning", "mean", "means", "define",
        "definition", "jelaskan", "explain", "itu",
    },
    "criteria": {"kriteria", "criteria", "syarat", "requirement", "requirements", "ketentuan", "harus", "need", "needs"},
    "index": {"indeks", "index", "nilai", "skor", "score"},
}
_LEVEL_WORDS = r"(?:level|lvl|lv|lvel|levl|leve|tingkat|tingkatan|tk|l)"
_INDICATOR_WORDS = r"(?:indikator|indikatornya|indicator|indikatr|indiktor|indkator|indi|ind|no|nomor|nomer|number|butir)"
_TYPE_WORDS = {
    "indicator": {"indikator", "indicator", "indikatornya"},
    "aspect": {"aspek", "aspect"},
    "domain": {"domain", "ranah"},
}
_STOPWORDS = {
    "yang", "dan", "di", "ke", "dari", "untuk", "pada", "dengan", "atau", "itu", "ini", "adalah", "apa", "apakah",
    "bagaimana", "gimana", "gmn", "berapa", "brp", "dong", "sih", "ya", "kah", "nya", "tolong", "mohon", "saya", "kami",
    "kita", "bisa", "jadi", "buat", "tentang", "soal", "mana", "the", "a", "an", "of", "for", "in", "on", "to", "is",
    "are", "does", "do", "what", "which", "how", "about", "me", "tell", "please", "and", "or", "at", "by", "with",
    "level", "lvl", "tingkat", "indikator", "indicator", "aspek", "aspect", "domain", "spbe", "pemdi", "yg",
    "dlm", "dalam", "utk", "tuk", "sm", "sama", "mean", "means", "meaning", "arti", "artinya", "maksud", "maksudnya",
    "pengertian", "definisi", "jelaskan", "explain", "define", "definition", "kalau", "kalo", "klo", "mau", "ingin",
    "perlu", "need", "needs", "harus", "syarat", "kriteria", "criteria", "requirement", "requirements", "ketentuan",
    "no", "nomor", "nomer", "number", "ind", "lv", "bagi", "agar", "supaya", "naik", "raise", "reach", "capai",
    "tiap", "setiap", "masing", "semua", "seluruh", "each", "every", "all", "per",
}
_ABBREVIATIONS = {
    "bd": "bukti dukung",
    "bukdung": "bukti dukung",
    "buktidukung": "bukti dukung",
    "mr": "manajemen risiko",
    "manrisk": "manajemen risiko",
    "ea": "arsitektur",
    "tik": "tik",
    "ti": "tik",
    "it": "tik",
    "sdm": "sdm",
    "hr": "kepegawaian",
    "bmn": "barang milik negara",
    "bmd": "barang milik daerah",
    "pbj": "pengadaan barang jasa",
    "lpse": "pengadaan",
    "apip": "pengawasan internal",
    "sakip": "akuntabilitas kinerja",
    "skp": "kinerja pegawai",
    "lapor": "pengaduan",
    "wbs": "whistle blowing",
    "ttis": "csirt",
    "dpo": "pelindungan data pribadi",
    "pdp": "pelindungan data pribadi",
    "pdn": "pusat data",
    "jip": "jaringan intra",
    "tte": "tanda tangan elektronik",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.casefold()


def tokenize(text: str) -> list[str]:
    text = _fold(text)
    text = re.sub(r"[^a-z0-9#]+", " ", text)
    return text.split()


@dataclass(frozen=True)
class Entity:
    kind: str  # indicator, aspect, domain, glossary, rule
    key: str  # indicator number, aspect/domain id, glossary term, rule id
    title: str
    names: tuple[tuple[str, ...], ...]  # tokenised names and keywords


@dataclass(frozen=True)
class Candidate:
    topic: str
    kind: str
    key: str
    title: str
    score: float


@dataclass
class Answer:
    """A structured answer. ``texts`` are pack texts; templates add the framing words."""

    framework: str
    topic: str
    confidence: float
    indicator: int | None = None
    level: int | None = None
    key: str | None = None
    title: str = ""
    texts: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.topic != "not_covered"

    @property
    def sure(self) -> bool:
        return self.covered and self.confidence >= CONFIDENT


@dataclass(frozen=True)
class _Reading:
    tokens: list[str]
    indicator: int | None
    level: int | None
    cues: set[str]
    types: set[str]
    content: list[str]
    cue_words: list[str]


class Answerer:
    """Answers questions about one pack. Build once per pack; ``ask`` is cheap."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.entities = list(self._entities())
        vocabulary: dict[str, int] = defaultdict(int)
        for entity in self.entities:
            for token in {t for name in entity.names for t in name}:
                vocabulary[token] += 1
        self._vocabulary = list(vocabulary)
        total = len(self.entities)
        # Rare words weigh more: "risiko" says more than "layanan".
        self._idf = {t: 1.0 + math.log((1 + total) / (1 + n)) for t, n in vocabulary.items()}
        # Numbers that are part of a name ("layanan publik sektor 1"), as (previous word, number).
        self._numbered = {
            (name[i - 1], token) for entity in self.entities for name in entity.names
            for i, token in enumerate(name) if i and token.isdigit()
        }
        cue_words = {w for words in _CUES.values() for w in words if " " not in w}
        self._cue_vocabulary = sorted(cue_words | set(_STOPWORDS) | {w for ws in _TYPE_WORDS.values() for w in ws})

    # --- the pack as matchable entities -----------------------------------------------------

    def _entities(self) -> Iterable[Entity]:
        pack = self.pack
        for i in pack.indicators:
            names = [i.short_name, i.short_name_en, _strip_prefix(i.name), *i.keywords]
            if i.code:
                names.append(i.code)
            yield Entity("indicator", str(i.number), i.short_name, _token_names(names))
        for a in pack.aspects:
            yield Entity("aspect", a.id, a.name, _token_names([a.name, a.name_en, *a.keywords]))
        for d in pack.domains:
            yield Entity("domain", d.id, d.name, _token_names([d.name, d.name_en, *d.keywords]))
        for g in pack.glossary:
            yield Entity("glossary", g.term, g.term, _token_names([g.term, *g.aliases]))
        for r in pack.rules:
            yield Entity("rule", r.id, r.title, _token_names([r.title, r.title_en, *r.keywords]))

    # --- step 1: reading ----------------------------------------------------------------------

    def _correct(self, token: str) -> str:
        """Fix a typo in a cue word ("bukt" -> "bukti"); pack words are matched fuzzily later."""
        if len(token) < 4 or token in self._idf:
            return token
        match = process.extractOne(token, self._cue_vocabulary, scorer=fuzz.ratio, score_cutoff=88)
        return match[0] if match else token

    def _spell_numbered_words(self, text: str) -> str:
        """Fix typos of the words that introduce a number ("levle 4", "indikatr 15")."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if len(word) < 4 or word in self._idf or word in _NUMBER_WORDS:
                return word
            found = process.extractOne(word, _NUMBER_WORDS, scorer=fuzz.ratio, score_cutoff=80)
            return found[0] if found else word

        return re.sub(r"[a-z]+", fix, text)

    def _part_of_name(self, raw: str, start: int) -> bool:
        """True when the number at ``start`` belongs to a name ("sektor 1"), not an indicator."""
        before = re.findall(r"[a-z]+", raw[:start])
        return bool(before) and (before[-1], raw[start:].split()[0]) in self._numbered

    def read(self, question: str) -> _Reading:
        raw = self._spell_numbered_words(_fold(question))
        indicator = level = None
        code = re.search(r"\bi\s?(\d{1,2})\b", raw) if any(i.code for i in self.pack.indicators) else None
        found = re.search(rf"\b{_INDICATOR_WORDS}\s*(?:ke\s*)?[-.:]?\s*(\d{{1,3}})\b", raw)
        if found:
            indicator = int(found.group(1))
        elif code:
            indicator = int(code.group(1))
        found_level = re.search(rf"\b{_LEVEL_WORDS}\s*(?:ke\s*)?[-.:]?\s*(\d)\b", raw)
        if found_level:
            level = int(found_level.group(1))
        if indicator is None:
            # A bare number names an indicator ("29 itu apa"), unless it counts something else.
            counted = r"\b(\d{1,3})\b(?!\s*(?:tahun|thn|th|bulan|bln|hari|persen|%|x|kali|years?|months?|days?))"
            bare = [
                int(m.group(1)) for m in re.finditer(counted, raw)
                if not (found_level and m.start(1) == found_level.start(1)) and not self._part_of_name(raw, m.start(1))
            ]
            if bare and 1 <= bare[0] <= len(self.pack.indicators):
                indicator = bare[0]

        tokens = []
        for token in tokenize(raw):
            tokens.extend(_ABBREVIATIONS.get(token, token).split())
        tokens = [self._correct(t) for t in tokens]
        cues = {cue for cue, words in _CUES.items() if any(t in words for t in tokens)}
        if "bukti" in tokens and "dukung" in tokens:
            cues.add("evidence")
        types = {kind for kind, words in _TYPE_WORDS.items() if any(t in words for t in tokens)}
        content = [
            t for i, t in enumerate(tokens)
            if t not in _STOPWORDS and not re.fullmatch(r"[li]\d{1,2}", t)
            and (not t.isdigit() or (i > 0 and (tokens[i - 1], t) in self._numbered))
            and not any(t in words for cue, words in _CUES.items() if cue != "define")
        ]
        cue_words = [t for t in tokens if t not in _STOPWORDS and not t.isdigit() and t not in content]
        return _Reading(tokens, indicator, level, cues, types, content, cue_words)

    # --- step 2: matching ------------------------------------------------------------------

    def _similarities(self, content: list[str]) -> list[dict[str, float]]:
        result = []
        for token in content:
            # A word the pack knows is taken as written ("pengadaan" is not "pengaduan").
            cutoff = 100 if len(token) <= 3 or token in self._idf else 80
            matches = process.extract(token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None)
            result.append({word: score / 100 for word, score, _ in matches})
        return result

    def _score_name(self, name: tuple[str, ...], sims: list[dict[str, float]]) -> float:
        name_weight = sum(self._idf.get(t, 1.0) for t in name)
        query_weight = 0.0
        covered = explained = 0.0
        for token_sims in sims:
            best = 0.0
            best_word = None
            for word in name:
                score = token_sims.get(word, 0.0)
                if score > best:
                    best, best_word = score, word
            weight = self._idf.get(best_word, 2.0) if best_word else 2.0
            query_weight += weight
            explained += best * weight
        for word in name:
            best = max((s.get(word, 0.0) for s in sims), default=0.0)
            covered += best * self._idf.get(word, 1.0)
        if not name_weight or not query_weight:
            return 0.0
        recall = covered / name_weight
        precision = explained / query_weight
        if not recall or not precision:
            return 0.0
        return 2 * recall * precision / (recall + precision)

    def match(self, content: list[str]) -> list[tuple[Entity, float]]:
        if not content:
            return []
        sims = self._similarities(content)
        scored = []
        for entity in self.entities:
            score = max(self._score_name(name, sims) for name in entity.names)
            if score > 0:
                scored.append((entity, score))
        scored.sort(key=lambda pair: -pair[1])
        return scored

    # --- step 3: deciding -------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        reading = self.read(question)
        pack = self.pack
        level = reading.level if reading.level is not None and reading.level in pack.scale.levels() else None
        if reading.indicator is not None and pack.has_indicator(reading.indicator):
            return self._about_indicator(reading.indicator, level, reading, 1.0)
        if reading.indicator is not None and ("indicator" in reading.types or not reading.content):
            return Answer(pack.id, "not_covered", 0.0, indicator=None, level=level,
                          texts=[f"{pack.framework.short_title} has indicators 1..{len(pack.indicators)}"])

        ranked = self._rank(reading)
        if ranked and ranked[0][1] >= COVERED:
            entity, score = ranked[0]
            score = _with_margin(ranked)
            answer = self._about_entity(entity, level, reading, score)
            answer.candidates = self._candidates(ranked, reading, level, skip=None if score < CONFIDENT else entity)
            return answer
        general = self._general(reading, level)
        if general:
            return general
        if reading.cue_words:
            # The cue words may themselves be the subject ("apa arti bukti dukung").
            ranked = self._rank(reading, [*reading.content, *reading.cue_words])
            if ranked and ranked[0][1] >= CONFIDENT and ranked[0][0].kind in {"glossary", "rule"}:
                return self._about_entity(ranked[0][0], level, reading, ranked[0][1])
        answer = Answer(pack.id, "not_covered", 0.0, level=level)
        answer.candidates = self._candidates(ranked, reading, level, skip=None) if ranked and ranked[0][1] >= 0.25 else []
        return answer

    def _rank(self, reading: _Reading, words: list[str] | None = None) -> list[tuple[Entity, float]]:
        """Entity scores with priors from the question's shape (may exceed 1; shown capped)."""
        ranked = []
        defining = "define" in reading.cues and reading.level is None and not reading.cues & {"evidence", "weight"}
        for entity, score in self.match(reading.content if words is None else words):
            if entity.kind in reading.types:
                score += 0.08
            if entity.kind == "indicator" and (reading.level is not None or reading.cues & {"evidence", "criteria"}):
                score += 0.06
            if entity.kind == "glossary" and defining:
                score += 0.05
            if entity.kind in {"aspect", "domain"} and "weight" in reading.cues:
                score += 0.03
            if entity.kind == "rule" and reading.cues & {"criteria", "formula"}:
                score += 0.03
            ranked.append((entity, score))
        ranked.sort(key=lambda pair: (-pair[1], _KIND_ORDER[pair[0].kind]))
        return ranked

    def _candidates(self, ranked: list[tuple[Entity, float]], reading: _Reading, level: int | None, skip: Entity | None) -> list[Candidate]:
        result = []
        titles = {skip.title} if skip else set()
        for entity, score in ranked:
            if entity is skip or score < 0.25 or entity.title in titles:
                continue
            titles.add(entity.title)
            topic = self._topic_for(entity, level, reading)
            result.append(Candidate(topic, entity.kind, entity.key, entity.title, round(min(score, 1.0), 3)))
            if len(result) == 3:
                break
        return result

    def _topic_for(self, entity: Entity, level: int | None, reading: _Reading) -> str:
        if entity.kind == "indicator":
            if "evidence" in reading.cues:
                return "evidence"
            if "weight" in reading.cues:
                return "weight"
            return "level" if level is not None else "indicator"
        if entity.kind in {"aspect", "domain"}:
            return "weight" if "weight" in reading.cues else entity.kind
        return entity.kind

    def answer_entity(self, entity: Entity) -> Answer:
        """The answer about one entity, as when a user picks a candidate."""
        return self._about_entity(entity, None, self.read(entity.title), 1.0)

    def _about_entity(self, entity: Entity, level: int | None, reading: _Reading, score: float) -> Answer:
        if entity.kind == "indicator":
            return self._about_indicator(int(entity.key), level, reading, score)
        pack = self.pack
        topic = self._topic_for(entity, level, reading)
        confidence = round(min(score, 1.0), 3)
        if entity.kind == "aspect":
            aspect = pack.aspect(entity.key)
            texts = [aspect.description, *aspect.notes]
            return Answer(pack.id, topic, confidence, level=level, key=aspect.id, title=aspect.name, texts=texts)
        if entity.kind == "domain":
            domain = pack.domain(entity.key)
            return Answer(pack.id, topic, confidence, level=level, key=domain.id, title=domain.name, texts=[domain.description])
        if entity.kind == "glossary":
            term = next(t for t in pack.glossary if t.term == entity.key)
            return Answer(pack.id, "glossary", confidence, level=level, key=term.term, title=term.term, texts=[term.definition])
        rule = next(r for r in pack.rules if r.id == entity.key)
        return Answer(pack.id, "rule", confidence, level=level, key=rule.id, title=rule.title, texts=[rule.text])

    def _about_indicator(self, number: int, level: int | None, reading: _Reading, score: float) -> Answer:
        pack = self.pack
        indicator = pack.indicator(number)
        title = f"{number}. {indicator.short_name}"
        confidence = round(min(score, 1.0), 3)
        if "evidence" in reading.cues:
            if level is not None and indicator.levels.get(level) and indicator.levels[level].evidence:
                texts = list(indicator.levels[level].evidence)
            else:
                texts = list(indicator.evidence_examples)
            return Answer(pack.id, "evidence", confidence, indicator=number, level=level, title=title, texts=texts)
        if "weight" in reading.cues and level is None:
            return Answer(pack.id, "weight", confidence, indicator=number, title=title, texts=[])
        if level is not None and level in indicator.levels:
            texts = [indicator.levels[level].criteria]
            return Answer(pack.id, "level", confidence, indicator=number, level=level, title=title, texts=texts)
        texts = [indicator.assesses, *indicator.notes]
        return Answer(pack.id, "indicator", confidence, indicator=number, level=level, title=title, texts=texts)

    def _general(self, reading: _Reading, level: int | None) -> Answer | None:
        """Questions about the framework as a whole (no entity matched)."""
        pack = self.pack
        cues = reading.cues
        if "predicate" in cues:
            return Answer(pack.id, "predicate", 0.9, title=pack.framework.index_name)
        if "formula" in cues and (cues & {"index", "weight"} or not reading.content):
            texts = [pack.framework.formula, pack.framework.rounding]
            return Answer(pack.id, "formula", 0.85, title=pack.framework.index_name, texts=texts)
        if "weight" in cues and not reading.content:
            return Answer(pack.id, "weight", 0.8, title=pack.framework.short_title)
        if level is not None and not reading.content:
            return Answer(pack.id, "capability", 0.85, level=level, title=f"Level {level}")
        if "index" in cues and not reading.content:
            return Answer(pack.id, "framework", 0.7, title=pack.framework.title, texts=[pack.framework.formula])
        return None


_NUMBER_WORDS = ["level", "indikator", "indicator"]
CLEAR_MARGIN = 0.05
"""A best match closer than this to the runner-up is not confident: the question fits both."""


def _with_margin(ranked: list[tuple[Entity, float]]) -> float:
    """The best score, lowered towards "unsure" when the runner-up scores almost as well."""
    best = min(ranked[0][1], 1.0)
    if len(ranked) < 2:
        return best
    margin = ranked[0][1] - ranked[1][1]
    return best if margin >= CLEAR_MARGIN else min(best, CONFIDENT - 0.01) * (0.8 + 0.2 * margin / CLEAR_MARGIN)
_KIND_ORDER = {"indicator": 0, "glossary": 1, "aspect": 2, "domain": 3, "rule": 4}


def _strip_prefix(name: str) -> str:
    return re.sub(r"^Tingkat Kematangan\s+", "", name)


def _token_names(names: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    result = []
    for name in names:
        tokens = tuple(t for t in tokenize(name) if t not in _STOPWORDS or t in {"data"})
        if tokens and tokens not in result:
            result.append(tokens)
    return tuple(result)


class Library:
    """One :class:`Answerer` per pack, built on first use."""

    def __init__(self, packs: Iterable[Pack]) -> None:
        self._packs = {p.id: p for p in packs}
        self._answerers: dict[str, Answerer] = {}

    def answerer(self, framework_id: str) -> Answerer:
        if framework_id not in self._answerers:
            self._answerers[framework_id] = Answerer(self._packs[framework_id])
        return self._answerers[framework_id]

    @cached_property
    def ids(self) -> list[str]:
        return list(self._packs)
