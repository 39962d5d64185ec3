"""Rows to records, for every backend.

A row is whatever the driver gives, read by column name: ``sqlite3.Row`` (times and dates as ISO
text, flags as 0/1) or psycopg's dict rows (datetimes, dates, booleans). The conversions below take
either, so each record is built in one place.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from storage.models import (
    Answer,
    AnswerChange,
    Assignment,
    Evidence,
    EvidenceCheck,
    EvidenceLink,
    GroupLink,
    Institution,
    Invitation,
    Member,
    OutboxPart,
    PendingAssignment,
    Period,
    PlanItem,
    PlanTarget,
    ReminderSchedule,
    ReviewRecord,
    StageDates,
)


class Row(Protocol):
    def __getitem__(self, key: str, /) -> Any: ...


# Column values to record fields. A ``*_or_none`` function is for a nullable column; the others are
# for NOT NULL columns, so the record field they fill is never None. Levels are integer hundredths
# in both backends (level 3 = 300, 1.26 = 126), so fractional values round-trip exactly.


def to_x100(level: Decimal) -> int:
    return int((level * 100).to_integral_value())


def to_x100_or_none(level: Decimal | None) -> int | None:
    return None if level is None else to_x100(level)


def from_x100(value: int) -> Decimal:
    return (Decimal(value) / 100).normalize() if value % 100 else Decimal(value // 100)


def from_x100_or_none(value: int | None) -> Decimal | None:
    return None if value is None else from_x100(value)


def moment(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def moment_or_none(value: datetime | str | None) -> datetime | None:
    return None if value is None else moment(value)


def day_or_none(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def institution(row: Row) -> Institution:
    return Institution(id=row["id"], name=row["name"], kind=row["kind"], region=row["region"], created_at=moment(row["created_at"]))


def member(row: Row) -> Member:
    return Member(
        institution_id=row["institution_id"], user_id=row["user_id"], display_name=row["display_name"],
        language=row["language"], role=row["role"], active=bool(row["active"]),
        joined_at=moment(row["joined_at"]), removed_at=moment_or_none(row["removed_at"]), username=row["username"],
    )


def invitation(row: Row) -> Invitation:
    return Invitation(
        code=row["code"], institution_id=row["institution_id"], role=row["role"], created_by=row["created_by"],
        created_at=moment(row["created_at"]), expires_at=moment(row["expires_at"]), max_uses=row["max_uses"], uses=row["uses"],
    )


def stage_dates(row: Row) -> StageDates:
    return StageDates(stage=row["stage"], starts_on=day_or_none(row["starts_on"]), ends_on=day_or_none(row["ends_on"]))


def period(row: Row, stages: list[StageDates]) -> Period:
    return Period(
        id=row["id"], institution_id=row["institution_id"], year=row["year"], framework=row["framework"],
        status=row["status"], level_min=row["level_min"], level_max=row["level_max"],
        fractional=bool(row["fractional"]), indicator_count=row["indicator_count"],
        require_explanation=bool(row["require_explanation"]), created_at=moment(row["created_at"]), stages=stages,
    )


def answer(row: Row) -> Answer:
    return Answer(
        period_id=row["period_id"], indicator=row["indicator"], level=from_x100(row["level_x100"]),
        explanation=row["explanation"], status=row["status"], answered_by=row["answered_by"], updated_at=moment(row["updated_at"]),
    )


def change(row: Row) -> AnswerChange:
    return AnswerChange(
        id=row["id"], period_id=row["period_id"], indicator=row["indicator"], kind=row["kind"],
        old_level=from_x100_or_none(row["old_level_x100"]), new_level=from_x100_or_none(row["new_level_x100"]),
        old_explanation=row["old_explanation"], new_explanation=row["new_explanation"],
        by=row["by_user"], at=moment(row["at"]), reason=row["reason"],
    )


def evidence(row: Row) -> Evidence:
    return Evidence(
        id=row["id"], institution_id=row["institution_id"], code=row["code"], title=row["title"], file_id=row["file_id"],
        file_unique_id=row["file_unique_id"], sha256=row["sha256"], file_name=row["file_name"], kind=row["kind"], mime=row["mime"],
        size=row["size"], caption=row["caption"], doc_number=row["doc_number"], doc_year=row["doc_year"],
        doc_date=day_or_none(row["doc_date"]), uploaded_by=row["uploaded_by"], uploaded_at=moment(row["uploaded_at"]),
    )


def evidence_link(row: Row) -> EvidenceLink:
    return EvidenceLink(
        evidence_id=row["evidence_id"], period_id=row["period_id"], indicator=row["indicator"], level=row["level"],
        linked_by=row["linked_by"], linked_at=moment(row["linked_at"]), review=row["review"], review_note=row["review_note"],
        reviewed_by=row["reviewed_by"], reviewed_at=moment_or_none(row["reviewed_at"]), replaced_by=row["replaced_by"],
    )


def review(row: Row) -> ReviewRecord:
    return ReviewRecord(
        id=row["id"], evidence_id=row["evidence_id"], period_id=row["period_id"], indicator=row["indicator"], action=row["action"],
        note=row["note"], other_id=row["other_id"], by=row["by_user"], at=moment(row["at"]),
    )


def evidence_check(row: Row, evidence_ids: list[int]) -> EvidenceCheck:
    return EvidenceCheck(
        period_id=row["period_id"], indicator=row["indicator"], level=row["level"], item=row["item"], status=row["status"],
        item_text=row["item_text"], by=row["by_user"], by_lead=bool(row["by_lead"]), at=moment(row["at"]), evidence_ids=evidence_ids,
    )


def group_link(row: Row) -> GroupLink:
    return GroupLink(
        chat_id=row["chat_id"], institution_id=row["institution_id"], title=row["title"],
        summary_message_id=row["summary_message_id"], linked_by=row["linked_by"], linked_at=moment(row["linked_at"]),
        summary_shown_at=moment_or_none(row["summary_shown_at"]),
    )


def assignment(row: Row) -> Assignment:
    return Assignment(
        period_id=row["period_id"], indicator=row["indicator"], user_id=row["user_id"], assigned_by=row["assigned_by"],
        assigned_at=moment(row["assigned_at"]), due_on=day_or_none(row["due_on"]),
    )


def schedule(row: Row) -> ReminderSchedule:
    return ReminderSchedule(
        id=row["id"], kind=row["kind"], institution_id=row["institution_id"], chat_id=row["chat_id"], hour=row["hour"],
        minute=row["minute"], timezone=row["timezone"], enabled=bool(row["enabled"]), last_sent_at=moment_or_none(row["last_sent_at"]),
    )


def pending_assignment(row: Row) -> PendingAssignment:
    """``indicators`` is a JSON list: text in SQLite, already parsed from jsonb in PostgreSQL."""
    indicators = row["indicators"]
    return PendingAssignment(
        id=row["id"], period_id=row["period_id"], indicators=json.loads(indicators) if isinstance(indicators, str) else indicators,
        due_on=day_or_none(row["due_on"]), created_by=row["created_by"], created_at=moment(row["created_at"]),
        used_at=moment_or_none(row["used_at"]),
    )


def outbox_part(row: Row) -> OutboxPart:
    return OutboxPart(id=row["id"], update_id=row["update_id"], part=row["part"], chat_id=row["chat_id"], document=row["document"],
                      created_at=moment(row["created_at"]), sent_at=moment_or_none(row["sent_at"]))


def plan_target(row: Row) -> PlanTarget:
    return PlanTarget(
        period_id=row["period_id"], kind=row["kind"], value=from_x100(row["value_x100"]), predicate=row["predicate"],
        year=row["year"], set_by=row["set_by"], set_at=moment(row["set_at"]),
    )


def plan_item(row: Row) -> PlanItem:
    return PlanItem(
        period_id=row["period_id"], indicator=row["indicator"], from_level=from_x100(row["from_level_x100"]),
        to_level=from_x100(row["to_level_x100"]), owner_id=row["owner_id"], due_on=day_or_none(row["due_on"]),
        created_by=row["created_by"], created_at=moment(row["created_at"]), updated_by=row["updated_by"],
        updated_at=moment(row["updated_at"]),
    )
