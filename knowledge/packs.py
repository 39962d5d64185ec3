"""Loading and validating framework packs.

``load_pack`` reads one YAML file and refuses it with a :class:`PackError` that lists every problem
found: file, path inside the file and what is wrong. Shape problems come from the pydantic models;
this module adds the checks that need the whole pack (weights, gaps, references, predicate bands).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import pickle
import sys
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import yaml

from pydantic import ValidationError

from knowledge.caching import cache_dir
from knowledge.models import CAVEAT_TOPICS, Pack, PredicateBand

BUILTIN_DIR = Path(__file__).parent / "packs"
WEIGHT_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class PackProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PackError(Exception):
    """A pack file that cannot be used, with every problem found in it."""

    def __init__(self, file: Path | str, problems: list[PackProblem]) -> None:
        self.file = str(file)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.file}: {len(problems)} problem(s)\n{lines}")


# --- reading YAML -------------------------------------------------------------------------------


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """A safe loader that refuses a key repeated in one mapping (PyYAML silently keeps the last).

    Built on first use: a start that reads every pack from the cache never imports PyYAML.
    """
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, object]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return loader.construct_mapping(node, deep=deep)

    loader: type[yaml.SafeLoader] = type("UniqueKeyLoader", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return loader


def _read_yaml(file: Path) -> object:
    import yaml

    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(file, [PackProblem("", f"cannot read file: {exc.strerror or exc}")]) from exc
    try:
        return yaml.load(text, Loader=_loader())  # safe: the loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError(file, [PackProblem(where, f"not valid YAML: {problem}")]) from exc


# --- shape problems (pydantic) ------------------------------------------------------------------


def _format_loc(loc: tuple[int | str, ...], raw: object) -> str:
    """Render a pydantic location as ``indicators[11] (number 12).levels.3`` using the raw data."""
    parts: list[str] = []
    node: object = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            label = f"[{item}]"
            entry = node[item] if item < len(node) else None
            if isinstance(entry, dict):
                for key in ("number", "id", "term", "label"):
                    if key in entry:
                        label += f" ({key} {entry[key]})"
                        break
            parts.append(label)
            node = entry
        else:
            parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def _shape_problems(error: ValidationError, raw: object) -> list[PackProblem]:
    problems = []
    for item in error.errors():
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling in docs/packs.md)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif item["type"] == "value_error" and "error" in item.get("ctx", {}):
            message = str(item["ctx"]["error"])  # our own validators' words, without "Value error, "
        problems.append(PackProblem(_format_loc(tuple(item["loc"]), raw), message))
    return problems


# --- whole-pack checks ----------------------------------------------------------------------------


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= WEIGHT_TOLERANCE


_H = TypeVar("_H", bound=Hashable)


def _repeated(values: Iterable[_H]) -> list[_H]:
    return [value for value, count in Counter(values).items() if count > 1]


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _check_scale(pack: Pack) -> Iterator[PackProblem]:
    scale = pack.scale
    if scale.min >= scale.max:
        yield PackProblem("scale", f"min ({scale.min}) must be below max ({scale.max})")
        return
    levels = scale.levels()
    if scale.ranges:
        if sorted(scale.ranges) != levels:
            yield PackProblem("scale.ranges", f"must define exactly the levels {levels[0]}..{levels[-1]}")
            return
        if scale.ranges[levels[0]].min != scale.min or scale.ranges[levels[-1]].max != scale.max:
            yield PackProblem("scale.ranges", f"must run from {scale.min} to {scale.max}")
        for low, high in itertools.pairwise(levels):
            if scale.ranges[low].max != scale.ranges[high].min:
                yield PackProblem(
                    f"scale.ranges.{high}",
                    f"starts at {_fmt(scale.ranges[high].min)} but level {low} ends at "
                    f"{_fmt(scale.ranges[low].max)}: ranges must meet without gap or overlap",
                )
    elif scale.fractional:
        yield PackProblem("scale.ranges", "a fractional scale needs a value range for every level")
    for model_index, model in enumerate(pack.capability_models):
        missing = sorted(set(levels) - set(model.levels))
        extra = sorted(set(model.levels) - set(levels))
        path = f"capability_models[{model_index}] (id {model.id}).levels"
        if missing:
            yield PackProblem(path, f"gap in the level scale: no level {', '.join(map(str, missing))}")
        if extra:
            yield PackProblem(path, f"levels outside the scale {scale.min}..{scale.max}: {extra}")


def _check_predicates(pack: Pack) -> Iterator[PackProblem]:
    bands: list[tuple[int, PredicateBand]] = sorted(enumerate(pack.predicates), key=lambda b: b[1].min)
    if not bands:
        yield PackProblem("predicates", "at least one predicate band is required")
        return
    for index, band in bands:
        if band.min >= band.max:
            yield PackProblem(f"predicates[{index}] (label {band.label})", "min must be below max")
    low, top = Decimal(pack.scale.min), Decimal(pack.scale.max)
    first_index, first = bands[0]
    last_index, last = bands[-1]
    if first.min > low or (first.min == low and not first.min_inclusive):
        yield PackProblem(
            f"predicates[{first_index}] (label {first.label})",
            f"bands leave a gap below {_fmt(first.min)}: the index can be {pack.scale.min}",
        )
    if last.max < top or (last.max == top and not last.max_inclusive):
        yield PackProblem(
            f"predicates[{last_index}] (label {last.label})", f"bands leave a gap at the top: the index can reach {pack.scale.max}"
        )
    for (_, lower), (upper_index, upper) in itertools.pairwise(bands):
        path = f"predicates[{upper_index}] (label {upper.label})"
        if lower.max > upper.min or (lower.max == upper.min and lower.max_inclusive and upper.min_inclusive):
            yield PackProblem(path, f"overlaps band {lower.label!r} at {_fmt(upper.min)}")
        elif lower.max < upper.min or (not lower.max_inclusive and not upper.min_inclusive):
            yield PackProblem(path, f"gap between {lower.label!r} (ends {_fmt(lower.max)}) and {upper.label!r} (starts {_fmt(upper.min)})")


def _check_structure(pack: Pack) -> Iterator[PackProblem]:
    for kind, ids in (
        ("domains", [d.id for d in pack.domains]),
        ("aspects", [a.id for a in pack.aspects]),
        ("capability_models", [m.id for m in pack.capability_models]),
        ("rules", [r.id for r in pack.rules]),
    ):
        for repeated in _repeated(ids):
            yield PackProblem(kind, f"id {repeated!r} is used more than once")
    for repeated in _repeated(t.term.casefold() for t in pack.glossary):
        yield PackProblem("glossary", f"term {repeated!r} is defined more than once")

    domain_ids = {d.id for d in pack.domains}
    for index, aspect in enumerate(pack.aspects):
        path = f"aspects[{index}] (id {aspect.id})"
        if pack.domains and aspect.domain not in domain_ids:
            yield PackProblem(f"{path}.domain", f"points at no domain ({aspect.domain!r}); known: {sorted(domain_ids)}")
        if not pack.domains and aspect.domain is not None:
            yield PackProblem(f"{path}.domain", "this pack has no domains, so an aspect cannot name one")
    if pack.domains:
        for domain in pack.domains:
            total = sum((a.weight for a in pack.aspects if a.domain == domain.id), Decimal(0))
            if not _close(total, domain.weight):
                yield PackProblem(
                    f"domains (id {domain.id})", f"aspect weights add up to {_fmt(total)}, not the domain weight {_fmt(domain.weight)}"
                )
        total = sum((d.weight for d in pack.domains), Decimal(0))
        if not _close(total, Decimal(100)):
            yield PackProblem("domains", f"domain weights add up to {_fmt(total)}, not 100")
    else:
        total = sum((a.weight for a in pack.aspects), Decimal(0))
        if not _close(total, Decimal(100)):
            yield PackProblem("aspects", f"aspect weights add up to {_fmt(total)}, not 100")


def _check_indicators(pack: Pack) -> Iterator[PackProblem]:
    aspect_ids = {a.id for a in pack.aspects}
    model_ids = {m.id for m in pack.capability_models}
    levels = pack.scale.levels()
    numbers = [i.number for i in pack.indicators]
    for repeated in _repeated(numbers):
        yield PackProblem("indicators", f"number {repeated} is used more than once")
    for code in _repeated(i.code for i in pack.indicators if i.code):
        yield PackProblem("indicators", f"code {code!r} is used more than once")
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
    if missing:
        yield PackProblem("indicators", f"numbers must run from 1 without gaps; missing {missing}")

    for index, indicator in enumerate(pack.indicators):
        path = f"indicators[{index}] (number {indicator.number})"
        if indicator.aspect not in aspect_ids:
            yield PackProblem(f"{path}.aspect", f"points at no aspect ({indicator.aspect!r}); known: {sorted(aspect_ids)}")
        if indicator.capability not in model_ids:
            yield PackProblem(f"{path}.capability", f"points at no capability model ({indicator.capability!r}); known: {sorted(model_ids)}")
        outside = sorted(set(indicator.levels) - set(levels))
        if outside:
            yield PackProblem(f"{path}.levels", f"levels outside the scale {levels[0]}..{levels[-1]}: {outside}")
        if pack.framework.has_level_criteria:
            absent = [level for level in levels if level not in indicator.levels]
            if absent:
                yield PackProblem(
                    f"{path}.levels", f"the pack claims criteria for every level, but level {', '.join(map(str, absent))} has no text"
                )
        if pack.framework.has_level_evidence:
            bare = [level for level, c in sorted(indicator.levels.items()) if not c.evidence]
            if bare:
                yield PackProblem(
                    f"{path}.levels", f"the pack claims evidence for every level, but level {', '.join(map(str, bare))} lists none"
                )
        if indicator.external_index:
            outside = sorted(set(indicator.external_index.ranges) - set(levels))
            if outside:
                yield PackProblem(f"{path}.external_index.ranges", f"levels outside the scale: {outside}")

    for aspect in pack.aspects:
        total = sum((i.weight for i in pack.indicators if i.aspect == aspect.id), Decimal(0))
        if not _close(total, aspect.weight):
            yield PackProblem(
                f"aspects (id {aspect.id})", f"indicator weights add up to {_fmt(total)}, not the aspect weight {_fmt(aspect.weight)}"
            )

    known = set(numbers)
    ids = {a.id for a in pack.aspects} | {d.id for d in pack.domains} | {str(n) for n in numbers}
    for index, rule in enumerate(pack.rules):
        unknown = sorted(set(rule.applies_to) - known)
        if unknown:
            yield PackProblem(f"rules[{index}] (id {rule.id}).applies_to", f"no such indicator: {unknown}")
        for entry in rule.caveat_for:
            topic, _, key = entry.partition(":")
            if topic not in CAVEAT_TOPICS:
                yield PackProblem(f"rules[{index}] (id {rule.id}).caveat_for",
                                  f"{entry!r}: the topic must be one of {', '.join(CAVEAT_TOPICS)}")
            elif key and key not in ids:
                yield PackProblem(f"rules[{index}] (id {rule.id}).caveat_for", f"{entry!r}: no aspect, domain or indicator {key!r}")


def validate_pack(pack: Pack) -> list[PackProblem]:
    """Every problem of a pack that parsed: weights, gaps, repeated ids, references, bands."""
    return [
        *_check_scale(pack),
        *_check_predicates(pack),
        *_check_structure(pack),
        *_check_indicators(pack),
    ]


def load_pack(file: Path | str) -> Pack:
    """Read, parse and validate one pack file; raise :class:`PackError` listing all problems.

    A file already loaded and unchanged since (same size and modification time) is not parsed
    again: packs are immutable, so every registry in the process can share them.
    """
    file = Path(file)
    try:
        stat = file.stat()
    except OSError as exc:
        raise PackError(file, [PackProblem("", f"cannot read file: {exc.strerror or exc}")]) from exc
    return _parse_pack(file, (file.resolve(), stat.st_mtime_ns, stat.st_size))


# --- the validated-pack cache -----------------------------------------------------------------------
#
# Parsing and validating the three shipped packs costs a cold start of the CLI about 150 ms; a pack
# that passed validation is kept as a pickle next to nothing but other caches (knowledge.caching) and
# read back while the file, this code and the library versions are unchanged. Only valid packs are
# kept, so every problem is still reported from the file itself.

_CODE = tuple((Path(__file__).parent / name).stat()[6:9] for name in ("models.py", "packs.py"))


def _cache_file(version: tuple[Path, int, int]) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    import pydantic

    key = repr((str(version[0]), version[1], version[2], _CODE, sys.version, pydantic.VERSION))
    return folder / f"pack-{hashlib.sha256(key.encode()).hexdigest()[:24]}.pickle"


def _cached_pack(version: tuple[Path, int, int]) -> Pack | None:
    path = _cache_file(version)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as file:
            pack = pickle.load(file)  # our own cache folder, written by _keep below
    except Exception:  # a torn or foreign file: read the pack again
        return None
    return pack if isinstance(pack, Pack) else None


def _keep(version: tuple[Path, int, int], pack: Pack) -> None:
    path = _cache_file(version)
    if path is None:
        return
    try:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, path)
    except OSError:
        pass


@functools.lru_cache(maxsize=32)
def _parse_pack(file: Path, version: tuple[Path, int, int]) -> Pack:
    cached = _cached_pack(version)
    if cached is not None:
        return cached
    raw = _read_yaml(file)
    if not isinstance(raw, dict):
        raise PackError(file, [PackProblem("", "the file must hold a mapping (framework:, scale:, ...)")])
    try:
        pack = Pack.model_validate(raw)
    except ValidationError as exc:
        raise PackError(file, _shape_problems(exc, raw)) from exc
    problems = validate_pack(pack)
    if problems:
        raise PackError(file, problems)
    pack.text_words  # noqa: B018 - computed before the pack is kept, so a cached pack has it too
    _keep(version, pack)
    return pack


def builtin_pack_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


class PackRegistry:
    """The packs available to the program, by framework id. A later file replaces an earlier id."""

    def __init__(self, packs: Iterable[Pack]) -> None:
        self._packs: dict[str, Pack] = {}
        for pack in packs:
            self._packs[pack.framework.id] = pack

    @classmethod
    def load(cls, extra: Iterable[Path | str] = ()) -> PackRegistry:
        """The built-in packs, then ``extra`` files (the operator's ``SPBE_PACKS``, read by ``bot.config``)."""
        files = dict.fromkeys([*builtin_pack_files(), *map(Path, extra)])  # each file once, in order
        return cls(load_pack(f) for f in files)

    def get(self, framework_id: str) -> Pack:
        try:
            return self._packs[framework_id]
        except KeyError:
            known = ", ".join(sorted(self._packs))
            raise KeyError(f"unknown framework {framework_id!r}; available: {known}") from None

    def __contains__(self, framework_id: object) -> bool:
        return framework_id in self._packs

    def __iter__(self) -> Iterator[Pack]:
        return iter(self._packs.values())

    def ids(self) -> list[str]:
        return list(self._packs)
