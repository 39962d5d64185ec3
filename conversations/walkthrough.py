"""The officer's walkthrough: the live indicator card and what its buttons do.

The card is one message per officer, edited in place: pressing a level saves the answer and turns
the card into the next unanswered indicator, headed by a line confirming what was saved with the
running index. Every function takes the :class:`Turn` and returns replies; writes go through
``turn.tx``, which the engine commits before any reply is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from conversations import callbacks as cb
from conversations.context import Turn
from conversations.replies import Button, Outcome, Reply
from conversations.states import Explanation, Guided
from conversations.summary import headline
from knowledge.models import Indicator, Pack
from knowledge.scoring import Score, index_score
from storage.models import MAX_EXPLANATION_CHARS, Answer, AnswerStatus, Period

LIST_PAGE = 16
MAX_BUTTONS = 10  # Telegram shows more, but a phone screen does not


@dataclass(frozen=True)
class Saved:
    """What heads a card after an answer: the indicator, the level saved, the running index."""

    ind: Indicator
    level: Decimal
    level_name: str | None
    index: Score


@dataclass(frozen=True)
class LevelLine:
    level: int
    name: str
    summary: str


def level_name(pack: Pack, ind: Indicator, value: Decimal) -> str | None:
    if value == value.to_integral_value() and int(value) in ind.levels:
        return pack.level_name(ind, int(value))
    return None


def level_lines(pack: Pack, ind: Indicator, lang: str) -> list[LevelLine]:
    """What each level means for this indicator, in a few words."""
    lines = []
    names = pack.capability_model(ind.capability).levels
    for level in pack.scale.levels():
        criteria = ind.levels.get(level)
        if criteria is None:
            continue
        lines.append(LevelLine(level, names[level].name_en if lang == "en" else names[level].name, criteria.short(lang)))
    return lines


# --- the card -----------------------------------------------------------------------------


def card_buttons(pack: Pack, period_id: int, ind: Indicator, answer: Answer | None, explain: int, previous: int) -> list[list[Button]]:
    """Levels, then penjelasan, criteria and the evidence checklist, then the guided mode and
    navigation; at most ten buttons. Where they do not fit (six levels, or a fractional value),
    "Lewati" goes first (it is in the menu too), then the guided mode (it is in the criteria view).

    ``explain`` is the indicator whose penjelasan the ✍️ button opens (the one just answered, when
    the card is headed by a saved answer); ``previous`` is the card the navigation menu goes back to.
    """
    number = ind.number
    current = answer.level if answer else None
    levels = [
        Button("level", cb.make("lv", period_id, number, level), {"level": level, "current": current == level})
        for level in pack.scale.levels()
    ]
    if pack.scale.fractional:
        levels.append(Button("fraction", cb.make("lv", period_id, number, "-")))
    tools = [
        Button("explain", cb.make("xo", period_id, explain, number), {"number": explain, "own": explain == number}),
        Button("criteria", cb.make("cr", period_id, number)),
        Button("evidence", cb.make("cl", period_id, number, "c")),
    ]
    menu = Button("menu", cb.make("mn", period_id, number, previous))
    room = MAX_BUTTONS - len(levels) - len(tools) - 1
    navigation = [menu]
    if room >= 1:
        navigation.insert(0, Button("guided", cb.make("gd", period_id, number)))
    if room >= 2:
        navigation.append(Button("next", cb.make("nx", period_id, number)))
    return [levels, tools, navigation]


async def card(
    turn: Turn, period: Period, pack: Pack, number: int, *, edit: bool = False, saved: Saved | None = None,
    explained: int | None = None, previous: int | None = None, answered: int | None = None,
) -> Reply:
    """The card of indicator ``number``; also moves the officer there (and ends any awaited input).

    ``saved`` heads it with the answer just saved, ``explained`` with the penjelasan just saved.
    """
    ind = pack.indicator(number)
    answer = await turn.tx.answers.get(period.id, number)
    answered = await turn.tx.answers.count(period.id) if answered is None else answered  # how many, when the caller knows
    files = await turn.tx.evidence.for_answer(period.id, number)
    turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number)
    turn.leave()
    back = previous if previous is not None else number - 1
    explain = saved.ind.number if saved else number
    return Reply(
        "card",
        {
            "pack": pack,
            "ind": ind,
            "answer": answer,
            "level_name": level_name(pack, ind, answer.level) if answer else None,
            "levels": level_lines(pack, ind, turn.lang),
            "answered": answered,
            "evidence": len(files),
            "saved": saved,
            "explained": explained,
            "required": period.require_explanation,
        },
        card_buttons(pack, period.id, ind, answer, explain, back if pack.has_indicator(back) else 0),
        edit=edit,
        card=True,
    )


def back_button(period_id: int, number: int) -> list[Button]:
    return [Button("back_to_card", cb.make("cd", period_id, number))]


def criteria(turn: Turn, pack: Pack, period_id: int, number: int) -> Reply:
    """Every level's criteria with the evidence expected for it, in one view."""
    buttons = [[Button("guided", cb.make("gd", period_id, number))], back_button(period_id, number)]
    return Reply("criteria", {"pack": pack, "ind": pack.indicator(number)}, buttons, edit=True)


def menu(pack: Pack, period_id: int, number: int, previous: int) -> Reply:
    """Navigation, one tap from the card: back, skip, jump, list, summary, pause."""
    rows = []
    if previous and pack.has_indicator(previous):
        rows.append([Button("prev", cb.make("cd", period_id, previous), {"number": previous})])
    rows += [
        [Button("next", cb.make("nx", period_id, number)), Button("jump", cb.make("jp", period_id))],
        [Button("list", cb.make("ls", period_id, 0)), Button("summary", cb.make("sm", period_id))],
        [Button("pause", cb.make("ps", period_id)), *back_button(period_id, number)],
    ]
    return Reply("menu", {"pack": pack, "ind": pack.indicator(number)}, rows, edit=True)


# --- answering ------------------------------------------------------------------------------


async def choose_level(turn: Turn, period: Period, pack: Pack, number: int, value: Decimal, *, edit: bool) -> Outcome:
    """Save the level (keeping an earlier penjelasan), then the next card headed by what was saved;
    when the lead requires a penjelasan and the answer has none, ask for it first."""
    ind = pack.indicator(number)
    existing = await turn.tx.answers.get(period.id, number)
    answer = await turn.tx.answers.save(
        period_id=period.id, indicator=number, level=value, explanation=existing.explanation if existing else None, by=turn.user_id,
    )
    levels = await turn.tx.answers.levels(period.id)
    index = index_score(pack, levels)
    assert index is not None  # the answer just saved counts
    saved = Saved(ind, value, level_name(pack, ind, value), index)
    next_level = int(value) + 1
    toast_args = {"level": value, "places": 2 if pack.scale.fractional else 0,
                  "next_level": next_level if next_level in ind.levels else None,
                  "next_criteria": ind.levels[next_level].criteria if next_level in ind.levels else None}
    outcome = Outcome(toast="toast_saved", toast_args=toast_args, refresh={period.institution_id})
    if period.require_explanation and not answer.explanation:
        turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number)
        turn.enter(Explanation(period_id=period.id, indicator=number, level=value))
        return outcome.add(explanation_input(pack, period, ind, answer, saved=saved, edit=edit))
    return outcome.add(await next_card(turn, period, pack, after=number, edit=edit, saved=saved, levels=levels))


def explanation_input(pack: Pack, period: Period, ind: Indicator, answer: Answer, *, saved: Saved | None = None,
                      edit: bool = True) -> Reply:
    """The card turned into the penjelasan input: the saved text to read or replace, the limit."""
    return Reply(
        "explain",
        {"pack": pack, "ind": ind, "answer": answer, "level_name": level_name(pack, ind, answer.level), "saved": saved,
         "required": period.require_explanation, "limit": MAX_EXPLANATION_CHARS},
        [[Button("explain_cancel", cb.make("xc", period.id, ind.number), {"required": period.require_explanation})]],
        edit=edit,
        card=True,
    )


async def next_card(turn: Turn, period: Period, pack: Pack, after: int | None, *, edit: bool = False, saved: Saved | None = None,
                    explained: int | None = None, levels: Mapping[int, Decimal] | None = None) -> Reply:
    """The next unanswered indicator: the officer's own assignments first (in order), then the rest
    after ``after`` (wrapping); the summary when all are answered."""
    answered = set(await turn.tx.answers.levels(period.id) if levels is None else levels)  # ``levels``: read in this turn already
    mine = [a.indicator for a in await turn.tx.assignments.for_user(period.id, turn.user_id) if after is None or a.indicator > after]
    numbers = [i.number for i in pack.indicators]
    start = 0 if after is None else numbers.index(after) + 1
    for number in mine + numbers[start:] + numbers[:start]:
        if number not in answered:
            return await card(turn, period, pack, number, edit=edit, saved=saved, explained=explained, previous=after,
                              answered=len(answered))
    turn.leave()
    reply = await headline(turn, period, pack, saved=saved)
    reply.edit = edit
    return reply


def paging(action: str, period_id: int, page: int, pages: int) -> list[Button]:
    """◀ ▶ of a paged list whose button ``action`` takes (period, page)."""
    buttons = []
    if page > 0:
        buttons.append(Button("page_prev", cb.make(action, period_id, page - 1)))
    if page < pages - 1:
        buttons.append(Button("page_next", cb.make(action, period_id, page + 1)))
    return buttons


async def indicator_list(turn: Turn, period: Period, pack: Pack, page: int, *, edit: bool) -> Reply:
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
    if pages > 1:
        rows.append(paging("ls", period.id, page, pages))
    return Reply(
        "list",
        {"pack": pack, "items": items, "answers": answers, "answered": len(answers), "page": page, "pages": pages},
        rows,
        edit=edit,
    )


def is_final(answer: Answer | None) -> bool:
    return answer is not None and answer.status == AnswerStatus.FINAL


# --- guided mode ----------------------------------------------------------------------------


def guided_question(pack: Pack, period_id: int, number: int, level: int) -> Reply:
    ind = pack.indicator(number)
    buttons = [
        [Button("yes", cb.make("ga", period_id, number, level, "y")), Button("no", cb.make("ga", period_id, number, level, "n"))],
        back_button(period_id, number),
    ]
    return Reply("guided", {"pack": pack, "ind": ind, "level": level}, buttons, edit=True)


def guided_start(turn: Turn, pack: Pack, period: Period, number: int) -> Reply:
    """Ask from the bottom up; the lowest level needs no question (it holds by definition)."""
    turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number)
    turn.enter(Guided(period_id=period.id, indicator=number))
    return guided_question(pack, period.id, number, pack.scale.min + 1)


def guided_step(turn: Turn, pack: Pack, period_id: int, number: int, level: int, met: bool) -> Reply:
    ind = pack.indicator(number)
    if met and level < pack.scale.max:
        return guided_question(pack, period_id, number, level + 1)
    turn.leave()
    proposed, failed = (level, None) if met else (level - 1, level)
    buttons = [
        [Button("use_level", cb.make("lv", period_id, number, proposed), {"level": proposed})],
        back_button(period_id, number),
    ]
    return Reply("guided_result", {"pack": pack, "ind": ind, "proposed": proposed, "failed": failed}, buttons, edit=True)
