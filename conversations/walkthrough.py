"""The officer's walkthrough: the indicator card and everything its buttons do.

Every function takes the :class:`Turn` and returns the replies; writes go through ``turn.tx``,
which the engine commits before any reply is sent.
"""

from __future__ import annotations

from decimal import Decimal

from conversations import callbacks as cb
from conversations.context import Turn
from conversations.replies import Button, Outcome, Reply, short
from knowledge.models import Indicator, Pack
from knowledge.scoring import band_targets, evaluate, next_moves

LIST_PAGE = 16


def _level_name(pack: Pack, ind: Indicator, value: Decimal) -> str | None:
    if value == value.to_integral_value() and int(value) in ind.levels:
        return pack.level_name(ind, int(value))
    return None


# --- the card -----------------------------------------------------------------------------


def card_buttons(pack: Pack, period_id: int, ind: Indicator, current: Decimal | None) -> list[list[Button]]:
    number = ind.number
    levels = [
        Button("level", cb.make("lv", period_id, number, level), {"level": level, "name": pack.level_name(ind, level), "current": current is not None and current == level})
        for level in pack.scale.levels()
    ]
    if pack.scale.fractional:
        levels.append(Button("fraction", cb.make("lv", period_id, number, "-")))
    navigation = [Button("prev", cb.make("pv", period_id, number))] if number > 1 else []
    navigation.append(Button("next", cb.make("nx", period_id, number)))
    return [
        levels,
        [Button("criteria", cb.make("cr", period_id, number)), Button("evidence", cb.make("ev", period_id, number))],
        [Button("guided", cb.make("gd", period_id, number))],
        navigation + [Button("jump", cb.make("jp", period_id)), Button("list", cb.make("ls", period_id, 0))],
        [Button("pause", cb.make("ps", period_id)), Button("summary", cb.make("sm", period_id))],
    ]


async def card(turn: Turn, period, pack: Pack, number: int, *, edit: bool = False) -> Reply:
    """The card of indicator ``number``; also moves the officer's position there."""
    ind = pack.indicator(number)
    answer = await turn.tx.answers.get(period.id, number)
    answered = await turn.tx.answers.count(period.id)
    evidence = [e.file_name or e.kind for e in await turn.tx.evidence.for_answer(period.id, number)]
    turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number, awaiting=None)
    return Reply(
        "card",
        {
            "pack": pack,
            "ind": ind,
            "answer": answer,
            "level_name": _level_name(pack, ind, answer.level) if answer else None,
            "answered": answered,
            "evidence": evidence,
        },
        card_buttons(pack, period.id, ind, answer.level if answer else None),
        edit=edit,
        card=True,
    )


def back_button(period_id: int, number: int) -> list[list[Button]]:
    return [[Button("back_to_card", cb.make("cd", period_id, number))]]


def criteria(pack: Pack, period_id: int, number: int) -> Reply:
    return Reply("criteria", {"pack": pack, "ind": pack.indicator(number)}, back_button(period_id, number), edit=True)


def evidence(pack: Pack, period_id: int, number: int) -> Reply:
    return Reply("evidence", {"pack": pack, "ind": pack.indicator(number)}, back_button(period_id, number), edit=True)


# --- answering ------------------------------------------------------------------------------


async def choose_level(turn: Turn, period, pack: Pack, number: int, value: Decimal, *, edit: bool) -> Outcome:
    """Save the level (keeping an earlier penjelasan), then ask for the penjelasan."""
    ind = pack.indicator(number)
    existing = await turn.tx.answers.get(period.id, number)
    await turn.tx.answers.save(
        period_id=period.id,
        indicator=number,
        level=value,
        explanation=existing.explanation if existing else None,
        by=turn.user_id,
    )
    levels = await turn.tx.answers.levels(period.id)
    evaluation = evaluate(pack, levels)
    next_level = int(value) + 1 if value < pack.scale.max else None
    turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number, awaiting="penjelasan")
    buttons = [[Button("skip_explanation", cb.make("sk", period.id, number))]] if not period.require_explanation else []
    reply = Reply(
        "saved",
        {
            "pack": pack,
            "ind": ind,
            "level": value,
            "level_name": _level_name(pack, ind, value),
            "ev": evaluation,
            "next_level": next_level if next_level in ind.levels else None,
            "limit": turn.tx.answers.max_explanation,
            "required": period.require_explanation,
        },
        buttons,
        edit=edit,
    )
    return Outcome([reply], toast="toast_saved", toast_args={"level": str(value)}, refresh={period.institution_id})


async def save_explanation(turn: Turn, period, pack: Pack, number: int, text: str) -> Outcome:
    text = text.strip()
    limit = turn.tx.answers.max_explanation
    if not text:
        return Outcome([short("explanation_empty")])
    if len(text) > limit:
        return Outcome([short("explanation_too_long", length=len(text), limit=limit)])
    existing = await turn.tx.answers.get(period.id, number)
    if existing is None:  # the answer vanished (e.g. a lead reset it): show the card again
        return Outcome([await card(turn, period, pack, number)])
    await turn.tx.answers.save(period_id=period.id, indicator=number, level=existing.level, explanation=text, by=turn.user_id)
    outcome = Outcome([short("explanation_saved", number=number)])
    return outcome.add(await next_card(turn, period, pack, after=number))


async def next_card(turn: Turn, period, pack: Pack, after: int | None) -> Reply:
    """The next unanswered indicator: the officer's own assignments first (in order), then the
    rest after ``after`` (wrapping); the summary when all are done."""
    answered = set(await turn.tx.answers.levels(period.id))
    mine = [a.indicator for a in await turn.tx.assignments.for_user(period.id, turn.user_id) if after is None or a.indicator > after]
    numbers = [i.number for i in pack.indicators]
    start = 0 if after is None else numbers.index(after) + 1
    for number in mine + numbers[start:] + numbers[:start]:
        if number not in answered:
            return await card(turn, period, pack, number)
    turn.move(awaiting=None)
    return await summary(turn, period, pack)


async def summary(turn: Turn, period, pack: Pack) -> Reply:
    levels = await turn.tx.answers.levels(period.id)
    institution = await turn.tx.institutions.get(period.institution_id)
    evaluation = evaluate(pack, levels)
    rank = sorted(levels.items(), key=lambda item: (-item[1], item[0]))
    strengths = [(pack.indicator(n), v) for n, v in rank if v >= 4]
    weaknesses = [(pack.indicator(n), v) for n, v in sorted(levels.items(), key=lambda item: (item[1], item[0])) if v <= 2]
    return Reply(
        "summary",
        {
            "pack": pack,
            "period": period,
            "institution": institution,
            "ev": evaluation,
            "strengths": strengths,
            "weaknesses": weaknesses,
            "moves": next_moves(pack, evaluation)[:3],
            "targets": band_targets(pack, evaluation),
        },
    )


async def indicator_list(turn: Turn, period, pack: Pack, page: int, *, edit: bool) -> Reply:
    answers = {a.indicator: a for a in await turn.tx.answers.list(period.id)}
    pages = max(1, -(-len(pack.indicators) // LIST_PAGE))
    page = min(max(page, 0), pages - 1)
    items = pack.indicators[page * LIST_PAGE:(page + 1) * LIST_PAGE]
    rows: list[list[Button]] = []
    row: list[Button] = []
    for ind in items:
        row.append(Button("indicator", cb.make("cd", period.id, ind.number), {"number": ind.number, "done": ind.number in answers}))
        if len(row) == 8:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    paging = []
    if page > 0:
        paging.append(Button("page_prev", cb.make("ls", period.id, page - 1)))
    if page < pages - 1:
        paging.append(Button("page_next", cb.make("ls", period.id, page + 1)))
    if paging:
        rows.append(paging)
    return Reply(
        "list",
        {"pack": pack, "items": items, "answers": answers, "answered": len(answers), "page": page, "pages": pages},
        rows,
        edit=edit,
    )


# --- guided mode ----------------------------------------------------------------------------


def guided_question(pack: Pack, period_id: int, number: int, level: int) -> Reply:
    ind = pack.indicator(number)
    buttons = [
        [Button("yes", cb.make("ga", period_id, number, level, "y")), Button("no", cb.make("ga", period_id, number, level, "n"))],
        [Button("back_to_card", cb.make("cd", period_id, number))],
    ]
    return Reply("guided", {"pack": pack, "ind": ind, "level": level}, buttons, edit=True)


def guided_start(pack: Pack, period_id: int, number: int) -> Reply:
    """Ask from the bottom up; the lowest level needs no question (it holds by definition)."""
    return guided_question(pack, period_id, number, pack.scale.min + 1)


def guided_step(pack: Pack, period_id: int, number: int, level: int, met: bool) -> Reply:
    ind = pack.indicator(number)
    if met and level < pack.scale.max:
        return guided_question(pack, period_id, number, level + 1)
    proposed, failed = (level, None) if met else (level - 1, level)
    buttons = [
        [Button("use_level", cb.make("lv", period_id, number, proposed), {"level": proposed})],
        [Button("back_to_card", cb.make("cd", period_id, number))],
    ]
    return Reply("guided_result", {"pack": pack, "ind": ind, "proposed": proposed, "failed": failed}, buttons, edit=True)
