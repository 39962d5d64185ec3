"""Records of the evaluation, as pydantic models taken and returned by the repositories."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_EXPLANATION_CHARS = 2000
MAX_NAME_CHARS = 200


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
    id: int
    institution_id: int
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    kind: str
    size: int | None = None
    caption: str | None = None
    uploaded_by: int
    uploaded_at: datetime


class GroupLink(_Record):
    chat_id: int
    institution_id: int
    title: str | None = None
    summary_message_id: int | None = None
    linked_by: int
    linked_at: datetime


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
    the outbox, which marks them sent."""

    update_id: int
    part: int
    chat_id: int
    document: str
    created_at: datetime
    sent_at: datetime | None = None
