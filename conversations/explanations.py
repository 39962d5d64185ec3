"""The penjelasan of an answer (fakta + analisis, as the national portal expects it).

Opened from the card for one indicator (or asked for at once when a lead made it required), typed
as a message, and kept only for the answer it was written for. A text is confirmed before it is
kept when it reads like a question, when it follows a text refused as too long (Telegram splits a
paste over 4096 characters into several messages), or when another member changed the level
meanwhile. Buttons of these steps name their indicator and act only while that step is open.
"""

from __future__ import annotations

import re

from conversations import access, questions
from conversations import callbacks as cb
from conversations import walkthrough as wt
from conversations.context import Turn
from conversations.replies import Button, Outcome, Refusal, Reply, short
from conversations.states import CheckReason, Explanation, ExplanationCheck
from knowledge.models import Pack
from storage import errors as store_errors
from storage.models import MAX_EXPLANATION_CHARS, Period

TELEGRAM_MESSAGE_LIMIT = 4096  # a text this long is probably one part of a split paste
QUESTION_CHARS = 300  # a penjelasan is rarely a short text opening with a question word
_QUESTION_WORDS = frozenset({
    "apa", "apakah", "bagaimana", "gimana", "berapa", "kapan", "siapa", "mengapa", "kenapa", "dimana", "mana", "bisakah",
    "bolehkah", "haruskah", "perlukah", "adakah", "tolong", "jelaskan", "mohon",
    "what", "how", "which", "why", "when", "who", "where", "is", "are", "does", "do", "can", "should", "could", "explain",
})
_QUESTION_OPENINGS = re.compile(r"^(arti|maksud|definisi|contoh bukti|bukti dukung (untuk|indikator|level)|kriteria level|beda level)\b")


def looks_like_question(text: str) -> bool:
    """A question mark at the end, or a short text opening the way questions to the assistant do."""
    words = text.strip().lower()
    if words.endswith("?"):
        return True
    if len(words) > QUESTION_CHARS:
        return False
    first = re.split(r"[^\w]+", words, maxsplit=1)[0]
    return first in _QUESTION_WORDS or bool(_QUESTION_OPENINGS.match(words))


def _same(step: Explanation | ExplanationCheck, press: cb.Callback) -> None:
    """A button of an older message acts only on the indicator it was made for."""
    if (press.int("period"), press.int("indicator")) != (step.period_id, step.indicator):
        raise Refusal("stale_button", toast="toast_stale")


async def open_input(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """✍️ on the card: write or replace the penjelasan of one answer."""
    number, then = turn.press.int("indicator"), turn.press.int("then")
    answer = await turn.tx.answers.get(period.id, number)
    if answer is None:
        raise Refusal("explanation_needs_level", number=number)
    if wt.is_final(answer):
        raise Refusal("locked", number=number)
    turn.enter(Explanation(period_id=period.id, indicator=number, level=answer.level, then=then or None))
    return Outcome([wt.explanation_input(pack, period, pack.indicator(number), answer)], toast="toast_done")


async def typed(turn: Turn) -> Outcome:
    """A text while a penjelasan is awaited (or a new text instead of the one awaiting a check)."""
    step = turn.position.step
    if isinstance(step, ExplanationCheck):
        step = Explanation(period_id=step.period_id, indicator=step.indicator, level=step.level, then=step.then)
    assert isinstance(step, Explanation)
    await access.member_period(turn, step.period_id)  # a member removed meanwhile writes nothing
    text = turn.text.strip()
    if not text:
        return Outcome([short("explanation_empty")])
    if len(text) > MAX_EXPLANATION_CHARS:
        turn.enter(step.model_copy(update={"after_overflow": True}))
        return Outcome([short("explanation_too_long", length=len(text), limit=MAX_EXPLANATION_CHARS,
                              split=len(turn.text) >= TELEGRAM_MESSAGE_LIMIT)])
    if step.after_overflow:
        return _check(turn, step, text, "after_overflow")
    if looks_like_question(text):
        return _check(turn, step, text, "question")
    return await _keep(turn, step, text, edit=False)


def _check(turn: Turn, step: Explanation | ExplanationCheck, text: str, reason: CheckReason, **data: object) -> Outcome:
    check = ExplanationCheck(period_id=step.period_id, indicator=step.indicator, level=step.level, then=step.then, text=text, reason=reason)
    if "level" in data:
        check = check.model_copy(update={"level": data["level"]})
    turn.enter(check)
    period, number = step.period_id, step.indicator
    keep = Button("explain_keep", cb.make("xs", period, number), {"reason": reason, "level": check.level, "places": data.get("places", 0)})
    other = Button("explain_cancel", cb.make("xc", period, number), {"required": False}) if reason == "level_changed" \
        else Button("explain_not", cb.make("xq", period, number), {"reason": reason})
    reply = Reply("short:explanation_check", {"reason": reason, "number": number, "length": len(text), **data}, [[keep], [other]])
    return Outcome([reply])


async def _keep(turn: Turn, step: Explanation | ExplanationCheck, text: str, *, edit: bool) -> Outcome:
    period, pack = await access.member_period(turn, step.period_id)
    try:
        await turn.tx.answers.explain(period_id=period.id, indicator=step.indicator, level=step.level, explanation=text, by=turn.user_id)
    except store_errors.NotFound:  # the answer is gone: show the card as it is now
        return Outcome([await wt.card(turn, period, pack, step.indicator, edit=edit)])
    except store_errors.Conflict as exc:
        if exc.code != "level_changed":
            raise
        answer = await turn.tx.answers.get(period.id, step.indicator)
        assert answer is not None
        member = await turn.tx.members.get(period.institution_id, answer.answered_by)
        who = member.display_name if member else str(answer.answered_by)
        return _check(turn, step, text, "level_changed", level=answer.level, old=step.level, who=who,
                      places=2 if pack.scale.fractional else 0)
    if step.then and pack.has_indicator(step.then):
        reply = await wt.card(turn, period, pack, step.then, edit=edit, explained=step.indicator)
    else:
        reply = await wt.next_card(turn, period, pack, after=step.indicator, edit=edit, explained=step.indicator)
    return Outcome([reply], toast="toast_saved_explanation", refresh={period.institution_id})


async def keep_checked(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """"Simpan sebagai penjelasan": the text that waited for a check is kept."""
    step = turn.step_as(ExplanationCheck)
    _same(step, turn.press)
    return await _keep(turn, step, step.text, edit=True)


async def not_explanation(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """The checked text is not the penjelasan: a question is answered, anything else dropped;
    the penjelasan is still awaited."""
    step = turn.step_as(ExplanationCheck)
    _same(step, turn.press)
    turn.enter(Explanation(period_id=step.period_id, indicator=step.indicator, level=step.level, then=step.then))
    if step.reason == "question":
        outcome = await questions.ask(turn, step.text)
    else:
        outcome = Outcome([short("explanation_dropped", number=step.indicator)])
    outcome.replies[0].edit = True
    outcome.add(short("explanation_still_awaited", number=step.indicator))
    outcome.toast = "toast_done"
    return outcome


async def cancel(turn: Turn, period: Period, pack: Pack) -> Outcome:
    """Back to the card without (changing) the penjelasan."""
    step = turn.position.step
    if not isinstance(step, Explanation | ExplanationCheck):
        raise Refusal("stale_button", toast="toast_stale")
    _same(step, turn.press)
    number = step.then if step.then and pack.has_indicator(step.then) else step.indicator
    return Outcome([await wt.card(turn, period, pack, number, edit=True)], toast="toast_done")
