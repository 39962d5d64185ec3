"""Bukti dukung: a document or photo sent while an indicator is open is kept for that indicator."""

from __future__ import annotations

from conversations import access
from conversations.context import Turn
from conversations.events import Upload
from conversations.replies import Outcome, Refusal, short
from conversations.states import Explanation, ExplanationCheck, State
from storage.models import AnswerStatus

CAPTION_LIMIT = 1024
KINDS = {"document", "photo"}


def is_evidence(upload: Upload) -> bool:
    return upload.kind in KINDS and bool(upload.file_id and upload.file_unique_id)


async def receive(turn: Turn) -> Outcome:
    """A file sent in private chat: kept as evidence when it is a document or photo."""
    upload = turn.event
    assert isinstance(upload, Upload)
    if not is_evidence(upload):
        if turn.state in {State.EXPLANATION, State.EXPLANATION_CHECK}:
            return Outcome([short("need_text", what="penjelasan")])
        return Outcome([short("upload_not_supported", kind=upload.kind)])
    return await keep(turn, upload)


async def keep(turn: Turn, upload: Upload) -> Outcome:
    """Store the file once per institution and link it to the open indicator (a file can support
    several): the one whose penjelasan is being written, else the one whose card is open."""
    position = turn.position
    step = position.step
    waiting = isinstance(step, Explanation | ExplanationCheck)
    period_id = step.period_id if isinstance(step, Explanation | ExplanationCheck) else position.period_id
    number = step.indicator if isinstance(step, Explanation | ExplanationCheck) else position.indicator
    period = await turn.tx.periods.get(period_id) if period_id else None
    if period is None or number is None:
        return Outcome([short("evidence_needs_card")])
    await access.membership(turn, period.institution_id)
    answer = await turn.tx.answers.get(period.id, number)
    if answer is not None and answer.status == AnswerStatus.FINAL:
        raise Refusal("locked", number=number)
    assert upload.file_id and upload.file_unique_id
    kept = await turn.tx.evidence.add(
        institution_id=period.institution_id, file_id=upload.file_id, file_unique_id=upload.file_unique_id,
        kind=upload.kind, uploaded_by=turn.user_id, file_name=upload.file_name, size=upload.size,
        caption=(upload.caption or "")[:CAPTION_LIMIT] or None,
    )
    await turn.tx.evidence.link(kept.id, period.id, number, by=turn.user_id)
    files = await turn.tx.evidence.for_answer(period.id, number)
    return Outcome([short("evidence_saved", name=kept.file_name or upload.kind, number=number, count=len(files), waiting=waiting)])
