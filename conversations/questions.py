"""Free questions about the framework, answered from the knowledge base only (/tanya, or plain text)."""

from __future__ import annotations

from conversations import callbacks as cb
from conversations.context import Turn
from conversations.replies import Button, Outcome, Refusal, Reply, short
from knowledge.answering import Answer


async def framework_for(turn: Turn) -> str:
    """The framework of the period the user works on (or the group's institution), else the default."""
    period = None
    if turn.event.chat.private and turn.position.period_id:
        period = await turn.tx.periods.get(turn.position.period_id)
    elif turn.event.chat.private:  # a member who has not opened the evaluation yet: their institution's
        memberships = [m for m in await turn.tx.members.memberships(turn.user_id) if m.active]
        period = await turn.tx.periods.latest(memberships[0].institution_id) if memberships else None
    else:
        group = await turn.tx.groups.get(turn.event.chat.id)
        period = await turn.tx.periods.latest(group.institution_id) if group else None
    framework = period.framework if period else turn.config.default_framework
    return framework if framework in turn.packs else turn.config.default_framework


async def ask(turn: Turn, question: str) -> Outcome:
    if not question.strip():
        return Outcome([short("ask_usage")])
    framework = await framework_for(turn)
    answer = turn.library.answerer(framework).ask(question)
    # Candidate buttons only in private chat: in a group anyone could press them.
    return Outcome([answer_reply(turn, answer, buttons=turn.event.chat.private)])


def answer_reply(turn: Turn, answer: Answer, *, buttons: bool = True) -> Reply:
    """The answer in its own framework's pack (a question may name another framework than the user's)."""
    framework = answer.framework
    rows = []
    if buttons and not answer.sure:
        entities = turn.library.answerer(framework).entities
        for candidate in answer.candidates:
            if candidate.kind == "indicator":
                level = answer.level if answer.level is not None else "-"
                data = cb.make("qa", framework, int(candidate.key), level)
            else:
                index = next(i for i, e in enumerate(entities) if (e.kind, e.key) == (candidate.kind, candidate.key))
                data = cb.make("qk", framework, index)
            rows.append([Button("candidate", data, {"title": candidate.title})])
    return Reply("answer", {"pack": turn.packs.get(framework), "answer": answer}, rows)


async def candidate(turn: Turn) -> Outcome:
    """The user picked one of the candidates offered with an unsure answer."""
    press = turn.press
    framework = press.str("framework")
    if framework not in turn.packs:
        raise Refusal("stale_button", toast="toast_stale")
    answerer = turn.library.answerer(framework)
    if press.action == "qa":
        number, level = press.int("indicator"), press.str("level")
        if not turn.packs.get(framework).has_indicator(number):
            raise Refusal("stale_button", toast="toast_stale")
        answer = answerer.ask(f"indikator {number}" + (f" level {level}" if level != "-" else ""))
    else:
        index = press.int("entity")
        if index >= len(answerer.entities):
            raise Refusal("stale_button", toast="toast_stale")
        answer = answerer.answer_entity(answerer.entities[index])
    return Outcome([answer_reply(turn, answer)], toast="toast_done")


INLINE_ANSWERS = 4  # the best answer and, when unsure, the candidates (Telegram shows a short list)


async def inline(turn: Turn, query: str) -> Outcome:
    """``@bot question`` in any chat: the answer and, when unsure, the candidates, as articles the
    user can drop into the chat. Read only; nothing is stored."""
    if not query.strip():
        return Outcome([short("inline_help")])
    answer = turn.library.answerer(await framework_for(turn)).ask(query)
    answerer = turn.library.answerer(answer.framework)  # the question may name another framework
    answers = [answer]
    if not answer.sure:
        for c in answer.candidates[: INLINE_ANSWERS - 1]:
            if c.kind == "indicator":
                level = f" level {answer.level}" if answer.level is not None else ""
                answers.append(answerer.ask(f"indikator {c.key}{level}"))
            else:
                entity = next((e for e in answerer.entities if (e.kind, e.key) == (c.kind, c.key)), None)
                if entity is not None:
                    answers.append(answerer.answer_entity(entity))
    return Outcome([answer_reply(turn, a, buttons=False) for a in answers])
