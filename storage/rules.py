"""What a record may hold, and when a change is refused: the checks every backend runs before it writes.

The SQLite and the PostgreSQL repositories speak different SQL but refuse the same things with the
same domain errors (``storage.errors``), so the rules live here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from storage.errors import AnswerLocked, Conflict, InvalidInput, NotFound
from storage.models import (
    MAX_DOC_NUMBER_CHARS,
    MAX_EXPLANATION_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_TITLE_CHARS,
    Answer,
    AnswerStatus,
    InstitutionKind,
    Invitation,
    Member,
    Period,
    PlanTargetKind,
    ReviewAction,
    ReviewStatus,
    Role,
)

MAX_REASON_CHARS = 500

# Telegram keeps an update for 24 hours at most, so only an update claimed less than that ago can
# come again (this also covers the week without updates after which Telegram picks the next id at
# random: every id claimed before is older than that). Rows are kept a little longer.
REDELIVERY_WINDOW = timedelta(hours=24)
KEEP_UPDATES = timedelta(days=2)
# Telegram keeps an unconfirmed update for 24 hours, so an outbox part 0 older than that is never read again.
KEEP_PARTS = timedelta(days=2)
# A redelivered update is one fetched but not confirmed, a few hundred at most below the highest
# claimed; an id this far below the highest starts a new sequence.
RESTART_GAP = 100_000


def clean_name(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_NAME_CHARS:
        raise InvalidInput(f"{what} must be 1..{MAX_NAME_CHARS} characters, got {len(value)}")
    return value


def clean_username(value: str | None) -> str | None:
    value = (value or "").strip().lstrip("@")
    return value[:64] or None


def institution_kind(kind: InstitutionKind | str) -> InstitutionKind:
    try:
        return InstitutionKind(kind)
    except ValueError:
        raise InvalidInput(f"unknown institution kind {kind!r}; use one of {[k.value for k in InstitutionKind]}") from None


def check_max_uses(max_uses: int) -> None:
    if max_uses < 1:
        raise InvalidInput(f"max_uses must be at least 1, got {max_uses}")


def redeemable(invitation: Invitation | None, now: datetime) -> Invitation:
    """The invitation, if it can be used now."""
    if invitation is None:
        raise NotFound("unknown invitation code", code="unknown")
    if invitation.expires_at <= now:
        raise Conflict("the invitation has expired", code="expired")
    if invitation.uses >= invitation.max_uses:
        raise Conflict("the invitation has already been used", code="used_up")
    return invitation


def role_on_joining(invitation: Invitation, existing: Member | None) -> Role:
    """The role an invitation gives: never a demotion of an active lead."""
    if existing is not None and existing.active and existing.role.is_lead and not invitation.role.is_lead:
        return existing.role
    return invitation.role


def check_period_shape(year: int, level_min: int, level_max: int, indicator_count: int) -> None:
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"year {year} is outside 2000..2100")
    if level_min >= level_max or indicator_count < 1:
        raise InvalidInput(f"invalid framework shape: levels {level_min}..{level_max}, {indicator_count} indicators")


def period_exists(institution_id: int, year: int) -> InvalidInput:
    return InvalidInput(f"institution {institution_id} already has a period for {year}")


def check_stage_dates(stage: str, starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(f"stage {stage} ends ({ends_on}) before it starts ({starts_on})")


def check_indicator(period: Period, indicator: int) -> None:
    if not 1 <= indicator <= period.indicator_count:
        raise InvalidInput(f"indicator {indicator} does not exist in {period.framework} (1..{period.indicator_count})")


def check_indicators(period: Period, indicators: Iterable[int]) -> None:
    bad = [n for n in indicators if not 1 <= n <= period.indicator_count]
    if bad:
        raise InvalidInput(f"indicator(s) {bad} do not exist in {period.framework} (1..{period.indicator_count})")


def check_level(period: Period, indicator: int, level: Decimal | int | str) -> Decimal:
    """The level as a Decimal, if the period's scale has it for this indicator."""
    check_indicator(period, indicator)
    try:
        value = Decimal(str(level))
    except InvalidOperation:
        raise InvalidInput(f"level {level!r} is not a number") from None
    if not value.is_finite() or not period.level_min <= value <= period.level_max:
        raise InvalidInput(f"level {level} is outside the scale {period.level_min}..{period.level_max} of {period.framework}")
    if period.fractional:
        if value != value.quantize(Decimal("0.01")):
            raise InvalidInput(f"level {level} has more than two decimals")
    elif value != value.to_integral_value():
        raise InvalidInput(f"{period.framework} takes whole levels only, not {level}")
    return value


def check_text(explanation: str | None) -> str | None:
    """A penjelasan stripped, None when empty; refused over the limit."""
    if explanation is None:
        return None
    explanation = explanation.strip()
    if len(explanation) > MAX_EXPLANATION_CHARS:
        raise InvalidInput(f"the explanation has {len(explanation)} characters; the limit is {MAX_EXPLANATION_CHARS}")
    return explanation or None


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"a reopen needs a reason of 1..{MAX_REASON_CHARS} characters")
    return reason


def changeable(old: Answer | None, period_id: int, indicator: int) -> None:
    """A member may change a draft answer (or make a new one), not a final one."""
    if old is not None and old.status is AnswerStatus.FINAL:
        raise AnswerLocked(period_id, indicator)


def explainable(old: Answer | None, period_id: int, indicator: int, level: Decimal) -> Answer:
    """The answer whose penjelasan may be set for ``level``: it exists, is a draft and is still at that level."""
    if old is None:
        raise NotFound(f"indicator {indicator} of period {period_id} has no answer", code="no_answer")
    changeable(old, period_id, indicator)
    if old.level != level:
        raise Conflict(f"indicator {indicator} of period {period_id} is at level {old.level}, not {level}", code="level_changed")
    return old


def reopenable(answer: Answer | None, period_id: int, indicator: int) -> Answer:
    if answer is None:
        raise NotFound(f"indicator {indicator} of period {period_id} has no answer")
    if answer.status is not AnswerStatus.FINAL:
        raise InvalidInput(f"indicator {indicator} of period {period_id} is not final")
    return answer


def to_lock(answers: dict[int, Answer], indicators: list[int] | None, period_id: int) -> list[int]:
    """The indicators a lock asks for (all answered ones when None); every one must have an answer."""
    wanted = sorted(answers) if indicators is None else indicators
    missing = [n for n in wanted if n not in answers]
    if missing:
        raise NotFound(f"no answer to lock for indicator(s) {missing} of period {period_id}")
    return wanted


# --- the evidence register -----------------------------------------------------------------------

VERDICTS = {ReviewStatus.ACCEPTED: ReviewAction.ACCEPTED, ReviewStatus.REVISION: ReviewAction.REVISION,
            ReviewStatus.REJECTED: ReviewAction.REJECTED}


def evidence_title(title: str | None) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise InvalidInput("an evidence title cannot be empty")
    if len(text) > MAX_TITLE_CHARS:
        raise InvalidInput(f"the title has {len(text)} characters; the limit is {MAX_TITLE_CHARS}")
    return text


def default_title(*candidates: str | None) -> str | None:
    """The first of the given titles that says something, cut to the limit (a caption may be long)."""
    for candidate in candidates:
        text = " ".join((candidate or "").split())
        if text:
            return text[:MAX_TITLE_CHARS]
    return None


def doc_number_cut(number: str | None) -> str | None:
    """A document number read from a caption, cut to the limit."""
    return number[:MAX_DOC_NUMBER_CHARS] if number is not None else None


def document(number: str | None, year: int | None, day: date | None) -> tuple[str | None, int | None, date | None]:
    """The document's own number and date as set by a member (a year alone when that is all it says)."""
    number = " ".join((number or "").split()) or None
    if number is not None and len(number) > MAX_DOC_NUMBER_CHARS:
        raise InvalidInput(f"the document number has {len(number)} characters; the limit is {MAX_DOC_NUMBER_CHARS}")
    if day is not None:
        year = day.year
    if year is not None and not 1945 <= year <= 2100:
        raise InvalidInput(f"the year {year} is outside 1945..2100")
    return number, year, day


def review_note(note: str | None, required: bool) -> str | None:
    text = (note or "").strip()
    if required and not text:
        raise InvalidInput("this verdict needs a note for the sender")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(f"the note has {len(text)} characters; the limit is {MAX_NOTE_CHARS}")
    return text or None


def verdict(status: ReviewStatus | str) -> ReviewStatus:
    value = ReviewStatus(status)
    if value not in VERDICTS:
        raise InvalidInput(f"{value} is not a verdict")
    return value


def same_institution(evidence_institution: int, evidence_id: int, period: Period, indicator: int) -> None:
    if evidence_institution != period.institution_id:
        raise InvalidInput(f"evidence {evidence_id} belongs to another institution")
    check_indicator(period, indicator)


def check_place(period: Period, indicator: int, level: int, item: int) -> None:
    """A checklist item's place: an indicator of the period, a level of its scale (-1: the
    indicator's own list) and a place in that list."""
    check_indicator(period, indicator)
    if level != -1 and not period.level_min <= level <= period.level_max:
        raise InvalidInput(f"level {level} is outside the scale {period.level_min}..{period.level_max}")
    if item < 0:
        raise InvalidInput(f"item {item} is not a place in a list")


def linked_elsewhere(chat_id: int, institution_id: int) -> Conflict:
    return Conflict(f"chat {chat_id} is already linked to institution {institution_id}", code="linked_elsewhere")


def check_time_of_day(hour: int, minute: int) -> None:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(f"time {hour:02d}:{minute:02d} is not a time of day")


def restart_reason(*, update_id: int, highest: int | None, seen_key: str | None, seen_at: datetime | None, key: str | None,
                   now: datetime) -> str | None:
    """Why a claim of ``update_id`` starts a new update id sequence, or None.

    ``highest`` is the highest id claimed in the bot's current sequence; ``seen_key`` and
    ``seen_at`` describe the claim of this id in that sequence, if there is one (``seen_at`` None:
    there is none). See ``UpdateRepository.claim`` of either backend.
    """
    if highest is not None and update_id < highest - RESTART_GAP:
        return f"far below the highest id {highest}"
    if seen_at is None:
        return None
    if key is not None and seen_key is not None and seen_key != key:
        return f"its id was claimed for another update ({seen_key}, now {key})"
    if now - seen_at > REDELIVERY_WINDOW:
        return f"its id was claimed at {seen_at.isoformat()}, more than 24 hours ago"
    return None


# --- the improvement plan --------------------------------------------------------------------------


def in_scale(period: Period, level: Decimal, what: str) -> None:
    if not period.level_min <= level <= period.level_max or level != level.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what} {level} is outside the scale {period.level_min}..{period.level_max} of {period.framework}")
    if what == "level" and not period.fractional and level != level.to_integral_value():
        raise InvalidInput(f"{period.framework} takes whole levels only, not {level}")


def plan_target(period: Period, kind: PlanTargetKind | str, value: Decimal, predicate: str | None, year: int) -> PlanTargetKind:
    """The target's kind, if a lead may set this target for the period."""
    kind = PlanTargetKind(kind)
    in_scale(period, value, "target index")
    if (kind is PlanTargetKind.PREDICATE) != bool(predicate):
        raise InvalidInput("a predicate target names its predicate; an index target names none")
    if not period.year <= year <= period.year + 10:
        raise InvalidInput(f"target year {year} is not between {period.year} and {period.year + 10}")
    return kind


def plan_item(period: Period, indicator: int, from_level: Decimal, to_level: Decimal) -> None:
    check_indicator(period, indicator)
    in_scale(period, from_level, "level")
    in_scale(period, to_level, "level")
    if to_level <= from_level:
        raise InvalidInput(f"indicator {indicator}: the planned level {to_level} is not above {from_level}")


def not_in_plan(period_id: int, indicator: int) -> NotFound:
    return NotFound(f"indicator {indicator} is not in the plan of period {period_id}")
