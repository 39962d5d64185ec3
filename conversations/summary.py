"""/ringkasan: the headline first (index, predicate, completion, distance to the next band, the
best three moves); domains, aspects, strengths and weaknesses one button away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from conversations import callbacks as cb
from conversations.checklist import evidence_status
from conversations.context import Turn
from conversations.replies import Button, Reply
from knowledge.models import Pack
from knowledge.scoring import Evaluation, Move, band_targets, evaluate, next_moves
from storage.models import Period

if TYPE_CHECKING:
    from conversations.walkthrough import Saved

View = Literal["head", "dom", "asp", "sw", "ev"]
VIEWS: tuple[View, ...] = ("head", "dom", "asp", "sw", "ev")
VIEWS_BY_NAME: dict[str, View] = {v: v for v in VIEWS}
MOVES_SHOWN = 3


@dataclass(frozen=True)
class RankedMove:
    move: Move
    mine: bool  # assigned to the officer asking


@dataclass(frozen=True)
class Moves:
    """The best moves, and how equal gains were ordered (so three equal gains are never shown as
    if one were better)."""

    shown: list[RankedMove]
    all_equal: bool  # every move shown gains the same
    some_equal: bool  # at least two of the shown moves gain the same


def best_moves(pack: Pack, evaluation: Evaluation, mine: set[int], count: int = MOVES_SHOWN) -> Moves:
    """The moves that raise the index most. Equal gains are ordered by the officer's own
    assignments first, then the lower starting level (one level up from 1 or 2 usually needs less
    evidence than from 4), then the indicator number."""
    ranked = sorted(
        (RankedMove(m, m.indicator in mine) for m in next_moves(pack, evaluation)),
        key=lambda r: (-r.move.gain, not r.mine, r.move.from_level, r.move.indicator),
    )[:count]
    gains = [r.move.gain for r in ranked]
    return Moves(ranked, len(gains) > 1 and len(set(gains)) == 1, len(set(gains)) < len(gains))


async def summary(turn: Turn, period: Period, pack: Pack, view: View = "head", *, saved: Saved | None = None, edit: bool = False) -> Reply:
    levels = await turn.tx.answers.levels(period.id)
    evaluation = evaluate(pack, levels)
    institution = await turn.tx.institutions.require(period.institution_id)
    evidence = await evidence_status(turn.tx, pack, period)
    data: dict[str, object] = {"pack": pack, "period": period, "institution": institution, "ev": evaluation, "view": view, "saved": saved,
                               "evidence": evidence if evidence.links else None}
    if view == "head":
        mine = {a.indicator for a in await turn.tx.assignments.for_user(period.id, turn.user_id)}
        data.update(moves=best_moves(pack, evaluation, mine), targets=band_targets(pack, evaluation))
    elif view == "sw":
        data.update(
            strengths=[(pack.indicator(n), v) for n, v in sorted(levels.items(), key=lambda i: (-i[1], i[0])) if v >= 4],
            weaknesses=[(pack.indicator(n), v) for n, v in sorted(levels.items(), key=lambda i: (i[1], i[0])) if v <= 2],
        )
    shown: tuple[View, ...] = tuple(v for v in VIEWS if v != view and (v != "dom" or pack.domains) and (v != "ev" or evidence.links))
    buttons = [[Button("summary_view", cb.make("sv", period.id, v), {"view": v}) for v in shown]]
    if saved is not None:  # the last answer turned the card into the summary: its penjelasan is one tap away
        buttons.insert(0, [Button("explain", cb.make("xo", period.id, saved.ind.number, 0), {"number": saved.ind.number, "own": False})])
    return Reply("summary", data, buttons, edit=edit)


async def headline(turn: Turn, period: Period, pack: Pack, *, saved: Saved | None = None) -> Reply:
    return await summary(turn, period, pack, "head", saved=saved)

