"""CLI commands over the knowledge packs: frameworks, validate-pack, score, ask."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.languages import language_of

if TYPE_CHECKING:  # the modules themselves are imported by the commands that use them: a cold start stays short
    from knowledge.answering import Answer
    from knowledge.models import Pack
    from knowledge.packs import PackRegistry
    from knowledge.scoring import BandTarget, Evaluation, Move

DEFAULT_FRAMEWORK = "spbe-2020"
USAGE_ERROR = 2


def register(commands: Any) -> None:
    frameworks = commands.add_parser("frameworks", help="list the framework packs available")
    frameworks.add_argument("--json", action="store_true", help="machine-readable output")
    _pack_option(frameworks)
    frameworks.set_defaults(handler=cmd_frameworks)

    validate = commands.add_parser("validate-pack", help="check a pack file and list its problems")
    validate.add_argument("path", help="YAML pack file")
    validate.set_defaults(handler=cmd_validate_pack)

    score = commands.add_parser("score", help="what-if calculator: index, predicate and next moves")
    score.add_argument("--framework", default=DEFAULT_FRAMEWORK, help=f"pack id (default {DEFAULT_FRAMEWORK})")
    score.add_argument("--levels", default="", help="answered indicators, e.g. 1=3,2=4,12=2")
    score.add_argument("--json", action="store_true", help="machine-readable output")
    _pack_option(score)
    _lang_option(score)
    score.set_defaults(handler=cmd_score)

    ask = commands.add_parser("ask", help="answer a question from the knowledge base")
    ask.add_argument("question", help='e.g. "apa arti level 3 indikator 12"')
    ask.add_argument("--framework", default=DEFAULT_FRAMEWORK, help=f"pack id (default {DEFAULT_FRAMEWORK})")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    _pack_option(ask)
    _lang_option(ask)
    ask.set_defaults(handler=cmd_ask)


def _pack_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pack", action="append", default=[], metavar="PATH", help="also load this pack file (repeatable)")


def _lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=["id", "en"], default=language_of(os.environ.get("SPBE_DEFAULT_LANGUAGE")),
                        help="language of the text output")


def _fail(message: str, code: int = USAGE_ERROR) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


class SettingError(Exception):
    """A malformed setting (``SPBE_PACKS``) met while loading the packs: one line, like the pack errors."""


def _registry(args: argparse.Namespace) -> PackRegistry:
    """The built-in packs, the operator's (``SPBE_PACKS``, from the environment or ``.env``), then ``--pack`` files.

    The settings module (pydantic-settings) is loaded only when there is a setting to read, so the
    common ``ask`` starts fast.
    """
    from knowledge.packs import PackRegistry

    extra: list[Path] = []
    if "SPBE_PACKS" in os.environ or Path(".env").is_file():
        from bot.config import ConfigError, PackSettings, load

        try:
            extra = list(load(PackSettings).packs)
        except ConfigError as exc:
            raise SettingError(str(exc)) from None
    return PackRegistry.load([*extra, *args.pack])


def _pack(args: argparse.Namespace) -> Pack:
    return _registry(args).get(args.framework)


def _dec(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- frameworks --------------------------------------------------------------------------------


def cmd_frameworks(args: argparse.Namespace) -> int:
    from knowledge.packs import PackError

    try:
        packs = list(_registry(args))
    except (SettingError, PackError) as exc:
        return _fail(str(exc), 1)
    rows = [
        {
            "id": p.id,
            "title": p.framework.title,
            "version": p.framework.version,
            "evaluation_years": p.framework.evaluation_years,
            "indicators": len(p.indicators),
            "aspects": len(p.aspects),
            "domains": len(p.domains),
            "levels": [p.scale.min, p.scale.max],
            "fractional": p.scale.fractional,
            "confidence": p.framework.confidence,
            "legal_basis": p.framework.legal_basis,
        }
        for p in packs
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        years = ", ".join(map(str, row["evaluation_years"]))
        print(
            f"{row['id']:<12} {row['title']}\n{'':12} {row['indicators']} indicators, {row['aspects']} aspects, "
            f"{row['domains']} domains, levels {row['levels'][0]}-{row['levels'][1]}"
            f"{' (fractional values)' if row['fractional'] else ''}; years {years}; confidence {row['confidence']}"
        )
    return 0


# --- validate-pack ------------------------------------------------------------------------------


def cmd_validate_pack(args: argparse.Namespace) -> int:
    from knowledge.packs import PackError, load_pack

    try:
        pack = load_pack(args.path)
    except PackError as exc:
        print(f"{exc.file}: invalid pack, {len(exc.problems)} problem(s):")
        for problem in exc.problems:
            print(f"  - {problem}")
        return 1
    print(
        f"{args.path}: valid pack {pack.id} ({pack.framework.title}): {len(pack.indicators)} indicators, "
        f"{len(pack.aspects)} aspects, {len(pack.domains)} domains, levels {pack.scale.min}-{pack.scale.max}, "
        f"{len(pack.glossary)} glossary terms, {len(pack.rules)} rules"
    )
    return 0


# --- score -------------------------------------------------------------------------------------

_PAIR = re.compile(r"^\s*(\d+)\s*=\s*(-?\d+(?:[.,]\d+)?)\s*$")


def parse_levels(text: str) -> dict[int, Decimal]:
    """``"1=3,2=4"`` -> {1: 3, 2: 4}; raises ValueError naming the malformed part."""
    levels: dict[int, Decimal] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _PAIR.match(part)
        if not match:
            raise ValueError(f"malformed level {part!r}: write INDICATOR=LEVEL, e.g. 12=3")
        number = int(match.group(1))
        if number in levels:
            raise ValueError(f"indicator {number} is given twice")
        levels[number] = Decimal(match.group(2).replace(",", "."))
    return levels


def _move(move: Move) -> dict[str, Any]:
    return {
        "indicator": move.indicator,
        "from": _dec(move.from_level),
        "to": _dec(move.to_level),
        "gain": _dec(move.gain),
        "answered": move.answered,
    }


def _target(target: BandTarget) -> dict[str, Any]:
    return {
        "band": target.band.label,
        "threshold": _dec(target.band.min),
        "gap": _dec(target.gap),
        "reachable": target.reachable,
        "steps": target.steps,
        "index_after": _dec(target.index_after),
        "moves": [_move(m) for m in target.moves],
    }


def score_document(pack: Pack, evaluation: Evaluation) -> dict[str, Any]:
    from knowledge.scoring import band_targets, next_moves

    moves = next_moves(pack, evaluation)
    targets = band_targets(pack, evaluation)
    index = evaluation.index
    return {
        "framework": pack.id,
        "index": _dec(index.value) if index else None,
        "predicate": index.predicate.label if index else None,
        "index_basis": "answered indicators only",
        "answered": evaluation.answered,
        "total": evaluation.total,
        "complete": evaluation.complete,
        "projected_index": _dec(evaluation.projected.value),
        "projected_predicate": evaluation.projected.predicate.label,
        "projected_basis": f"unanswered indicators counted at level {pack.scale.min}",
        "domains": {k: _dec(v.value) if v else None for k, v in evaluation.domains.items()},
        "aspects": {k: _dec(v.value) if v else None for k, v in evaluation.aspects.items()},
        "projected_domains": {k: _dec(v.value) for k, v in evaluation.projected_domains.items()},
        "projected_aspects": {k: _dec(v.value) for k, v in evaluation.projected_aspects.items()},
        "next_moves": [_move(m) for m in moves],
        "to_next_band": _target(targets[0]) if targets else None,
        "to_band_after": _target(targets[1]) if len(targets) > 1 else None,
        "simulation": True,
    }


def cmd_score(args: argparse.Namespace) -> int:
    from bot.render import default_renderer, plain
    from knowledge.packs import PackError
    from knowledge.scoring import ScoringError, band_targets, evaluate, next_moves

    try:
        pack = _pack(args)
    except (SettingError, KeyError, PackError) as exc:
        return _fail(str(exc).strip("'\""))
    try:
        levels = parse_levels(args.levels)
        evaluation = evaluate(pack, levels)
    except (ValueError, ScoringError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(score_document(pack, evaluation), ensure_ascii=False, indent=2))
        return 0
    moves = next_moves(pack, evaluation)[:5]
    text = default_renderer().render(
        "score", args.lang, pack=pack, ev=evaluation, moves=moves, targets=band_targets(pack, evaluation)
    )
    print(plain(text))
    return 0


# --- ask ---------------------------------------------------------------------------------------


def _simulation(answer: Answer) -> dict[str, Any] | None:
    simulation = answer.simulation
    if simulation is None:
        return None
    part = simulation.part
    return {
        "kind": simulation.kind,
        "level": _dec(simulation.level),
        "rest": _dec(simulation.rest),
        "rest_default": simulation.rest_default,
        "part": {"kind": part.kind, "key": part.key, "title": part.title, "weight": _dec(part.weight)} if part else None,
        "steps": simulation.steps,
        "gain": _dec(simulation.gain),
        "index_before": _dec(simulation.base.value) if simulation.base else None,
        "index": _dec(simulation.score.value) if simulation.score else None,
        "predicate": simulation.score.predicate.label if simulation.score else None,
    }


def _extremes(answer: Answer) -> dict[str, Any] | None:
    found = answer.extremes
    if found is None:
        return None
    return {
        "kind": found.kind,
        "of": found.of,
        "weight": _dec(found.weight),
        "parts": [{"kind": p.kind, "key": p.key, "title": p.title, "weight": _dec(p.weight)} for p in found.parts],
        "lowest": _dec(found.lowest.value) if found.lowest else None,
        "highest": _dec(found.highest.value) if found.highest else None,
    }


def answer_document(pack: Pack, answer: Answer, text: str) -> dict[str, Any]:
    return {
        "framework": pack.id,
        "asked_framework": answer.home or pack.id,
        "topic": answer.topic,
        "indicator": answer.indicator,
        "level": answer.level,
        "level_to": answer.level_to,
        "levels": answer.levels,
        "key": answer.key,
        "title": answer.title,
        "answer": text,
        "texts": answer.texts,
        "value": _dec(answer.value),
        "predicate": answer.predicate,
        "simulation": _simulation(answer),
        "extremes": _extremes(answer),
        "computed": answer.computed,
        "notes": answer.notes,
        "confidence": answer.confidence,
        "covered": answer.covered,
        "sure": answer.sure,
        "reason": answer.reason,
        "fact": answer.fact,
        "candidates": [
            {"topic": c.topic, "kind": c.kind, "key": c.key, "title": c.title, "score": c.score} for c in answer.candidates
        ],
        "framework_confidence": pack.framework.confidence,
    }


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.render import default_renderer, plain
    from knowledge.answering import Library
    from knowledge.packs import PackError

    try:
        registry = _registry(args)
        registry.get(args.framework)
    except (SettingError, KeyError, PackError) as exc:
        return _fail(str(exc).strip("'\""))
    if not args.question.strip():
        return _fail("the question is empty")
    answer = Library(registry).answerer(args.framework).ask(args.question)
    pack = registry.get(answer.framework)  # a question may name another framework
    text = plain(default_renderer().render("answer", args.lang, pack=pack, answer=answer))
    if args.json:
        print(json.dumps(answer_document(pack, answer, text), ensure_ascii=False, indent=2))
    else:
        print(text)
    return 0
