"""The packs tell the framework in the project's own words.

The project's rule for pack texts: facts carry over from the fact sheets (``../shared/spbe/``) and the
seed documents (``../shared/seeds/*.txt``), sentences do not. These tests compare every free text of
every shipped pack (criteria, evidence, summaries, ``assesses``, notes, conflicts, glossary
definitions, rules, descriptions, formula, rounding, caveats, ...) with those sources and refuse a
text that shares a run of ``RUN`` (8) or more consecutive words with any of them. Words are compared
normalised: lowercase, punctuation stripped, whitespace collapsed.

The exemption, kept narrow (names are facts, not sentences):

1. Label fields (``LABEL_KEYS``: official indicator names in ``name``, titles, short names, glossary
   terms and aliases, keywords, predicate labels) are not compared: they hold names.
2. In every other text a shared run is accepted only when *each* of its words is part of a name or a
   citation, as written in the pack: a word starting with a capital letter or a digit (regulation
   titles such as "Peraturan Menteri PANRB Nomor 59 Tahun 2020 tentang Pemantauan dan Evaluasi Sistem
   Pemerintahan Berbasis Elektronik", document and indicator names, acronyms, numbers, dates), one of
   the small words inside such titles (``TITLE_WORDS``), or part of a file or repository reference (a
   token with "/", "@" or "_", or ending in a file extension, e.g. ``data/modul-indikator.json
   @25b056b``). One ordinary lowercase word in the run makes it a sentence, and it is refused.

A second check looks at level criteria only, for a source sentence kept with a word changed here
and there, which never shares 8 words in a row: at most ``COVERED`` (60%) of the words of a criterion
of ``MIN_WORDS`` (10) words or more may lie inside runs of ``SHORT_RUN`` (5) words shared with the
sources (same exemption).

The sources are read from ``shared/`` beside the repository (``Path(repo_root).parent / "shared"``, as
in CI); a clone without it skips these tests.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.packs import BUILTIN_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
RUN = 8  # consecutive shared words that make a copied sentence
# A criterion can keep a source sentence with a word changed here and there and still share no 8 words
# in a row (pemdi-2026 I17 level 2 did: 82% of its words in shared 5-word runs, the longest run 7 words).
SHORT_RUN, COVERED, MIN_WORDS = 5, 0.6, 10

# Keys whose values are names, not sentences (exemption 1).
LABEL_KEYS = frozenset(
    {
        "id", "code", "version", "capability", "aspect", "domain", "confidence", "scoring_basis",
        "name", "name_en", "short_name", "short_name_en", "title", "title_en", "short_title", "index_name",
        "label", "label_en", "alias", "term", "aliases", "keywords",
    }
)  # fmt: skip
# Lowercase words that occur inside official titles ("... Nomor 59 Tahun 2020 tentang Pemantauan dan Evaluasi ...").
TITLE_WORDS = frozenset({"dan", "atau", "tentang", "di", "ke", "dari", "untuk", "pada", "&"})

_WORD = re.compile(r"\w+")
_EDGE = "\"'\u2018\u2019“”«»()[]{}<>,;:.!?…"  # quotes (also typographic), brackets, punctuation
_FILE = re.compile(r"\w\.[A-Za-z0-9]{1,5}$")


def words(text: str) -> list[str]:
    """``text`` normalised: lowercase words, punctuation and whitespace dropped."""
    return _WORD.findall(text.lower())


def _cited(token: str) -> bool:
    """Whether a whitespace-separated token of a pack text is part of a name or citation (exemption 2)."""
    core = token.strip(_EDGE)
    if not core:
        return False
    name = core[0].isupper() or core[0].isdigit() or core.lower() in TITLE_WORDS
    return name or any(c in core for c in "/@_") or bool(_FILE.search(core))


def _words_cited(text: str) -> list[tuple[str, bool]]:
    return [(word, _cited(token)) for token in text.split() for word in _WORD.findall(token.lower())]


# --- the sources --------------------------------------------------------------------------------


def _json_strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _json_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_strings(value)


def _source_texts() -> Iterator[tuple[str, str]]:
    """(file name, text) of every fact sheet and seed; each JSON string is a text of its own."""
    for file in sorted((SHARED / "spbe").iterdir()):
        if file.suffix == ".json":
            for text in _json_strings(json.loads(file.read_text(encoding="utf-8"))):
                yield file.name, text
        elif file.suffix in {".md", ".txt"}:
            yield file.name, file.read_text(encoding="utf-8")
    for file in sorted((SHARED / "seeds").glob("*.txt")):
        yield f"seeds/{file.name}", file.read_text(encoding="utf-8")


@functools.cache
def source_shingles(size: int = RUN) -> dict[tuple[str, ...], str]:
    """Every run of ``size`` consecutive words of the sources, with the first file it occurs in."""
    shingles: dict[tuple[str, ...], str] = {}
    for name, text in _source_texts():
        ws = words(text)
        for i in range(len(ws) - size + 1):
            shingles.setdefault(tuple(ws[i : i + size]), name)
    return shingles


def _need_sources() -> None:
    if not (SHARED / "spbe").is_dir():
        pytest.skip(f"the fact sheets are not beside this clone ({SHARED / 'spbe'} is missing), so the own-words check cannot run")


@pytest.fixture(scope="module")
def shingles() -> dict[tuple[str, ...], str]:
    _need_sources()
    return source_shingles()


@pytest.fixture(scope="module")
def short_shingles() -> dict[tuple[str, ...], str]:
    _need_sources()
    return source_shingles(SHORT_RUN)


# --- the pack texts -----------------------------------------------------------------------------


def _item_name(key: str, index: int, item: dict[str, Any]) -> str:
    if "number" in item:
        return f"indicator {item['number']}"
    if "term" in item:
        return f"glossary {item['term']!r}"
    for field in ("id", "label"):
        if field in item:
            return f"{key} {item[field]}"
    return f"{key}[{index}]"


def pack_texts(node: object, where: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(where, text) of every text of a raw pack outside the label fields, e.g. ("indicator 17 · level 2 · criteria", ...)."""
    if isinstance(node, str):
        yield " · ".join(where), node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in LABEL_KEYS:
                continue
            if isinstance(key, int):  # levels and ranges: 1, 2, ...
                yield from pack_texts(value, (*where[:-1], f"{where[-1].removesuffix('s')} {key}"))
            else:
                yield from pack_texts(value, (*where, str(key)))
    elif isinstance(node, list):
        key = where[-1] if where else ""
        for index, item in enumerate(node):
            if isinstance(item, dict):
                yield from pack_texts(item, (*where[:-1], _item_name(key, index, item)))
            else:
                yield from pack_texts(item, (*where[:-1], f"{key}[{index}]"))


def copied_runs(text: str, shingles: dict[tuple[str, ...], str]) -> list[tuple[str, str]]:
    """(shared words, source file) of every run of ``RUN``+ words ``text`` shares with the sources, minus the exemption."""
    tagged = _words_cited(text)
    ws = [w for w, _ in tagged]
    hits = [
        i for i in range(len(ws) - RUN + 1) if tuple(ws[i : i + RUN]) in shingles and not all(cited for _, cited in tagged[i : i + RUN])
    ]
    groups: list[list[int]] = []  # [first, last] start of consecutive shared shingles
    for i in hits:
        if groups and i == groups[-1][1] + 1:
            groups[-1][1] = i
        else:
            groups.append([i, i])
    return [(" ".join(ws[first : last + RUN]), shingles[tuple(ws[first : first + RUN])]) for first, last in groups]


def covered(text: str, shingles: dict[tuple[str, ...], str]) -> tuple[float, str]:
    """The share of the words of ``text`` inside runs of ``SHORT_RUN`` words shared with the sources
    (minus the exemption), and those words, "…" where a gap lies between runs."""
    tagged = _words_cited(text)
    ws = [w for w, _ in tagged]
    inside = [False] * len(ws)
    for i in range(len(ws) - SHORT_RUN + 1):
        if tuple(ws[i : i + SHORT_RUN]) in shingles and not all(cited for _, cited in tagged[i : i + SHORT_RUN]):
            inside[i : i + SHORT_RUN] = [True] * SHORT_RUN
    shown = " ".join(w if hit else "…" for w, hit in zip(ws, inside, strict=True))
    return (sum(inside) / len(ws) if ws else 0.0), re.sub(r"…( …)+", "…", shown)


def _packs() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def _raw(file: Path) -> Any:
    return yaml.load(file.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.mark.parametrize("file", _packs(), ids=lambda f: f.stem)
def test_no_pack_text_keeps_a_sentence_of_the_sources(file: Path, shingles: dict[tuple[str, ...], str]) -> None:
    copied = [
        f"{file.stem} · {where}: {len(run.split())} words shared with {source}: «{run}»"
        for where, text in pack_texts(_raw(file))
        for run, source in copied_runs(text, shingles)
    ]
    assert not copied, f"{len(copied)} text(s) keep a source sentence; say it in the project's own words:\n" + "\n".join(copied)


@pytest.mark.parametrize("file", _packs(), ids=lambda f: f.stem)
def test_no_criterion_is_a_source_sentence_with_a_few_words_changed(file: Path, short_shingles: dict[tuple[str, ...], str]) -> None:
    close = []
    for where, text in pack_texts(_raw(file)):
        if where.endswith("· criteria") and len(words(text)) >= MIN_WORDS:
            share, shown = covered(text, short_shingles)
            if share >= COVERED:
                close.append(f"{file.stem} · {where}: {share:.0%} of its words in {SHORT_RUN}-word runs of the sources: «{shown}»")
    assert not close, f"{len(close)} criteria follow a source sentence too closely; reword them:\n" + "\n".join(close)


# --- the check itself ---------------------------------------------------------------------------


def test_the_check_finds_a_copied_sentence_and_lets_names_pass() -> None:
    shingles = {tuple(words("rujukan dipakai untuk sebagian layanan berbasis siklus hidup pengguna")[:RUN]): "fact.md"}
    shingles[tuple(words("Peraturan Menteri PANRB Nomor 59 Tahun 2020 tentang"))] = "fact.md"
    assert copied_runs("Kini Rujukan: dipakai untuk  sebagian layanan berbasis SIKLUS hidup.", shingles) == [
        ("rujukan dipakai untuk sebagian layanan berbasis siklus hidup", "fact.md")
    ]
    assert copied_runs("Rujukan dipakai untuk sebagian layanan yang berbasis siklus hidup.", shingles) == []
    assert copied_runs("Dasarnya Peraturan Menteri PANRB Nomor 59 Tahun 2020 tentang Pemantauan.", shingles) == []
    assert copied_runs("dasarnya peraturan menteri PANRB nomor 59 tahun 2020 tentang pemantauan.", shingles) != []


def test_the_close_paraphrase_check_measures_the_share_of_words_in_shared_runs() -> None:
    source = "rujukan dipakai untuk sebagian layanan berbasis siklus hidup portal dikembangkan untuk sebagian siklus hidup pengguna"
    ws = words(source)
    shingles = {tuple(ws[i : i + SHORT_RUN]): "fact.json" for i in range(len(ws) - SHORT_RUN + 1)}
    before = "Rujukan sudah dipakai untuk sebagian layanan berbasis siklus hidup, dan portal dikembangkan untuk sebagian siklus hidup."
    share, shown = covered(before, shingles)
    assert share >= COVERED
    assert shown == "… dipakai untuk sebagian layanan berbasis siklus hidup … portal dikembangkan untuk sebagian siklus hidup"
    after = "Sebagian layanan berbasis siklus hidup sudah mengacu pada rujukan portal; pengembangan portal baru menjangkau sebagian."
    assert covered(after, shingles)[0] < COVERED


def test_texts_are_named_by_pack_indicator_level_and_field() -> None:
    raw = {
        "framework": {"title": "Judul", "caveats": ["a"]},
        "indicators": [{"number": 17, "name": "Portal", "levels": {2: {"criteria": "b", "evidence": ["c"]}}}],
        "glossary": [{"term": "SPLP", "definition": "d"}],
        "rules": [{"id": "r1", "title": "T", "text": "e"}],
    }
    assert list(pack_texts(raw)) == [
        ("framework · caveats[0]", "a"),
        ("indicator 17 · level 2 · criteria", "b"),
        ("indicator 17 · level 2 · evidence[0]", "c"),
        ("glossary 'SPLP' · definition", "d"),
        ("rules r1 · text", "e"),
    ]
