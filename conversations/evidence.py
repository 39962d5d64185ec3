"""Bukti dukung: a document or photo sent while an indicator is open is kept for that indicator."""

from __future__ import annotations

from conversations import access
from conversations.context import Turn
from conversations.events import Upload
from conversations.replies import Outcome, Refusal, short
from storage.models import AnswerStatus

CAPTION_LIMIT = 1024
KINDS = {"document", "photo"}


def is_evidence(upload: Upload) -> bool:
    return upload.kind in KINDS and bool(upload.file_id and upload.file_unique_id)


async def keep(turn: Turn, upload: Upload) -> Outcome:
    """Store the file once per institution and link it to the open indicator (a file can support several)."""
    position = turn.position
    period = await turn.tx.periods.get(position.period_id) if position.period_id else None
    if period is None or position.indicator is None:
        return Outcome([short("evidence_needs_card")])
    await access.membership(turn, period.institution_id)
    answer = await turn.tx.answers.get(period.id, position.indicator)
    if answer is not None and answer.status == AnswerStatus.FINAL:
        raise Refusal("locked", number=position.indicator)
    kept = await turn.tx.evidence.add(
        institution_id=period.institution_id, file_id=upload.file_id, file_unique_id=upload.file_unique_id,
        kind=upload.kind, uploaded_by=turn.user_id, file_name=upload.file_name, size=upload.size,
        caption=(upload.caption or "")[:CAPTION_LIMIT] or None,
    )
    await turn.tx.evidence.link(kept.id, period.id, position.indicator, by=turn.user_id)
    files = await turn.tx.evidence.for_answer(period.id, position.indicator)
    return Outcome([short(
        "evidence_saved", name=kept.file_name or upload.kind, number=position.indicator, count=len(files),
        waiting=position.awaiting == "penjelasan",
    )])
