"""Reading questions: numbers typed as words, and the noun every number belongs to."""

from __future__ import annotations

import pytest

from knowledge.answering import Library
from knowledge.packs import PackRegistry
from knowledge.reading import spell_numbers, words


@pytest.fixture(scope="module")
def library() -> Library:
    return Library(PackRegistry.load())


def roles(library: Library, question: str, framework: str = "spbe-2020") -> list[tuple[str, str]]:
    return [(n.text, n.role) for n in library.answerer(framework).read(question).numbers]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("indeks 3,4 predikatnya apa", [("3,4", "index")]),
        ("which predicate is an index of 2.9", [("2.9", "index")]),
        ("2,4 di pemdi", [("2,4", "index")]),
        ("tunjangan golongan 3 berapa", [("3", "other")]),
        ("tahun 2024", [("2024", "year")]),
        ("pasal 3 uu ite", [("3", "other")]),
        ("peraturan No. 7/2024", [("7/2024", "regulation")]),
        ("permenpanrb nomor 8 tahun 2026", [("8", "regulation"), ("2026", "year")]),
        ("indikator 12", [("12", "indicator")]),
        ("ind 12", [("12", "indicator")]),
        ("no. 12", [("12", "indicator")]),
        ("#12", [("12", "indicator")]),
        ("12", [("12", "bare")]),
        ("i5 lvl2", [("5", "indicator"), ("2", "level")]),
        ("beda level 2 dan 3 audit tik", [("2", "level"), ("3", "level")]),
        ("dari level 3 ke 4", [("3", "level"), ("4", "level")]),
        ("level 4 vs level 5", [("4", "level"), ("5", "level")]),
        ("47 indikator", [("47", "count")]),
        ("layanan publik sektor 1", [("1", "named")]),
        ("bagaimana cara install windows 11", [("11", "other")]),
        ("bobot aspek 6", [("6", "aspect")]),
        ("indikator 12 naik 2 level", [("12", "indicator"), ("2", "levels")]),
        ("semua indikator 2,5", [("2,5", "index")]),
        ("aspek audit tik level 4 sisanya 2", [("4", "level"), ("2", "level")]),
    ],
)
def test_every_number_belongs_to_a_noun(library: Library, question: str, expected: list[tuple[str, str]]) -> None:
    assert roles(library, question) == expected


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("level lima indikator dua belas", "level 5 indikator 12"),
        ("indikator dua puluh satu level empat", "indikator 21 level 4"),
        ("dua koma delapan predikatnya apa", "2,8 predikatnya apa"),
        ("indeks tiga koma lima", "indeks 3,5"),
        ("level nol", "level 0"),
        ("indikator sebelas", "indikator 11"),
        ("what is indicator twenty-one", "what is indicator 21"),
        ("two point nine", "2,9"),
        ("naik satu level", "naik 1 level"),
        ("level dua dan tiga", "level 2 dan 3"),
        ("apa itu satu data indonesia", "apa itu satu data indonesia"),  # a name, not a number
        ("salah satu bukti", "salah satu bukti"),
    ],
)
def test_numbers_typed_as_words(typed: str, read: str) -> None:
    expects = {"level", "indikator", "indicator", "indeks", "index", "nilai"}
    assert " ".join(spell_numbers(words(typed), expects, {("satu", "data")})) == read


def test_hyphenated_words_and_plurals_are_one_word() -> None:
    assert words("arsitektur to-be e-office langkah-langkah") == ["arsitektur", "tobe", "eoffice", "langkah"]
