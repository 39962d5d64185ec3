"""Records of the evaluation, as pydantic models taken and returned by the repositories."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_EXPLANATION_CHARS = 2000
MAX_NAME_CHARS = 200
MAX_TITLE_CHARS = 200  # an evidence item's title
MAX_NOTE_CHARS = 1000  # a reviewer's note
MAX_DOC_NUMBER_CHARS = 60


class InstitutionKind(StrEnum):
    KEMENTERIAN = "kementerian"
    LEMBAGA = "lembaga"
    PROVINSI = "provinsi"
    KABUPATEN = "kabupaten"
    KOTA = "kota"


class Role(StrEnum):
    KOORDINATOR = "koordinator"
    PENANGGUNG_JAWAB = "penanggung_jawab"
    OFFICER = "officer"

    @property
    def is_lead(self) -> bool:
        return self is not Role.OFFICER


class PeriodStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    CLOSED = "closed"


class Stage(StrEnum):
    PENILAIAN_MANDIRI = "penilaian_mandiri"
    PENILAIAN_DOKUMEN = "penilaian_dokumen"
    INTERVIU = "interviu"
    VISITASI = "visitasi"


class AnswerStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"


class ChangeKind(StrEnum):
    ANSWER = "answer"
    EDIT = "edit"
    LOCK = "lock"
    REOPEN = "reopen"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Institution(_Record):
    id: int
    name: str
    kind: InstitutionKind
    region: str | None = None
    created_at: datetime


class Member(_Record):
    institution_id: int
    user_id: int
    display_name: str
    language: str = "id"
    role: Role
    active: bool = True
    joined_at: datetime
    removed_at: datetime | None = None
    username: str | None = None

    @property
    def is_lead(self) -> bool:
        return self.role.is_lead


class Invitation(_Record):
    code: str
    institution_id: int
    role: Role
    created_by: int
    created_at: datetime
    expires_at: datetime
    max_uses: int = 1
    uses: int = 0


class StageDates(_Record):
    stage: Stage
    starts_on: date | None = None
    ends_on: date | None = None


class Period(_Record):
    id: int
    institution_id: int
    year: int
    framework: str
    status: PeriodStatus = PeriodStatus.OPEN
    level_min: int
    level_max: int
    fractional: bool = False
    indicator_count: int
    require_explanation: bool = False
    created_at: datetime
    stages: list[StageDates] = []


class Answer(_Record):
    period_id: int
    indicator: int
    level: Decimal
    explanation: str | None = None
    status: AnswerStatus = AnswerStatus.DRAFT
    answered_by: int
    updated_at: datetime


class AnswerChange(_Record):
    id: int
    period_id: int
    indicator: int
    kind: ChangeKind
    old_level: Decimal | None = None
    new_level: Decimal | None = None
    old_explanation: str | None = None
    new_explanation: str | None = None
    by: int
    at: datetime
    reason: str | None = None


class Evidence(_Record):
    """An item of the institution's evidence register (bukti dukung): one file, kept once."""

    id: int
    institution_id: int
    code: int  # B-001 is code 1, per institution
    title: str | None = None  # None: none given (a photo without a caption)
    file_id: str
    file_unique_id: str
    sha256: str | None = None  # the file in the evidence store; None: sent before files were kept
    file_name: str | None = None
    kind: str
    mime: str | None = None
    size: int | None = None
    caption: str | None = None
    doc_number: str | None = None  # the document's own number ("12", "800/123/2023")
    doc_year: int | None = None
    doc_date: date | None = None
    uploaded_by: int
    uploaded_at: datetime

    @property
    def label(self) -> str:
        """The code users see and type: B-001, B-012, B-1234."""
        return f"B-{self.code:03d}"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVISION = "revision"
    REJECTED = "rejected"
    REPLACED = "replaced"  # a corrected file answered a revision


class ReviewAction(StrEnum):
    ACCEPTED = "accepted"
    REVISION = "revision"
    REJECTED = "rejected"
    RESUBMITTED = "resubmitted"  # the sender sent a corrected file (``other_id``) for a revision


class EvidenceLink(_Record):
    """An item supporting one indicator of a period, with its internal review for that indicator."""

    evidence_id: int
    period_id: int
    indicator: int
    level: int | None = None  # the level claimed when it was sent
    linked_by: int
    linked_at: datetime
    review: ReviewStatus = ReviewStatus.PENDING
    review_note: str | None = None
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    replaced_by: int | None = None


class ReviewRecord(_Record):
    """One review action, as the history keeps it."""

    id: int
    evidence_id: int
    period_id: int
    indicator: int
    action: ReviewAction
    note: str | None = None
    other_id: int | None = None
    by: int
    at: datetime


class CheckStatus(StrEnum):
    PRESENT = "present"  # sudah ada
    MISSING = "missing"  # belum ada
    NOT_RELEVANT = "not_relevant"  # tidak relevan


class EvidenceCheck(_Record):
    """One expected evidence item of the checklist, as the team ticked it."""

    period_id: int
    indicator: int
    level: int  # the level whose list holds the item; -1: the indicator's own list (knowledge.checklists)
    item: int  # its place in that list, from 0
    status: CheckStatus
    item_text: str
    by: int
    by_lead: bool = False
    at: datetime
    evidence_ids: list[int] = []


class GroupLink(_Record):
    chat_id: int
    institution_id: int
    title: str | None = None
    summary_message_id: int | None = None
    linked_by: int
    linked_at: datetime
    summary_shown_at: datetime | None = None  # the last refresh after a change: the group's pace


class Assignment(_Record):
    period_id: int
    indicator: int
    user_id: int
    assigned_by: int
    assigned_at: datetime
    due_on: date | None = None


class ReminderSchedule(_Record):
    id: int
    kind: str
    institution_id: int
    chat_id: int | None = None
    hour: int = Field(ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str = "Asia/Jakarta"
    enabled: bool = True
    last_sent_at: datetime | None = None


class PendingAssignment(_Record):
    """A /tugaskan waiting for the lead to pick the member from the buttons it offered."""

    id: int
    period_id: int
    indicators: list[int]
    due_on: date | None = None
    created_by: int
    created_at: datetime
    used_at: datetime | None = None


class PlanTargetKind(StrEnum):
    INDEX = "index"
    PREDICATE = "predicate"


class PlanTarget(_Record):
    """What a lead wants the index to reach, and by which year: an index value, or a predicate
    (``value`` is then its band's lower bound, ``predicate`` its label)."""

    period_id: int
    kind: PlanTargetKind
    value: Decimal
    predicate: str | None = None
    year: int
    set_by: int
    set_at: datetime


class PlanItem(_Record):
    """One indicator of the improvement plan: from the level it had when planned to the level it is
    to reach, who owns it and when it is due."""

    period_id: int
    indicator: int
    from_level: Decimal
    to_level: Decimal
    owner_id: int | None = None
    due_on: date | None = None
    created_by: int
    created_at: datetime
    updated_by: int
    updated_at: datetime


class PeriodProgress(_Record):
    period_id: int
    institution_id: int
    answered: int
    final: int
    last_update: datetime | None = None
    by_member: dict[int, int] = {}


class OutboxPart(_Record):
    """What the bot sends for one update to one chat: a document ``bot/`` writes and reads (storage
    keeps it without reading it). Part 0 is delivered by the update's own handler; parts 1.. through
    the outbox, which marks them sent. ``id`` is the order the parts were written; a part no update
    caused (a reminder) has no ``update_id``."""

    id: int
    update_id: int | None
    part: int
    chat_id: int
    document: str
    created_at: datetime
    sent_at: datetime | None = None
