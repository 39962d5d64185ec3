"""The conversation states: an enum, one pydantic model per state with its typed draft, and the
user's stored position.

A position is a JSON document in the database (``storage`` keeps it opaque): where the user works
(institution, period, the indicator whose card is open, the live card message) and the step they
are in. The step is a tagged union, so a step can only carry the fields its state needs, and a
document that no longer validates (an older version, damage) starts the user afresh at
:class:`Idle` without losing their place in the evaluation.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)


class State(StrEnum):
    """What the assistant waits for from the user."""

    IDLE = "idle"  # nothing in particular: text is a question, a file is evidence of the open card
    EXPLANATION = "explanation"  # the penjelasan of one answer
    EXPLANATION_CHECK = "explanation_check"  # a typed text to confirm before it is kept as the penjelasan
    JUMP = "jump"  # the number of the indicator to open
    VALUE = "value"  # a typed fractional value (packs with fractional scales)
    GUIDED = "guided"  # yes/no presses of the guided mode
    INVITE_CODE = "invite_code"  # an invitation code
    INSTITUTION_NAME = "institution_name"  # an operator creating an institution: its name,
    INSTITUTION_KIND = "institution_kind"  # ... its kind (buttons),
    INSTITUTION_REGION = "institution_region"  # ... its region
    PLAN_DUE = "plan_due"  # a lead typing the due date of an item of the improvement plan
    EVIDENCE_TITLE = "evidence_title"  # a new title for a register item
    EVIDENCE_DOCUMENT = "evidence_document"  # the number and date of the document a register item is
    EVIDENCE_LINK = "evidence_link"  # the number of another indicator a register item supports
    REVIEW_NOTE = "review_note"  # a lead's note for the sender of an item needing revision or rejected
    EVIDENCE_REPLACE = "evidence_replace"  # the corrected file for an item needing revision


class StepModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Idle(StepModel):
    state: Literal[State.IDLE] = State.IDLE


class Explanation(StepModel):
    """Waiting for the penjelasan of ``indicator``, written for the answer at ``level``.

    ``then`` is the card to show once it is saved (None: the next unanswered indicator);
    ``after_overflow`` is set when the previous text was refused as too long, so the next text
    (possibly the rest of a paste Telegram split in two) is confirmed before it is kept.
    """

    state: Literal[State.EXPLANATION] = State.EXPLANATION
    period_id: int
    indicator: int
    level: Decimal
    then: int | None = None
    after_overflow: bool = False


CheckReason = Literal["question", "after_overflow", "level_changed"]


class ExplanationCheck(StepModel):
    """A typed ``text`` waits for the writer's word before it becomes the penjelasan."""

    state: Literal[State.EXPLANATION_CHECK] = State.EXPLANATION_CHECK
    period_id: int
    indicator: int
    level: Decimal
    then: int | None = None
    text: str
    reason: CheckReason


class Jump(StepModel):
    state: Literal[State.JUMP] = State.JUMP
    period_id: int


class Value(StepModel):
    state: Literal[State.VALUE] = State.VALUE
    period_id: int
    indicator: int


class Guided(StepModel):
    state: Literal[State.GUIDED] = State.GUIDED
    period_id: int
    indicator: int


class InviteCode(StepModel):
    state: Literal[State.INVITE_CODE] = State.INVITE_CODE


class InstitutionName(StepModel):
    state: Literal[State.INSTITUTION_NAME] = State.INSTITUTION_NAME


class InstitutionKind(StepModel):
    state: Literal[State.INSTITUTION_KIND] = State.INSTITUTION_KIND
    name: str


class InstitutionRegion(StepModel):
    state: Literal[State.INSTITUTION_REGION] = State.INSTITUTION_REGION
    name: str
    kind: str


class PlanDue(StepModel):
    state: Literal[State.PLAN_DUE] = State.PLAN_DUE
    period_id: int
    indicator: int


class EvidenceTitle(StepModel):
    state: Literal[State.EVIDENCE_TITLE] = State.EVIDENCE_TITLE
    period_id: int
    evidence_id: int


class EvidenceDocument(StepModel):
    state: Literal[State.EVIDENCE_DOCUMENT] = State.EVIDENCE_DOCUMENT
    period_id: int
    evidence_id: int


class EvidenceLinkInput(StepModel):
    state: Literal[State.EVIDENCE_LINK] = State.EVIDENCE_LINK
    period_id: int
    evidence_id: int


class ReviewNote(StepModel):
    """A lead's verdict waiting for its note (the sender is told it verbatim)."""

    state: Literal[State.REVIEW_NOTE] = State.REVIEW_NOTE
    period_id: int
    evidence_id: int
    indicator: int
    verdict: Literal["revision", "rejected"]


class EvidenceReplace(StepModel):
    """Waiting for the corrected file of ``evidence_id`` for ``indicator`` (its open revision)."""

    state: Literal[State.EVIDENCE_REPLACE] = State.EVIDENCE_REPLACE
    period_id: int
    evidence_id: int
    indicator: int


Step = Annotated[
    Idle | Explanation | ExplanationCheck | Jump | Value | Guided | InviteCode | InstitutionName | InstitutionKind
    | InstitutionRegion | EvidenceTitle | EvidenceDocument | EvidenceLinkInput | ReviewNote | EvidenceReplace | PlanDue,
    Field(discriminator="state"),
]
IDLE = Idle()


class CardRef(BaseModel):
    """The message that is the officer's live indicator card."""

    model_config = ConfigDict(frozen=True)

    chat_id: int
    message_id: int


class Position(BaseModel):
    """Where a user is: saved at the end of every turn that changes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: int
    institution_id: int | None = None
    period_id: int | None = None
    indicator: int | None = None  # the indicator whose card is open
    card: CardRef | None = None
    step: Step = IDLE

    @property
    def state(self) -> State:
        return self.step.state

    def to_document(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_document(cls, user_id: int, document: str | None) -> Position:
        """The stored position, or a fresh one; a document that does not validate is logged and
        replaced (its place in the evaluation kept when that part is readable), never fatal."""
        if document is None:
            return cls(user_id=user_id)
        try:
            position = cls.model_validate_json(document)
        except ValidationError as exc:
            log.warning("position of user %s is not valid (%s); starting afresh", user_id, exc.errors()[0]["msg"])
            return cls._salvage(user_id, document)
        return position if position.user_id == user_id else cls(user_id=user_id)

    @classmethod
    def _salvage(cls, user_id: int, document: str) -> Position:
        class Place(BaseModel):
            model_config = ConfigDict(extra="ignore")
            user_id: int
            institution_id: int | None = None
            period_id: int | None = None
            indicator: int | None = None

        try:
            place = Place.model_validate_json(document)
        except ValidationError:
            return cls(user_id=user_id)
        if place.user_id != user_id:
            return cls(user_id=user_id)
        return cls(user_id=user_id, institution_id=place.institution_id, period_id=place.period_id, indicator=place.indicator)
