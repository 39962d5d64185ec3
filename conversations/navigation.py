"""Handlers of the walkthrough's commands, buttons and typed inputs (jump number, fractional value).

Button handlers get the period their button names, already checked against who pressed it (see
``conversations.machine``); command handlers find the period the officer works on.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from conversations import access
from conversations import callbacks as cb
from conversations import walkthrough as wt
from conversations.context import Turn
from conversations.events import Command
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import Jump, Value
from conversations.summary import VIEWS_BY_NAME, summary
from knowledge.models import Pack
from storage.models import Period


async def period_or_choice(turn: Turn) -> tuple[Period, Pack] | Outcome:
    """The period the officer works on, or the question which institution (for members of several)."""
    period = await access.current_period(turn)
    if period is None:
        return await institution_choice(turn)
    return period, turn.packs.get(period.framework)


async def institution_choice(turn: Turn) -> Outcome:
    rows = []
    for member in await access.active_memberships(turn):
        institution = await turn.tx.institutions.require(member.institution_id)
        rows.append([Button("institution", cb.make("ct", member.institution_id), {"name": institution.name})])
    return Outcome([Reply("short:choose_institution", buttons=rows)])


async def resume(turn: Turn, *, edit: bool = False) -> Outcome:
    """The card where the officer left off, else the next unanswered one."""
    found = await period_or_choice(turn)
    if isinstance(found, Outcome):
        return found
    period, pack = found
    number = turn.position.indicator if turn.position.period_id == period.id else None
    if number and pack.has_indicator(number):
        return Outcome([await wt.card(turn, period, pack, number, edit=edit)])
    return Outcome([await wt.next_card(turn, period, pack, after=None, edit=edit)])


async def continue_pressed(turn: Turn) -> Outcome:
    """A member of several institutions picked the one to work on."""
    institution_id = turn.press.int("institution")
    await access.membership(turn, institution_id)
    period = await access.period_of(turn, institution_id)
    turn.move(institution_id=period.institution_id, period_id=period.id, indicator=None)
    return await resume(turn, edit=True)


# --- commands -----------------------------------------------------------------------------------


async def continue_command(turn: Turn, command: Command) -> Outcome:
    return await resume(turn)


async def summary_command(turn: Turn, command: Command) -> Outcome:
    found = await period_or_choice(turn)
    return found if isinstance(found, Outcome) else Outcome([await summary(turn, *found)])


async def list_command(turn: Turn, command: Command) -> Outcome:
    found = await period_or_choice(turn)
    return found if isinstance(found, Outcome) else Outcome([await wt.indicator_list(turn, *found, 0, edit=False)])


async def jump_command(turn: Turn, command: Command) -> Outcome:
    found = await period_or_choice(turn)
    if isinstance(found, Outcome):
        return found
    period, pack = found
    if not command.args.strip():
        turn.enter(Jump(period_id=period.id))
        return Outcome([short("ask_jump", total=len(pack.indicators))])
    return await _open_number(turn, period, pack, command.args)


# --- typed inputs -------------------------------------------------------------------------------


async def jump_typed(turn: Turn) -> Outcome:
    step = turn.step_as(Jump)
    period, pack = await access.member_period(turn, step.period_id)
    return await _open_number(turn, period, pack, turn.text)


async def _open_number(turn: Turn, period: Period, pack: Pack, text: str) -> Outcome:
    match = re.fullmatch(r"\s*#?\s*(\d{1,4})\s*", text)
    total = len(pack.indicators)
    turn.enter(Jump(period_id=period.id))
    if not match:
        return Outcome([short("ask_jump", total=total)])
    number = int(match.group(1))
    if not pack.has_indicator(number):
        return Outcome([short("indicator_missing", number=number, total=total)])
    return Outcome([await wt.card(turn, period, pack, number)])


async def value_typed(turn: Turn) -> Outcome:
    """A fractional value typed after "Nilai pecahan" (e.g. 1,26)."""
    step = turn.step_as(Value)
    period, pack = await access.member_period(turn, step.period_id)
    try:
        value = Decimal(turn.text.strip().replace(",", "."))
    except InvalidOperation:
        value = Decimal(-1)
    precision = Decimal("0.01") if pack.scale.fractional else Decimal(1)
    if not value.is_finite() or not (pack.scale.min <= value <= pack.scale.max) or value != value.quantize(precision):
        return Outcome([short("value_invalid", low=pack.scale.min, high=pack.scale.max)])
    return await wt.choose_level(turn, period, pack, step.indicator, value, edit=False)


# --- buttons --------------------------------------------------------------------------------------


async def show_card(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await wt.card(turn, period, pack, turn.press.int("indicator"), edit=True)], toast="toast_done")


async def level(turn: Turn, period: Period, pack: Pack) -> Outcome:
    raw, number = turn.press.str("level"), turn.press.int("indicator")
    if raw == "-":
        if not pack.scale.fractional:
            raise Refusal("stale_button", toast="toast_stale")
        turn.move(period_id=period.id, institution_id=period.institution_id, indicator=number)
        turn.enter(Value(period_id=period.id, indicator=number))
        return Outcome([short("ask_value", number=number, low=pack.scale.min, high=pack.scale.max)], toast="toast_done")
    value = Decimal(raw)
    if not pack.scale.min <= value <= pack.scale.max or (not pack.scale.fractional and value != value.to_integral_value()):
        raise Refusal("level_outside", level=raw, low=pack.scale.min, high=pack.scale.max)
    return await wt.choose_level(turn, period, pack, number, value, edit=True)


async def criteria(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([wt.criteria(turn, pack, period.id, turn.press.int("indicator"))], toast="toast_done")


async def guided_start(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([wt.guided_start(turn, pack, period, turn.press.int("indicator"))], toast="toast_done")


async def guided_answer(turn: Turn, period: Period, pack: Pack) -> Outcome:
    level_text = turn.press.str("level")
    if not level_text.isdigit() or not pack.scale.min < int(level_text) <= pack.scale.max:
        raise Refusal("level_outside", level=level_text, low=pack.scale.min, high=pack.scale.max)
    number = turn.press.int("indicator")
    reply = wt.guided_step(turn, pack, period.id, number, int(level_text), turn.press.str("answer") == "y")
    return Outcome([reply], toast="toast_done")


async def skip(turn: Turn, period: Period, pack: Pack) -> Outcome:
    reply = await wt.next_card(turn, period, pack, after=turn.press.int("indicator"), edit=True)
    return Outcome([reply], toast="toast_done")


async def previous(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The "◀" of cards sent by earlier versions: the indicator before."""
    number = max(turn.press.int("indicator") - 1, 1)
    return Outcome([await wt.card(turn, period, pack, number, edit=True)], toast="toast_done")


async def menu(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([wt.menu(pack, period.id, turn.press.int("indicator"), turn.press.int("previous"))], toast="toast_done")


async def jump(turn: Turn, period: Period, pack: Pack) -> Outcome:
    turn.enter(Jump(period_id=period.id))
    return Outcome([short("ask_jump", total=len(pack.indicators))], toast="toast_done")


async def listing(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await wt.indicator_list(turn, period, pack, turn.press.int("page"), edit=True)], toast="toast_done")


async def pause(turn: Turn, period: Period, pack: Pack) -> Outcome:
    turn.leave()
    return Outcome([short("paused")], toast="toast_done")


async def show_summary(turn: Turn, period: Period, pack: Pack) -> Outcome:
    return Outcome([await summary(turn, period, pack)], toast="toast_done")


async def summary_view(turn: Turn, period: Period, pack: Pack) -> Outcome:
    view = VIEWS_BY_NAME[turn.press.str("view")]  # the callback pattern admits no other
    return Outcome([await summary(turn, period, pack, view, edit=True)], toast="toast_done")
