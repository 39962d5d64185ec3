"""What a caption or file name says about a document: its kind (a regulation, minutes, a report...),
its number and date ("Perbup No. 12 Tahun 2023"), and which other indicators it likely supports.

**Suggestions.** A document likely supports the indicators whose evidence lists (any level, or the
indicator's own list) name the same kind of document, when its words also name the indicator's
subject (its short name and keywords: "Peta Rencana", "Manajemen Risiko"). Words that a quarter or
more of the indicators share ("SPBE", "layanan") say nothing about the subject and are left out;
rarer words weigh more (the logarithm of how rare), and the shared words must weigh at least
:data:`MIN_SCORE`. When the words name no subject at all, indicators of the same aspect as the one
it was sent for are suggested (a regulation on SPBE as a whole backs several policy indicators).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from knowledge.models import Indicator, Pack

# Document kinds and the words that name them, in captions, file names and the packs' lists.
KINDS: dict[str, tuple[str, ...]] = {
    "regulation": (
        r"perda", r"perbup", r"perwal", r"pergub", r"perkada", r"permen\w*", r"perpres", r"perka", r"pp",
        r"peraturan(?: (?:daerah|bupati|wali ?kota|walikota|gubernur|menteri|kepala|presiden|pemerintah|lembaga|badan))?",
        r"produk hukum", r"regulasi", r"kebijakan internal", r"dokumen kebijakan",
    ),
    "decree": (r"keputusan", r"kep(?:bup|wal|gub|men|ka)", r"sk", r"surat keputusan"),
    "circular": (r"surat edaran", r"se"),
    "procedure": (r"sop", r"standar operasional(?: prosedur)?", r"prosedur operasional"),
    "minutes": (r"notulen", r"notula", r"risalah", r"berita acara", r"daftar hadir", r"undangan"),
    "report": (r"laporan", r"hasil reviu", r"reviu", r"hasil evaluasi", r"hasil audit", r"telaah staf"),
    "budget": (r"rka(?:[- ]?k/?l)?", r"dpa(?:[- ]?skpd)?", r"dipa", r"rkad", r"anggaran", r"renja", r"renstra", r"rpjmd", r"rkpd"),
    "screenshot": (r"tangkapan layar", r"screenshot", r"screen ?shot"),
    "documentation": (r"dokumentasi", r"foto"),
    "plan_document": (r"dokumen arsitektur", r"arsitektur spbe", r"peta rencana", r"rencana induk", r"master ?plan", r"roadmap"),
}
_KIND_PATTERNS = {kind: re.compile(r"(?<![a-z0-9])(?:" + "|".join(words) + r")(?![a-z0-9])") for kind, words in KINDS.items()}

_WORD = re.compile(r"[a-z][a-z0-9]+")
STOPWORDS = frozenset((
    "dan", "atau", "yang", "di", "ke", "dari", "untuk", "dengan", "tentang", "pada", "dalam", "oleh", "serta", "sebagai", "tahun",
    "nomor", "no", "tgl", "tanggal", "the", "of", "and", "for", "pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "scan",
    "berkas", "file", "dokumen", "lampiran", "final", "revisi", "draft", "draf", "versi", "ver", "copy", "salinan", "indikator",
    "bukti", "dukung", "tingkat", "kematangan", "instansi", "pusat", "pemerintah", "daerah", "kabupaten", "kota", "provinsi",
))
# Words that name a kind of document or who issued it: they say nothing about the subject.
KIND_WORDS = frozenset((
    "perda", "perbup", "perwal", "pergub", "perkada", "permen", "perpres", "perka", "peraturan", "produk", "hukum", "regulasi",
    "keputusan", "kepbup", "kepwal", "kepgub", "kepmen", "sk", "surat", "edaran", "se", "sop", "standar", "operasional",
    "prosedur", "notulen", "notula", "risalah", "berita", "acara", "daftar", "hadir", "undangan", "rapat", "laporan", "hasil",
    "reviu", "telaah", "staf", "rka", "dpa", "dipa", "rkad", "renja", "renstra", "rpjmd", "rkpd", "tangkapan", "layar",
    "screenshot", "dokumentasi", "foto", "bupati", "walikota", "wali", "gubernur", "menteri", "kepala", "presiden",
))
MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "pebruari": 2, "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8,
    "august": 8, "agu": 8, "aug": 8, "agt": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "desember": 12, "december": 12, "des": 12, "dec": 12,
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER = re.compile(r"(?<![a-z])(?:nomor|nomer|nmr|no)\b\.?\s*:?\s*([0-9][0-9a-z./-]*)", re.IGNORECASE)
_SHORT_CITATION = re.compile(  # "Perbup 5/2023", "SK 12 / 2024"
    r"(?<![a-z0-9])(?:perda|perbup|perwal|pergub|perkada|permen\w*|sk|kep\w*)\s+([0-9]{1,4})\s*/\s*((?:19|20)[0-9]{2})(?![0-9/])",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![a-z])(?:tahun|thn|th|ta)\b\.?\s*((?:19|20)[0-9]{2})(?![0-9])", re.IGNORECASE)
_DATE_WORDS = re.compile(rf"(?<![0-9])([0-3]?[0-9])\s+({_MONTH})\.?\s+((?:19|20)[0-9]{{2}})(?![0-9])", re.IGNORECASE)
_DATE_DIGITS = re.compile(r"(?:tanggal|tgl)\.?\s*:?\s*([0-3]?[0-9])[-./]([01]?[0-9])[-./]((?:19|20)[0-9]{2})(?![0-9])", re.IGNORECASE)
_ISO_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-([01][0-9])-([0-3][0-9])(?![0-9])")


@dataclass(frozen=True)
class Reference:
    """The number and date a text gives for the document (each None when it gives none)."""

    number: str | None = None
    year: int | None = None
    day: date | None = None

    @property
    def empty(self) -> bool:
        return self.number is None and self.year is None and self.day is None


def _normalise(text: str) -> str:
    """Lowercase words separated by single spaces (file names use dashes, dots and underscores)."""
    text = re.sub(r"\.(pdf|docx?|xlsx?|pptx?|od[tsp]|jpe?g|png|zip)$", "", text.lower())
    return " ".join(re.sub(r"[_\-.,;:()\[\]]+", " ", text).split())


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def reference(text: str | None) -> Reference:
    """The document number and date a caption or file name gives: "Perbup No. 12 Tahun 2023" is
    number 12 of 2023, "Perbup 5/2023" number 5 of 2023, "SK No. 800/123/2023 tanggal 3 Maret 2023"
    number 800/123/2023 of 3 March 2023."""
    if not text:
        return Reference()
    number: str | None = None
    year: int | None = None
    day: date | None = None
    for pattern in (_DATE_WORDS, _DATE_DIGITS):
        found = pattern.search(text)
        if found:
            month = found.group(2)
            day = _date(int(found.group(3)), MONTHS[month.lower()] if not month.isdigit() else int(month), int(found.group(1)))
            if day:
                break
    if day is None and (iso := _ISO_DATE.search(text)):
        day = _date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    if found_number := _NUMBER.search(text):
        number = found_number.group(1).rstrip("./-")
        parts = number.split("/")
        if len(parts) == 2 and re.fullmatch(r"(?:19|20)[0-9]{2}", parts[1]):  # "5/2023": number 5 of 2023
            number, year = parts[0], int(parts[1])
        elif len(parts) > 2 and re.fullmatch(r"(?:19|20)[0-9]{2}", parts[-1]):
            year = int(parts[-1])
    elif short := _SHORT_CITATION.search(text):
        number, year = short.group(1), int(short.group(2))
    if found_year := _YEAR.search(text):
        year = int(found_year.group(1))
    if day is not None:
        year = day.year
    return Reference(number or None, year, day)


def kinds(text: str) -> set[str]:
    """The kinds of document ``text`` names (a caption, a file name, an item of a pack's list)."""
    normal = _normalise(text)
    return {kind for kind, pattern in _KIND_PATTERNS.items() if pattern.search(normal)}


def words(text: str) -> set[str]:
    """The words of ``text`` that may name a subject (not a kind of document, a month, a filler)."""
    return {w for w in _WORD.findall(_normalise(text)) if w not in STOPWORDS and w not in KIND_WORDS and w not in MONTHS}


MIN_SCORE = 2.0  # one word shared by at most about a seventh of the indicators, or two commoner ones


@dataclass(frozen=True)
class Suggestion:
    indicator: int
    score: float  # 0: suggested for its aspect alone


def _evidence_texts(ind: Indicator) -> Iterable[str]:
    for criteria in ind.levels.values():
        yield from criteria.evidence
    yield from ind.evidence_examples


Profile = tuple[dict[int, set[str]], dict[int, set[str]], dict[str, float]]
_profiles: dict[int, tuple[Pack, Profile]] = {}  # by id(pack): packs live as long as their registry


def _profile(pack: Pack) -> Profile:
    """Per indicator: the kinds its lists name and its subject words; the weight of each word."""
    kept = _profiles.get(id(pack))
    if kept is not None and kept[0] is pack:
        return kept[1]
    kinds_of = {ind.number: set().union(*(kinds(t) for t in _evidence_texts(ind))) for ind in pack.indicators}
    subject = {ind.number: words(" ".join([ind.short_name, *ind.keywords])) for ind in pack.indicators}
    total = len(pack.indicators)
    counts: dict[str, int] = {}
    for found in subject.values():
        for word in found:
            counts[word] = counts.get(word, 0) + 1
    weights = {w: math.log(total / n) for w, n in counts.items() if n * 4 < total}
    _profiles[id(pack)] = (pack, (kinds_of, subject, weights))
    return kinds_of, subject, weights


def suggest(pack: Pack, text: str, linked: Iterable[int], limit: int = 3) -> list[Suggestion]:
    """Other indicators the document described by ``text`` likely supports (see the module docstring),
    best first; never one of ``linked``."""
    found_kinds = kinds(text)
    if not found_kinds:
        return []
    kinds_of, subject, weights = _profile(pack)
    own = words(text)
    taken = set(linked)
    # Words naming no subject at all ("Perbup 5/2023"): the aspect of the indicators it supports decides.
    aspects = set() if own & weights.keys() else {pack.indicator(n).aspect for n in taken if pack.has_indicator(n)}
    scored: list[Suggestion] = []
    for ind in pack.indicators:
        if ind.number in taken or not found_kinds & kinds_of[ind.number]:
            continue
        score = sum(weights.get(w, 0.0) for w in own & subject[ind.number])
        if score >= MIN_SCORE or ind.aspect in aspects:
            scored.append(Suggestion(ind.number, round(score, 3)))
    scored.sort(key=lambda s: (-s.score, s.indicator))
    return scored[:limit]
