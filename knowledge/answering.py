"""Answering free questions about a framework from its pack, and nothing else.

A question goes through four steps:

1. *Reading* (``knowledge.reading``): folded tokens, numbers typed as words made digits, every
   number tagged with the noun it belongs to (indicator, level, index value, year, regulation,
   another noun), the cue words that give the question's shape, and the kind of fact it asks for.
2. *Which framework*: a question that names another framework (by name, year or regulation number:
   "pemdi", "versi 2018", "59/2020") is answered from that pack, and the answer says so.
3. *What is asked* (an intent, from the shape): a comparison of two levels, a what-if computed by
   the scoring engine, the heaviest or lightest weight or the index range, the predicate of an index
   value, the level a document proves, the framework as a whole (counts, lists, scale), the stages;
   else the pack entity the words name, matched with rapidfuzz: every name, short name, English name
   and keyword of the indicators, aspects, domains, glossary terms and rules, rare words counting
   more than common ones ("spbe", "layanan").
4. *Honesty*: a question about a fact the packs do not hold (a date of this year, money, a vendor, a
   contact, one institution's result, a regulation the pack does not know) or made mostly of words
   the pack does not know is "not covered", with what the assistant can answer instead. A "closest
   answer" with candidates is given only when the words it rests on are the question's main words.
   Known source conflicts travel with the answers they affect (``Rule.caveat_for``).

Texts always come from the pack; templates add the framing words.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge import reading as rd
from knowledge.models import Pack
from knowledge.reading import CUES, FUNCTION_WORDS, Number, fold, tokenize
from knowledge.simulating import Extremes, Part, Simulation, everything_at, extremes, in_scale, part_at, part_of, raised

__all__ = ["CONFIDENT", "COVERED", "TOPICS", "Answer", "Answerer", "Candidate", "Entity", "Library", "tokenize"]

CONFIDENT = 0.62
"""Below this the answer lists candidates for the user to pick from."""
COVERED = 0.4
"""Below this no entity is considered a match."""

TOPICS = (
    "level", "evidence", "indicator", "weight", "aspect", "domain", "glossary", "rule", "capability", "predicate",
    "formula", "framework", "comparison", "simulation", "extremes", "index_value", "evidence_level", "structure",
    "not_covered",
)
STRUCTURE_PARTS = ("overview", "indicators", "aspects", "domains", "scale")
REASONS = ("out_of_scope", "fact", "now", "local", "regulation", "no_indicator", "outside_scale")

_TYPE_WORDS = {
    "indicator": {"indikator", "indicator", "indikatornya", "indicators"},
    "aspect": {"aspek", "aspect", "aspects", "aspeknya"},
    "domain": {"domain", "domains", "ranah", "domainnya"},
}
# Words that say nothing about which entity is meant (removed from the words that are matched).
_STOPWORDS = FUNCTION_WORDS | {
    "level", "lvl", "tingkat", "indikator", "indicator", "indicators", "aspek", "aspect", "aspects", "domain", "domains",
    "spbe", "pemdi", "no", "nomor", "nomer", "number", "ind", "lv", "l", "i", "kriteria", "criteria", "syarat", "syaratnya",
    "requirement", "requirements", "ketentuan", "arti", "artinya", "maksud", "maksudnya", "pengertian", "definisi",
    "jelaskan", "explain", "define", "definition", "meaning", "kepanjangan", "singkatan", "stand", "versi", "version",
    "kerangka", "framework", "menurut", "according", "ngapain", "butuh", "apa", "tahun", "year",
}
# Words dropped from the pack's names (a short list: "tugas tim koordinasi" is not "tim koordinasi").
_NAME_STOPWORDS = {"vs", "versus",
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
# Whole names made only of such words: "SPBE", "indikator", "level" (glossary terms).
_WEAK = {"spbe", "pemdi", "level", "indikator", "indicator", "aspek", "aspect", "domain", "bobot", "predikat", "nilai", "indeks"}
_MATCHED_CUES = ("evidence", "weight", "predicate", "formula", "criteria", "index", "compare", "whatif", "most", "least", "count")
_ABBREVIATIONS = {
    "bd": "bukti dukung",
    "bukdung": "bukti dukung",
    "buktidukung": "bukti dukung",
    "mr": "manajemen risiko",
    "manrisk": "manajemen risiko",
    "ea": "arsitektur",
    "ti": "tik",
    "it": "tik",
    "hr": "kepegawaian",
    "bmn": "barang milik negara",
    "bmd": "barang milik daerah",
    "pbj": "pengadaan barang jasa",
    "brg": "barang",
    "renc": "rencana",
    "koord": "koordinasi",
    "krit": "kriteria",
    "probis": "proses bisnis",
    "infra": "infrastruktur",
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
    "datacenter": "pusat data",
    "centre": "center",
}
_DEFINING = re.compile(
    r"\bapa (?:itu|arti|artinya|maksud|maksudnya|yang dimaksud|kepanjangan|singkatan|pengertian)\b|\bitu apa\b|\bapa sih\b"
    r"|\b(?:arti|artinya|pengertian|definisi|maksud|maksudnya|kepanjangan|singkatan|jelaskan|explain|define|definition|meaning)\b"
    r"|\bwhat (?:is|s) (?:a |an )?\b|\bwhat does .* (?:mean|stand)\b|\bwho is\b|\bsiapa\b"
)
_LEVEL_QUESTION = re.compile(r"\blevel (?:berapa|brp|apa|mana|yang mana|ke berapa)\b|\b(?:which|what) level\b")
_MONTHS = re.compile(r"\b(?:januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|january|february|"
                     r"march|may|june|july|august|october|december)\b")
_FACT_TEXT = {
    "schedule": re.compile(_MONTHS.pattern + r"|\btanggal\b|\bjadwal\b"),
    "money": re.compile(r"\brp\b|\brupiah\b|\bbiaya\b|\bharga\b"),
    "vendor": re.compile(r"(?!)"),
    "template": re.compile(r"(?!)"),
    "statistics": re.compile(r"\b\d+ (?:instansi|pegawai|asn|orang|peserta|perguruan|kandidat|calon)\b"),
    "contact": re.compile(r"@|\btelepon\b|\.go\.id\b"),
}


def _strip_prefix(name: str) -> str:
    return re.sub(r"^Tingkat Kematangan\s+", "", name)


def _token_names(names: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    result = []
    for name in names:
        raw = tuple(tokenize(name))
        tokens = tuple(t for t in raw if t not in _NAME_STOPWORDS or t in {"data"})
        tokens = tokens or raw  # a name made only of weak words ("SPBE") is kept whole
        if tokens and tokens not in result:
            result.append(tokens)
    return tuple(result)


def _stem(token: str) -> str:
    """A light Indonesian stem, for words the pack does not know ("dokumennya", "penilaiannya")."""
    for suffix in ("nya", "kan", "lah", "kah", "an", "i"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            token = token[: -len(suffix)]
            break
    for prefix in ("meng", "mem", "men", "me", "di", "ber", "ter", "pe", "ke"):
        if token.startswith(prefix) and len(token) - len(prefix) >= 4:
            return token[len(prefix):]
    return token


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
    level_to: int | None = None  # the second level of a comparison
    levels: list[int] = field(default_factory=list)  # every level a document proves (evidence_level)
    value: Decimal | None = None  # an index value asked about, or the headline figure of a computed answer
    predicate: str | None = None  # the predicate label of ``value``
    simulation: Simulation | None = None
    extremes: Extremes | None = None
    notes: list[str] = field(default_factory=list)  # known source conflicts about the fact answered
    home: str | None = None  # the user's own framework (id), when the question named another one
    home_title: str | None = None  # its short title
    reason: str | None = None  # why not covered: see REASONS
    fact: str | None = None  # the kind of fact asked that the packs do not hold (schedule, money, vendor, contact)

    @property
    def covered(self) -> bool:
        return self.topic != "not_covered"

    @property
    def sure(self) -> bool:
        return self.covered and self.confidence >= CONFIDENT

    @property
    def computed(self) -> bool:
        """A figure computed by this assistant (a simulation), not a figure from the sources."""
        return self.simulation is not None or (self.extremes is not None and self.extremes.kind == "range")


@dataclass
class _Reading:
    tokens: list[str]
    numbers: list[Number]
    indicator: int | None
    level: int | None
    levels: list[int]
    cues: set[str]
    types: set[str]
    content: list[str]
    cue_words: list[str]
    weak: list[str]
    shape: rd.Shape
    defining: bool
    text: str
    part: tuple[str, str] | None = None  # an aspect or domain named by number ("aspek 6")
    any_level: int | None = None  # a level named, even one outside the scale ("level 0" in spbe-2020)


@dataclass(frozen=True)
class Mention:
    """How a question can name a framework."""

    framework: str
    phrases: tuple[tuple[str, ...], ...]
    regulations: frozenset[tuple[int, int | None]]
    own_year: int | None
    years: frozenset[int]


class Answerer:
    """Answers questions about one pack. Build once per pack; ``ask`` is cheap."""

    def __init__(self, pack: Pack, library: Library | None = None) -> None:
        self.pack = pack
        self.library = library
        self.entities = list(self._entities())
        vocabulary: dict[str, int] = defaultdict(int)
        for entity in self.entities:
            for token in {t for name in entity.names for t in name}:
                vocabulary[token] += 1
        self._vocabulary = list(vocabulary)
        self._entities_of_word: dict[str, list[int]] = defaultdict(list)
        for index, entity in enumerate(self.entities):
            for token in {t for name in entity.names for t in name}:
                self._entities_of_word[token].append(index)
        self._vocabulary_set = set(vocabulary)
        total = len(self.entities)
        # Rare words weigh more: "risiko" says more than "layanan".
        self._idf = {t: 1.0 + math.log((1 + total) / (1 + n)) for t, n in vocabulary.items()}
        # Numbers that are part of a name ("layanan publik sektor 1"), as (previous word, number).
        self._numbered = {
            (name[i - 1], token) for entity in self.entities for name in entity.names
            for i, token in enumerate(name) if i and token.isdigit()
        }
        # Number words that are part of a name ("satu data"), as (word, next word).
        self._spelt = {
            (name[i], name[i + 1]) for entity in self.entities for name in entity.names
            for i in range(len(name) - 1) if name[i] in rd.NUMBER_WORDS
        }
        cue_words = {w for words in CUES.values() for w in words}
        type_words = {w for ws in _TYPE_WORDS.values() for w in ws}
        self._plain = FUNCTION_WORDS | cue_words | type_words | {"bukti", "dukung"}
        self._cue_vocabulary = sorted(cue_words | set(_STOPWORDS) | type_words | {w for ws in rd.FACT_CUES.values() for w in ws})
        self._known = self._vocabulary_set | set(self._cue_vocabulary) | rd.NUMBER_WORDS | {"koma", "point"}
        self._level_names = self._capability_names()
        self._regulations = self._known_regulations()
        self._entity_index = {(e.kind, e.key): e for e in self.entities}
        self._policy_indicators = {str(i.number) for i in pack.indicators if _is_policy(i.short_name)}
        self._predicate_words = {t for band in pack.predicates for t in tokenize(f"{band.label} {band.label_en}")} | {"baik", "buruk"}

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

    def _capability_names(self) -> dict[tuple[str, ...], int]:
        """Level names ("terdefinisi", "terpadu dan terukur") that name a level, not an entity."""
        names: dict[tuple[str, ...], int] = {}
        for model in self.pack.capability_models:
            for level, name in model.levels.items():
                for text in (name.name, name.name_en):
                    tokens = tuple(t for t in tokenize(text) if t not in {"dan", "and"})
                    if tokens:
                        names[tokens] = level
        return names

    def _known_regulations(self) -> set[tuple[int, int]]:
        texts = [self.pack.framework.title, *self.pack.framework.legal_basis, *self.pack.framework.aliases]
        texts += [n for g in self.pack.glossary for n in (g.term, *g.aliases)]
        texts += [k for i in self.pack.indicators for k in i.keywords] + [k for r in self.pack.rules for k in r.keywords]
        return {ref for text in texts for ref in regulation_refs(text)}

    @property
    def mention(self) -> Mention:
        """How questions name this pack's framework (used by :class:`Library`)."""
        return mention_of(self.pack)

    # --- step 1: reading ----------------------------------------------------------------------

    def _correct(self, token: str) -> str:
        """Fix a typo in a cue word ("bukt" -> "bukti"); pack words are matched fuzzily later."""
        if len(token) < 4 or token in self._idf or token[0].isdigit():
            return token
        match = process.extractOne(token, self._cue_vocabulary, scorer=fuzz.ratio, score_cutoff=88)
        return match[0] if match else token

    def _spell_number_nouns(self, token: str) -> str:
        """Fix typos of the words that introduce a number ("levle 4", "indikatr 15", "lelvel")."""
        if len(token) < 4 or token in self._idf or token in _NUMBER_NOUNS:
            return token
        found = process.extractOne(token, _NUMBER_NOUNS, scorer=fuzz.ratio, score_cutoff=80)
        return found[0] if found else token

    def read(self, question: str) -> _Reading:
        raw = rd.words(_SELF.sub(" ", fold(question)))
        raw = [self._spell_number_nouns(t) if not t[0].isdigit() else t for t in raw]
        expects = rd._LEVEL_NOUNS | rd._INDICATOR_NOUNS | rd._INDEX_NOUNS | CUES["rest"] | {"sisanya"}
        tokens = rd.spell_numbers(raw, expects, self._spelt)
        expanded: list[str] = []
        for token in tokens:
            expanded.extend(_ABBREVIATIONS.get(token, token).split())
        tokens = [self._correct(t) for t in expanded]
        text = " ".join(tokens)
        numbers = rd.tag_numbers(tokens, self._numbered, self._vocabulary_set, self._plain)
        scale = self.pack.scale.levels()
        indicator = next((int(n.value) for n in numbers if n.role == "indicator" and n.whole), None)
        if indicator is None:
            bare = [n for n in numbers if n.role == "bare" and n.whole]
            if bare and 1 <= bare[0].value <= len(self.pack.indicators):
                indicator = int(bare[0].value)
            elif bare and bare[0].value > len(self.pack.indicators) and len(numbers) == 1:
                indicator = int(bare[0].value)  # "99": a number outside the framework, refused below
        levels = list(dict.fromkeys(int(n.value) for n in numbers if n.role == "level" and n.whole and int(n.value) in scale))
        level_names = self._level_name_levels(tokens)
        if not levels and level_names:
            levels = level_names
        shape = rd.shape_of(tokens)
        cues = set(shape.cues)
        if {"berat", "heavier", "heaviest", "lighter", "ringan"} & set(tokens):
            cues.add("weight")
        types = {kind for kind, ws in _TYPE_WORDS.items() if any(t in ws for t in tokens)}
        name_words = {w for name in self._level_names for w in name} if level_names else set()
        matched_cue_words = {w for cue in _MATCHED_CUES for w in CUES[cue]}
        content = [
            t for i, t in enumerate(tokens)
            if t not in _STOPWORDS and t not in matched_cue_words and t not in name_words
            and not (t[0].isdigit() and not (i > 0 and (tokens[i - 1], t) in self._numbered))
            and t not in {"#", "%", "koma", "point", "bukti", "dukung"} and t not in rd.REGULATION_NOUNS and t not in _FRAMEWORK_WORDS
        ]
        cue_words = [t for t in tokens if t in matched_cue_words | {"bukti", "dukung"} and t not in content]
        weak = [t for t in tokens if t in _WEAK]
        content = self._without_framework_names(tokens, content)
        part = next(((n.role, f"{'A' if n.role == 'aspect' else 'D'}{int(n.value)}") for n in numbers
                     if n.role in {"aspect", "domain"}), None)
        if part is not None and (part[0], part[1]) not in self._entity_index:
            part = None
        any_level = next((int(n.value) for n in numbers if n.role == "level" and n.whole), None)
        return _Reading(tokens, numbers, indicator, levels[0] if levels else None, levels, cues, types, content, cue_words, weak,
                        shape, bool(_DEFINING.search(text)), text, part, any_level)

    def _without_framework_names(self, tokens: list[str], content: list[str]) -> list[str]:
        """Content without the words that name a framework ("indeks pemerintah digital", "pemdi 2026")."""
        phrases = [p for m in (self.library.mentions() if self.library else [self.mention]) for p in m.phrases if len(p) > 1]
        drop: set[int] = set()
        for phrase in phrases:
            size = len(phrase)
            for i in range(len(tokens) - size + 1):
                if tuple(tokens[i:i + size]) == phrase:
                    drop.update(range(i, i + size))
        if not drop:
            return content
        dropped = {tokens[i] for i in drop}
        kept = {t for i, t in enumerate(tokens) if i not in drop}
        return [t for t in content if t not in dropped or t in kept]

    def _level_name_levels(self, tokens: list[str]) -> list[int]:
        """Levels named by their capability name ("level terdefinisi", "tingkat kolaborasi", "rintisan"), and
        the first word of a longer name after "level" or after another level name ("terdefinisi dan terpadu")."""
        found: dict[int, int] = {}  # level -> position
        words = tokens
        for name, level in self._level_names.items():
            size = len(name)
            for i in range(len(words)):
                window = tuple(t for t in words[i:i + size + 1] if t not in {"dan", "and"})[:size]
                if window != name:
                    continue
                after_level_word = i > 0 and words[i - 1] in rd._LEVEL_NOUNS
                if after_level_word or not any(w in self._vocabulary_set for w in name):
                    found.setdefault(level, i)
        for name, level in self._level_names.items():
            if len(name) < 2:
                continue
            for i in range(1, len(words)):
                joined = words[i - 1] in rd._LEVEL_NOUNS or (found and words[i - 1] in rd._CONJUNCTIONS)
                if words[i] == name[0] and joined:
                    found.setdefault(level, i)
        return [level for level, _ in sorted(found.items(), key=lambda item: item[1])]

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

    def match(self, content: list[str], kinds: set[str] | None = None) -> list[tuple[Entity, float]]:
        if not content:
            return []
        return list(self._match(tuple(content), frozenset(kinds) if kinds is not None else None))

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one answerer per pack, kept for the life of the process
    def _match(self, content: tuple[str, ...], kinds: frozenset[str] | None) -> tuple[tuple[Entity, float], ...]:
        sims = self._similarities(list(content))
        words = {w for token_sims in sims for w in token_sims}
        # Only names sharing a word with the question can score above zero.
        candidates = sorted({i for w in words for i in self._entities_of_word.get(w, ())})
        scored = []
        for index in candidates:
            entity = self.entities[index]
            if kinds is not None and entity.kind not in kinds:
                continue
            score = max(self._score_name(name, sims) for name in entity.names if words.intersection(name))
            if score > 0:
                scored.append((entity, score))
        scored.sort(key=lambda pair: -pair[1])
        return tuple(scored)

    def _explained(self, reading: _Reading, entity: Entity) -> tuple[list[str], list[str]]:
        """The question's content words this entity explains, and those no word of the pack knows."""
        words_of = {w for name in entity.names for w in name}
        explained, foreign = [], []
        for token, sims in zip(reading.content, self._similarities(reading.content), strict=True):
            if any(sims.get(w, 0) >= 0.8 for w in words_of):
                explained.append(token)
            elif self._is_foreign(token):
                foreign.append(token)
        return explained, foreign

    @cached_property
    def _all_known(self) -> tuple[frozenset[str], list[str], frozenset[str]]:
        """Words, sorted words and stems of every word the pack's texts and the question vocabulary hold."""
        known = frozenset(self._known | self.pack.text_words | self._predicate_words | rd.RAISE_WORDS)
        return known, sorted(known), frozenset(_stem(w) for w in known if len(w) >= 5)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one answerer per pack, kept for the life of the process
    def _is_foreign(self, token: str) -> bool:
        """A word that neither the pack's texts nor the question vocabulary hold, even misspelt by a letter."""
        known, ordered, stems = self._all_known
        if token in known or token.isdigit():
            return False
        if len(token) <= 4:
            return True  # short words are taken as written: "bola" is not "pola"
        limit = 1 if len(token) <= 10 else 2
        if process.extractOne(token, ordered, scorer=Levenshtein.distance, score_cutoff=limit) is not None:
            return False
        stem = _stem(token)
        return not (len(stem) >= 4 and (stem in stems or any(_stem(w) == stem for w in ordered if w[:3] == token[:3])))

    def _foreign(self, reading: _Reading) -> list[str]:
        return [t for t in reading.content if self._is_foreign(t)]

    # --- step 3: deciding -------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        reading = self.read(question)
        meant = self.library.frameworks_meant(reading) if self.library is not None else []
        if self.library is None or not meant or self.pack.id in meant:
            answer = self.ask_here(question, reading)
            if answer.covered or not meant or self.library is None:
                return answer
            meant = [fw for fw in meant if fw != self.pack.id]
            if not meant:
                return answer
        else:
            answer = None
        library = self.library
        others = [library.answerer(fw).ask_here(question) for fw in meant]
        best = max(others, key=lambda a: (a.covered, a.confidence))
        if not best.covered:
            return answer if answer is not None else self.ask_here(question, reading)
        best.home, best.home_title = self.pack.id, self.pack.framework.short_title
        return best

    def ask_here(self, question: str, reading: _Reading | None = None) -> Answer:
        """The answer from this pack alone (no other framework is consulted)."""
        reading = reading or self.read(question)
        answer = self._decide(reading)
        answer = self._honest(answer, reading)
        if answer.covered:
            answer.notes = self._caveats(answer)
        return answer

    def _decide(self, r: _Reading) -> Answer:
        pack = self.pack
        unknown = [n for n in r.numbers if n.role == "regulation" and (int(n.value), n.year) not in self._regulations
                   and not self._framework_regulation(n)]
        if unknown:
            return self._not_covered(r, "regulation")
        regulations = {(int(n.value), n.year) for n in r.numbers if n.role == "regulation"}
        if regulations and (r.defining or not (r.content or r.levels or r.cues - {"define"} or r.any_level is not None)) and not r.types:
            term = next((g for g in pack.glossary if regulations & {ref for t in (g.term, *g.aliases) for ref in regulation_refs(t)}), None)
            if term is not None:
                return Answer(pack.id, "glossary", 1.0, key=term.term, title=term.term, texts=[term.definition])
        if r.defining and not r.numbers:
            named = self._glossary_named(r)
            if named is not None:
                return named
        if len(r.levels) >= 2 and self._level_range(r):
            r.level = None  # "level 1 sampai 5": every level, i.e. the indicator as a whole
        elif len(r.levels) >= 2 and ("compare" in r.cues or self._joined_levels(r)):
            return self._comparison(r)
        simulation = self._simulation(r)
        if simulation is not None:
            return simulation
        extreme = self._extremes(r)
        if extreme is not None:
            return extreme
        value = next((n for n in r.numbers if n.role == "index"), None)
        if value is not None and "weight" not in r.cues:
            return self._index_value(value.value)
        if _LEVEL_QUESTION.search(r.text) and r.level is None and "scale" not in r.cues and not (r.shape.cues & {"structure"}):
            found = self._evidence_level(r)
            if found is not None:
                return found
        structure = self._structure(r)
        if structure is not None:
            return structure
        level = r.level
        if r.part is not None and r.indicator is None:
            entity = self._entity_index[r.part]
            return self._about_entity(entity, level, r, 1.0)
        if r.indicator is not None and pack.has_indicator(r.indicator):
            return self._about_indicator(r.indicator, level, r, 1.0)
        if r.indicator is not None and ("indicator" in r.types or not r.content):
            answer = Answer(pack.id, "not_covered", 0.0, level=level, reason="no_indicator",
                            texts=[f"{pack.framework.short_title} has indicators 1..{len(pack.indicators)}"])
            return answer
        if self._stages_asked(r):
            stages = next((rule for rule in pack.rules if "stages" in rule.answers), None)
            if stages is not None:
                return Answer(pack.id, "rule", 0.9, key=stages.id, title=stages.title, texts=[stages.text])
        if r.defining and not r.content and r.any_level is None and r.level is None:
            ranked = self._rank(r, [*r.cue_words, *r.weak])
            if ranked and ranked[0][1] >= 0.9 and ranked[0][0].kind == "glossary":
                return self._about_entity(ranked[0][0], level, r, ranked[0][1])
        if "predicate" in r.cues and r.content and all(t in self._predicate_words for t in r.content):
            return Answer(pack.id, "predicate", 0.9, title=pack.framework.index_name)  # "rentang predikat baik"
        validity = [t for t in r.tokens if t in _VALIDITY and t not in r.content]
        ranked = self._rank(r, [*r.content, *validity] if validity and r.content else None)
        if ranked and ranked[0][1] >= COVERED:
            entity, score = ranked[0]
            score = _with_margin(ranked)
            answer = self._about_entity(entity, level, r, score)
            answer.candidates = self._candidates(ranked, r, level, skip=None if score < CONFIDENT else entity)
            explained, foreign = self._explained(r, entity)
            if foreign and len(foreign) >= len(explained):
                return self._not_covered(r, "out_of_scope")
            return answer
        general = self._general(r, level)
        if general:
            return general
        if (r.cue_words or r.weak) and not self._foreign(r):
            # The cue words may themselves be the subject ("apa arti bukti dukung", "beda 2018 dan 2020").
            years = [n.text for n in r.numbers if n.role == "year"]
            words = list(dict.fromkeys([*r.content, *r.cue_words, *r.weak, *years]))
            ranked = self._rank(r, words)
            if ranked and ranked[0][1] >= CONFIDENT and ranked[0][0].kind in {"glossary", "rule"}:
                # a year only supports the words that name the entity ("beda 2018 dan 2020"), it is not one
                own = {w for name in ranked[0][0].names for w in name}
                naming = [t for t, sims in zip(words, self._similarities(words), strict=True)
                          if t not in years and any(sims.get(w, 0) >= 0.8 for w in own)]
                if naming:
                    return self._about_entity(ranked[0][0], level, r, ranked[0][1])
        answer = self._not_covered(r, "out_of_scope")
        if ranked and ranked[0][1] >= 0.25 and not self._foreign(r) and not r.shape.facts:
            explained, _ = self._explained(r, ranked[0][0])
            if 2 * len(explained) >= len(r.content):  # "did you mean" only when its words are the question's
                answer.candidates = self._candidates(ranked, r, level, skip=None)
        return answer

    def _glossary_named(self, r: _Reading) -> Answer | None:
        """A definition question whose words are exactly a glossary term or alias ("apa itu indeks SPBE")."""
        wanted = {t for t in r.tokens if not t[0].isdigit() and t not in _FRAMEWORK_WORDS - _WEAK
                  and (t in self._vocabulary_set or t in _WEAK or t not in _STOPWORDS | CUES["define"])}
        if not wanted:
            return None
        for term in self.pack.glossary:
            for name in (term.term, *term.aliases):
                tokens = {t for t in tokenize(name) if t not in {"dan", "and", "of", "the"}}
                if tokens == wanted:
                    return Answer(self.pack.id, "glossary", 1.0, key=term.term, title=term.term, texts=[term.definition])
        return None

    def _not_covered(self, r: _Reading, reason: str, fact: str | None = None) -> Answer:
        return Answer(self.pack.id, "not_covered", 0.0, level=None, reason=reason, fact=fact)

    def _framework_regulation(self, number: Number) -> bool:
        if self.library is None:
            return False
        return any((int(number.value), number.year) in m.regulations for m in self.library.mentions())

    def _level_range(self, r: _Reading) -> bool:
        """A span of levels rather than a pair: "level 1 sampai 5", "level 1-5"."""
        low, high = sorted(r.levels[:2])
        return high - low >= 2 and bool(re.search(r"\b(?:sampai|hingga|sd|through|thru)\b", r.text)) and "compare" not in r.cues

    def _joined_levels(self, r: _Reading) -> bool:
        """Two levels joined as a pair: "level 3 dan 4", "dari level 3 ke level 4", "antara level 2 dan 3"."""
        if r.cues & {"all", "rest"}:
            return False
        positions = [n.position for n in r.numbers if n.role == "level"]
        between = set(r.tokens[positions[0] + 1:positions[1]]) if len(positions) >= 2 else set()
        return bool(between & rd._CONJUNCTIONS) or bool(re.search(r"\b(?:dari|from|antara|between)\b", r.text))

    def _stages_asked(self, r: _Reading) -> bool:
        """How the evaluation runs and who evaluates: "tahapan evaluasi", "alur penilaian", "siapa yang menilai",
        "setelah penilaian mandiri tahap berikutnya apa" (not "tahap interviu", a term of its own)."""
        tokens = set(r.tokens)
        strong = tokens & {"tahapan", "tahap", "tahapannya", "alur", "alurnya", "urutan", "langkah", "stages", "stage", "steps", "siklus"}
        evaluating = tokens & {"menilai", "evaluates", "assesses", "penilai", "mengevaluasi", "evaluate", "assess", "dinilai"}
        subject = {"evaluasi", "penilaian", "pemantauan", "evaluation", "assessment", "monitoring", "mandiri", "self"}
        if tokens & {"siapa", "who"} and evaluating and r.indicator is None:
            return True
        if not (strong or (tokens & {"proses", "process"} and tokens & subject)):
            return False
        if tokens & {"berikutnya", "selanjutnya", "setelah", "sesudah", "next", "after"} and tokens & subject:
            return True
        rest = [t for t in r.content if t not in rd.STAGE_WORDS and t not in subject and t not in {"awal", "akhir"}]
        return not rest

    # --- intents --------------------------------------------------------------------------

    def _comparison(self, r: _Reading) -> Answer:
        pack = self.pack
        low, high = sorted(r.levels[:2])
        if r.indicator is not None and pack.has_indicator(r.indicator):
            number, confidence = r.indicator, 1.0
            candidates: list[Candidate] = []
        else:
            ranked = self._rank(r, kinds={"indicator"})
            if not ranked or ranked[0][1] < COVERED:
                return Answer(pack.id, "comparison", 0.85, level=low, level_to=high, title=f"Level {low} / {high}")
            number, confidence = int(ranked[0][0].key), _with_margin(ranked)
            candidates = self._candidates(ranked, r, low, skip=None if confidence < CONFIDENT else ranked[0][0])
        indicator = pack.indicator(number)
        both = low in indicator.levels and high in indicator.levels
        texts = [indicator.levels[low].criteria, indicator.levels[high].criteria] if both else []
        answer = Answer(pack.id, "comparison", round(min(confidence, 1.0), 3), indicator=number, level=low, level_to=high,
                        title=f"{number}. {indicator.short_name}", texts=texts)
        answer.candidates = [c for c in candidates if c.kind == "indicator"]
        return answer

    def _simulation(self, r: _Reading) -> Answer | None:
        pack = self.pack
        tokens = set(r.tokens)
        candidates = [n for n in r.numbers if n.role in {"level", "index", "bare", "loose"} and in_scale(pack, n.value)]
        raise_steps = next((int(n.value) for n in r.numbers if n.role == "levels"), None)
        if raise_steps is None and tokens & rd.RAISE_WORDS and _RAISED.search(r.text) and not r.levels:
            raise_steps = 1
        asks_index = bool(r.cues & {"index", "predicate"}) or bool(tokens & {"jadi", "menjadi", "become"})
        whatif = "whatif" in r.cues
        if raise_steps is not None:
            part = self._part(r, kinds={"indicator"})
            if part is None:
                return None
            base = next((n.value for n in candidates), None) if "all" in r.cues else None
            simulation = raised(pack, part, raise_steps, base)
            headline = simulation.gain if base is None or simulation.score is None else simulation.score.value
            return self._simulated(simulation, value=headline)
        has_all = "all" in r.cues
        if not candidates:
            roles = {"level", "index"} if has_all else {"level"}
            outside = [n for n in r.numbers if n.role in roles and not in_scale(pack, n.value)]
            if outside and (has_all or whatif) and r.indicator is None:
                return Answer(pack.id, "not_covered", 0.0, reason="outside_scale")  # "semua level 3,5" in a whole-level pack
            return None
        has_rest = bool(tokens & CUES["rest"])
        if not (has_all or has_rest or whatif):
            return None
        part = self._part(r)
        if part is None:
            if not has_all or r.indicator is not None or r.cues & {"evidence", "criteria", "weight"}:
                return None
            if not (asks_index or whatif or not r.content):
                return None
            return self._simulated(everything_at(pack, candidates[0].value))
        if len(candidates) >= 2:
            rest_value = self._number_after(r, CUES["rest"] | CUES["all"], candidates)
            part_value = next((n for n in candidates if n is not rest_value), None)
            if rest_value is None or part_value is None:
                return None
            return self._simulated(part_at(pack, part, part_value.value, rest_value.value))
        if not (asks_index or has_rest):
            return None
        if has_all and part.kind == "indicator" and r.indicator is None and not r.content:
            return self._simulated(everything_at(pack, candidates[0].value))
        return self._simulated(part_at(pack, part, candidates[0].value, None))

    def _number_after(self, r: _Reading, cue: set[str], numbers: list[Number]) -> Number | None:
        positions = [i for i, t in enumerate(r.tokens) if t in cue]
        if not positions:
            return None
        best: tuple[int, Number] | None = None
        for number in numbers:
            after = [number.position - p for p in positions if number.position > p]
            if after and (best is None or min(after) < best[0]):
                best = (min(after), number)
        return best[1] if best else None

    def _part(self, r: _Reading, kinds: set[str] | None = None) -> Part | None:
        pack = self.pack
        if r.indicator is not None and pack.has_indicator(r.indicator):
            return part_of(pack, "indicator", str(r.indicator))
        if r.part is not None and (kinds is None or r.part[0] in kinds):
            return part_of(pack, r.part[0], r.part[1])
        words = [t for t in r.content if t not in CUES["rest"] and t not in CUES["all"] and t not in CUES["whatif"]]
        ranked = self._rank(r, words, kinds=kinds or {"indicator", "aspect", "domain"})
        if not ranked or ranked[0][1] < COVERED:
            return None
        entity = ranked[0][0]
        return part_of(pack, entity.kind, entity.key)

    def _simulated(self, simulation: Simulation, value: Decimal | None = None) -> Answer:
        score = simulation.score
        headline = value if value is not None else score.value if score else None
        part = simulation.part
        return Answer(self.pack.id, "simulation", 0.9, indicator=int(part.key) if part and part.kind == "indicator" else None,
                      key=simulation.kind, title=self.pack.framework.index_name, value=headline,
                      predicate=score.predicate.label if score is not None else None, simulation=simulation)

    def _extremes(self, r: _Reading) -> Answer | None:
        tokens = set(r.tokens)
        text = r.text
        most = bool(tokens & (CUES["most"] - {"paling"})) or bool(re.search(r"\bpaling (?:besar|berat|tinggi|banyak)\b|\bthe most\b", text))
        least = bool(tokens & CUES["least"]) or bool(re.search(r"\bpaling (?:kecil|ringan|rendah|sedikit)\b", text))
        if not (most or least) or (r.numbers and any(n.role in {"level", "index", "indicator"} for n in r.numbers)):
            return None
        if "weight" in r.cues:
            of = "domain" if "domain" in r.types else "aspect" if "aspect" in r.types else "indicator"
            kind = "lightest" if least and not most else "heaviest"
            found = extremes(self.pack, kind, of)
            single = found.of == "indicator" and len(found.parts) == 1
            return Answer(self.pack.id, "extremes", 0.9, indicator=int(found.parts[0].key) if single else None,
                          key=kind, title=self.pack.framework.short_title, value=found.weight, extremes=found)
        if "index" in r.cues and (tokens & CUES["possible"] or (most and least) or not r.content):
            found = extremes(self.pack, "range")
            return Answer(self.pack.id, "extremes", 0.9, key="range", title=self.pack.framework.index_name, extremes=found)
        return None

    def _index_value(self, value: Decimal) -> Answer:
        pack = self.pack
        if not pack.scale.min <= value <= pack.scale.max:
            return Answer(pack.id, "index_value", 0.9, title=pack.framework.index_name, value=value, reason="outside_scale")
        band = pack.predicate_for(value.quantize(Decimal("0.01")))
        return Answer(pack.id, "index_value", 0.95, title=pack.framework.index_name, value=value, predicate=band.label)

    def _evidence_level(self, r: _Reading) -> Answer | None:
        """The level(s) whose evidence lists the document the question names."""
        pack = self.pack
        document = [t for t in r.content if t not in _PROVING]
        document += [t for t in r.cue_words if t in {"dokumen", "document", "berkas", "lampiran"}]
        if not document:
            return None
        ranked = self._rank(r, document, kinds={"indicator"})
        names = {int(e.key): s for e, s in ranked}
        if r.indicator is not None and pack.has_indicator(r.indicator):
            choices = [r.indicator]
        else:
            choices = [int(e.key) for e, _ in ranked[:8]] or [i.number for i in pack.indicators]
        best: tuple[float, int, list[int]] | None = None
        for number in choices:
            indicator = pack.indicator(number)
            entity = self._entity_index[("indicator", str(number))]
            own = {w for name in entity.names for w in name}
            words = [t for t in document if not any(fuzz.ratio(t, w) >= 85 for w in own)] or document
            per_level = {level: self._evidence_score(words, c.evidence) for level, c in indicator.levels.items() if c.evidence}
            if not per_level:
                continue
            top = max(per_level.values())
            if top <= 0:
                continue
            score = top + 0.6 * min(names.get(number, 0.0), 1.0)
            levels = [level for level, s in sorted(per_level.items()) if s >= top * 0.85]
            if best is None or score > best[0]:
                best = (score, number, levels)
        if best is None or best[0] < 0.45:
            if ranked and ranked[0][1] >= CONFIDENT and not any(c.evidence for c in pack.indicator(int(ranked[0][0].key)).levels.values()):
                number = int(ranked[0][0].key)
                indicator = pack.indicator(number)
                return Answer(pack.id, "evidence_level", round(min(ranked[0][1], 1.0), 3), indicator=number,
                              title=f"{number}. {indicator.short_name}", texts=list(indicator.evidence_examples))
            return None
        score, number, levels = best
        indicator = pack.indicator(number)
        texts = [e for level in levels for e in indicator.levels[level].evidence]
        return Answer(pack.id, "evidence_level", round(min(score, 1.0), 3), indicator=number, level=levels[0], levels=levels,
                      title=f"{number}. {indicator.short_name}", texts=texts)

    @cached_property
    def _evidence_idf(self) -> dict[str, float]:
        counts: dict[str, int] = defaultdict(int)
        total = 0
        for indicator in self.pack.indicators:
            for c in indicator.levels.values():
                for item in c.evidence:
                    total += 1
                    for token in set(tokenize(item)):
                        counts[token] += 1
        return {t: 1.0 + math.log((1 + total) / (1 + n)) for t, n in counts.items()}

    def _evidence_score(self, document: list[str], items: list[str]) -> float:
        """How much of the document's words (rare ones counting more) one evidence item of a level holds."""
        idf = self._evidence_idf
        weights = {t: max((idf.get(w, 0.0) for w in idf if w[:3] == t[:3] and fuzz.ratio(t, w) >= 85), default=2.0) for t in set(document)}
        total = sum(weights.values())
        best = 0.0
        for item in items:
            have = set(tokenize(item))
            hit = sum(weight for t, weight in weights.items() if t in have or any(fuzz.ratio(t, h) >= 85 for h in have))
            best = max(best, hit / total if total else 0.0)
        return best

    def _structure(self, r: _Reading) -> Answer | None:
        pack = self.pack
        tokens = set(r.tokens)
        text = r.text
        rest = [t for t in r.content if t not in CUES["structure"] and t not in CUES["list"] and t not in CUES["exists"]
                and t not in CUES["scale"] and t not in {"dinilai", "punya", "penilaian", "evaluasi", "dalam", "nilai"}
                and not any(t in ws for ws in _TYPE_WORDS.values())]
        found = self.match(rest)
        named = bool(found) and found[0][1] >= COVERED
        if "weight" in r.cues or r.indicator is not None or named:
            return None
        part = None
        scale_words = "scale" in r.cues and (bool(tokens & {"level", "levels", "nilai", "penilaian"}) or not rest)
        exists = bool(r.shape.cues & {"exists"}) or "is there" in text
        level_exists = exists and r.any_level is not None and not rest
        if scale_words or level_exists or re.search(r"\blevel (?:berapa|\d) sampai (?:berapa|\d)\b", text):
            part = "scale"
        elif r.types:
            listing = bool(tokens & {"saja", "aja", "sebutkan", "daftar", "list"} or _LISTED.search(text))
            counting = bool(tokens & {"berapa", "brp", "jumlah", "jumlahnya", "banyak", "banyaknya", "total"}) or "how many" in text
            exists = bool(tokens & {"punya", "memiliki", "have", "has"}) or bool(re.search(r"\bada (?:apa|berapa)\b", text))
            if listing or counting or exists:
                part = "domains" if "domain" in r.types else "aspects" if "aspect" in r.types else "indicators"
        elif r.shape.cues & {"structure"} and tokens & {"struktur", "structure", "gambaran", "overview", "susunan"}:
            part = "overview"
        if part is None:
            return None
        return Answer(pack.id, "structure", 0.9, key=part, title=pack.framework.title)

    # --- entities -------------------------------------------------------------------------

    def _rank(self, reading: _Reading, words: list[str] | None = None, kinds: set[str] | None = None) -> list[tuple[Entity, float]]:
        """Entity scores with priors from the question's shape (may exceed 1; shown capped)."""
        ranked = []
        defining = reading.defining and reading.level is None and not reading.cues & {"evidence", "weight"}
        for entity, score in self.match(reading.content if words is None else words, kinds):
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
            if entity.kind == "rule" and set(reading.tokens) & _VALIDITY:
                score += 0.08  # "masih berlaku?", "still counted?": a practical rule, not a definition
            if entity.kind == "indicator" and entity.key in self._policy_indicators and not set(reading.tokens) & _POLICY_WORDS:
                score -= 0.04  # "manajemen data" is the practice; its policy is asked for as "kebijakan manajemen data"
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
        answer = self._about_entity(entity, None, self.read(entity.title), 1.0)
        answer.notes = self._caveats(answer)
        return answer

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
        if "index" in cues and not reading.content and not reading.defining:
            return Answer(pack.id, "framework", 0.7, title=pack.framework.title, texts=[pack.framework.formula])
        return None

    # --- step 4: honesty ------------------------------------------------------------------

    def _honest(self, answer: Answer, r: _Reading) -> Answer:
        """Refuse an answer that rests on a fact the pack does not hold, or on words it does not know."""
        if not answer.covered:
            if r.shape.facts or r.shape.now:
                answer.candidates = []
            return answer
        matched = answer.topic in {"level", "evidence", "indicator", "weight", "aspect", "domain", "glossary", "rule", "comparison"}
        if r.indicator is None and r.part is None and not matched and self._foreign(r):
            return self._not_covered(r, "out_of_scope")  # a shape cue among words the pack does not know
        shape = r.shape
        computed = answer.topic in {"simulation", "index_value"}
        if shape.now and (shape.facts or r.shape.cues & {"who", "count"} or "index" in r.cues) and not computed:
            facts = sorted(shape.facts)
            return self._not_covered(r, "fact", facts[0]) if facts else self._not_covered(r, "now")
        asks_who = bool(r.shape.cues & {"who"}) or bool(set(r.tokens) & {"nama", "name", "names"})
        if shape.local and (asks_who or ("index" in r.cues and answer.topic not in {"index_value", "simulation"})):
            return self._not_covered(r, "local")
        for fact in sorted(shape.facts):
            if not self._holds(answer, fact, r):
                return self._not_covered(r, "fact", fact)
        return answer

    def _holds(self, answer: Answer, fact: str, r: _Reading) -> bool:
        """Whether the texts an answer rests on hold the kind of fact asked (a date, a price...)."""
        if answer.topic in {"simulation", "index_value", "extremes", "comparison", "structure", "capability", "predicate", "formula"}:
            return False
        entity = self._entity_of(answer)
        texts = [fold(t) for t in answer.texts]
        if entity is not None:
            texts += [" ".join(name) for name in entity.names]
        joined = " ".join(texts)
        if not _FACT_TEXT[fact].search(joined) and not any(w in joined.split() for w in rd.FACT_CUES.get(fact, set())):
            return False
        years = [int(n.value) for n in r.numbers if n.role == "year"]
        return all(str(year) in joined for year in years)

    def _entity_of(self, answer: Answer) -> Entity | None:
        if answer.indicator is not None:
            return self._entity_index.get(("indicator", str(answer.indicator)))
        if answer.topic in {"glossary", "rule", "aspect", "domain", "weight"} and answer.key:
            kind = answer.topic if answer.topic != "weight" else ("aspect" if answer.key.startswith("A") else "domain")
            return self._entity_index.get((kind, answer.key))
        return None

    def _caveats(self, answer: Answer) -> list[str]:
        """Texts of the rules about known source conflicts that qualify this answer (``Rule.caveat_for``).

        An entry is a topic ("predicate") or a topic and an id ("weight:A6"); "weight" alone, in a rule
        that applies to some indicators, qualifies the weight answers about those indicators.
        """
        keys = {answer.key or "", str(answer.indicator or "")}
        if answer.simulation and answer.simulation.part:
            keys.add(answer.simulation.part.key)
        notes = []
        for rule in self.pack.rules:
            if rule.id == answer.key:
                continue
            for entry in rule.caveat_for:
                topic, _, key = entry.partition(":")
                if topic != answer.topic:
                    continue
                if key and key not in keys:
                    continue
                if not key and topic == "weight" and rule.applies_to and answer.indicator not in rule.applies_to:
                    continue
                notes.append(rule.text)
                break
        return notes


def mention_of(pack: Pack) -> Mention:
    """How questions name a pack's framework: its id, short title, aliases, regulation and years."""
    fw = pack.framework
    phrases = {tuple(tokenize(fw.id)), tuple(tokenize(fw.short_title)), *(tuple(tokenize(a)) for a in fw.aliases)}
    own = [t for t in tokenize(fw.id) if re.fullmatch(r"\d{4}", t)]
    regulations: set[tuple[int, int | None]] = set(regulation_refs(fw.title))
    for basis in fw.legal_basis:
        if re.match(r"(?:Peraturan|Pedoman) Menteri", basis):
            regulations |= set(regulation_refs(basis.split(";")[0].split("(")[0]))
    regulations |= {(n, None) for n, _ in list(regulations)}
    return Mention(fw.id, tuple(p for p in phrases if p), frozenset(regulations), int(own[0]) if own else None,
                   frozenset(fw.evaluation_years))


def regulation_refs(text: str) -> set[tuple[int, int]]:
    """Regulation numbers written "5/2018" or "Nomor 5 Tahun 2018"."""
    text = fold(text)
    found = {(int(n), int(y)) for n, y in re.findall(r"\b(\d{1,3})\s*/\s*(\d{4})\b", text)}
    found |= {(int(n), int(y)) for n, y in re.findall(r"\bnomor (\d{1,3}) tahun (\d{4})\b", text)}
    return found


_NUMBER_NOUNS = ["level", "indikator", "indicator"]
_VALIDITY = {"berlaku", "valid", "validity", "dihitung", "kadaluarsa", "kedaluwarsa", "expired", "masih", "counted", "counts", "still"}
_POLICY_WORDS = {"kebijakan", "aturan", "regulasi", "peraturan", "perkada", "perbup", "perda", "pergub", "perwal", "sk", "policy",
                 "policies", "regulation", "rules", "kebijakannya"}


def _is_policy(name: str) -> bool:
    return fold(name).split()[0] in {"kebijakan", "policy"} if name.strip() else False
_PROVING = {"membuktikan", "buktikan", "dibuktikan", "prove", "proves", "masuk", "termasuk", "buat"}
_RAISED = re.compile(r"\b(?:naik|raise|raised|up|naikkan|dinaikkan)\b.{0,12}\blevel\b")
_LISTED = re.compile(r"\b(?:which|what) (?:domains|aspects|indicators)\b")
# Who the asker is, not what is asked: "saya pegawai baru", "i am a new officer".
_SELF = re.compile(r"\b(?:saya|aku|sy|kami)\s+(?:adalah\s+|seorang\s+|masih\s+)?"
                   r"(?:pegawai|asn|pns|staf|staff|operator|admin|anggota|petugas)(?:\s+baru)?\b"
                   r"|\bi(?: am|m) (?:a |an )?(?:new )?(?:officer|employee|staff|member)\b")
# Words that name a framework rather than what is asked about it.
_FRAMEWORK_WORDS = {"spbe", "pemdi", "permenpanrb", "permenpan", "permen", "kerangka", "framework", "versi", "version", "menurut",
                    "according"}
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


class Library:
    """One :class:`Answerer` per pack, built on first use; it knows how questions name each framework."""

    def __init__(self, packs: Iterable[Pack]) -> None:
        self._packs = {p.id: p for p in packs}
        self._answerers: dict[str, Answerer] = {}

    def answerer(self, framework_id: str) -> Answerer:
        if framework_id not in self._answerers:
            self._answerers[framework_id] = Answerer(self._packs[framework_id], self)
        return self._answerers[framework_id]

    @cached_property
    def ids(self) -> list[str]:
        return list(self._packs)

    @cached_property
    def _mentions(self) -> list[Mention]:
        return [mention_of(pack) for pack in self._packs.values()]

    def mentions(self) -> list[Mention]:
        """How questions name each framework (built once, without building the answerers)."""
        return self._mentions

    def frameworks_meant(self, reading: _Reading) -> list[str]:
        """The frameworks a question names, in the order of the question ([] when it names none)."""
        mentions = self.mentions()
        found: dict[str, int] = {}
        tokens = reading.tokens
        for mention in mentions:
            for phrase in mention.phrases:
                size = len(phrase)
                for i in range(len(tokens) - size + 1):
                    if tuple(tokens[i:i + size]) == phrase and not (size == 1 and phrase[0].isdigit()):
                        found.setdefault(mention.framework, i)
        for number in reading.numbers:
            if number.role == "regulation":
                for mention in mentions:
                    if (int(number.value), number.year) in mention.regulations:
                        found.setdefault(mention.framework, number.position)
            elif number.role == "year":
                year = int(number.value)
                owners = [m.framework for m in mentions if m.own_year == year] or [m.framework for m in mentions if year in m.years]
                if len(owners) == 1:
                    found.setdefault(owners[0], number.position)
        return sorted(found, key=lambda fw: found[fw])
