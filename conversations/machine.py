"""The conversation as a table: (state, trigger) -> handler, with the states each handler may lead to.

A trigger is what happened: ``text`` (a typed message), ``upload`` (anything not text), ``edited``
(an edit of an earlier message), a command (``/loncat``), or a button action (``lv``, ``xs``...; see
``conversations.callbacks``). A route for :data:`ANY` state applies where the state has none of
its own. The engine refuses a handler that leaves the user in a state its route does not declare,
so :func:`mermaid` (the state diagram in ``docs/conversation.md``) cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache

from conversations import (
    assignments,
    checklist,
    evidence,
    explanations,
    exports,
    groups,
    locking,
    navigation,
    periods,
    plans,
    questions,
    register,
    review,
    schedule,
    team,
)
from conversations.context import Turn
from conversations.events import Command, Event, Press, Text
from conversations.replies import Outcome, Refusal, Reply, short
from conversations.states import State
from knowledge.models import Pack
from storage.models import Period

ANY: State | None = None
TurnHandler = Callable[[Turn], Awaitable[Outcome]]
PeriodHandler = Callable[[Turn, Period, Pack], Awaitable[Outcome]]
CommandHandler = Callable[[Turn, Command], Awaitable[Outcome]]


@dataclass(frozen=True)
class Route:
    handler: TurnHandler
    to: frozenset[State] = frozenset()  # besides staying in the state it came from
    # The handler only reads: the engine answers it from the reader connection, without a
    # transaction (and takes the writer after all when the turn changes the position).
    read_only: bool = False


@dataclass(frozen=True)
class PeriodRoute:
    """A button that names a period: the engine checks the presser's membership and the
    indicator before the handler runs. Only ``group`` buttons work in group chats."""

    handler: PeriodHandler
    to: frozenset[State] = frozenset()
    group: bool = False
    read_only: bool = False


@dataclass(frozen=True)
class PressRoute:
    """A button that names no period (the handler checks what its fields name)."""

    handler: TurnHandler
    to: frozenset[State] = frozenset()
    group: bool = False
    read_only: bool = False


@dataclass(frozen=True)
class CommandRoute:
    handler: CommandHandler
    to: frozenset[State] = frozenset({State.IDLE})
    private: bool = True
    group: bool = False
    keeps_step: bool = False  # answered without ending an awaited input (/tanya, /bantuan)
    read_only: bool = False


def to(*states: State) -> frozenset[State]:
    return frozenset(states)


# --- small handlers that belong to no feature -------------------------------------------------------


async def _help(turn: Turn, command: Command | None = None) -> Outcome:
    return Outcome([Reply("help")])


async def _ask(turn: Turn, command: Command) -> Outcome:
    return await questions.ask(turn, command.args)


async def _question(turn: Turn) -> Outcome:
    return await questions.ask(turn, turn.text) if turn.event.chat.private else Outcome()


async def _cancel(turn: Turn, command: Command) -> Outcome:
    if turn.state == State.IDLE:
        return Outcome([short("nothing_to_cancel")])
    turn.leave()
    return Outcome([short("cancelled")])


def _private(turn: Turn, reply: Reply) -> Outcome:
    """Typed input outside private chat is not for the assistant (privacy mode shows it little)."""
    return Outcome([reply]) if turn.event.chat.private else Outcome()


async def _use_buttons(turn: Turn) -> Outcome:
    return _private(turn, short("use_buttons"))


async def _guided_buttons(turn: Turn) -> Outcome:
    return _private(turn, short("guided_use_buttons"))


async def _need_number(turn: Turn) -> Outcome:
    return _private(turn, short("need_text", what="nomor"))


async def _need_date(turn: Turn) -> Outcome:
    return _private(turn, short("need_text", what="tanggal"))


async def _need_answer(turn: Turn) -> Outcome:
    return _private(turn, short("need_text", what="jawaban"))


async def _edited(turn: Turn) -> Outcome:
    return _private(turn, short("edit_not_read"))


async def _evidence(turn: Turn) -> Outcome:
    return await evidence.receive(turn) if turn.event.chat.private else Outcome()


async def _need_file(turn: Turn) -> Outcome:
    return _private(turn, short("need_correction_file"))


async def _stale(turn: Turn) -> Outcome:
    raise Refusal("stale_button", toast="toast_stale")


# --- the table ----------------------------------------------------------------------------------

S = State
INPUTS: dict[tuple[State | None, str], Route] = {
    (S.IDLE, "text"): Route(_question, read_only=True),
    (S.EXPLANATION, "text"): Route(explanations.typed, to(S.EXPLANATION_CHECK, S.IDLE)),
    (S.EXPLANATION_CHECK, "text"): Route(explanations.typed, to(S.EXPLANATION, S.IDLE)),
    (S.JUMP, "text"): Route(navigation.jump_typed, to(S.IDLE)),
    (S.VALUE, "text"): Route(navigation.value_typed, to(S.IDLE, S.EXPLANATION)),
    (S.GUIDED, "text"): Route(_guided_buttons),
    (S.INVITE_CODE, "text"): Route(team.code_typed, to(S.IDLE)),
    (S.INSTITUTION_NAME, "text"): Route(team.institution_name, to(S.INSTITUTION_KIND)),
    (S.INSTITUTION_KIND, "text"): Route(_use_buttons),
    (S.INSTITUTION_REGION, "text"): Route(team.institution_region, to(S.IDLE)),
    (S.PLAN_DUE, "text"): Route(plans.due_typed, to(S.IDLE)),
    (S.EVIDENCE_TITLE, "text"): Route(register.title_typed, to(S.IDLE)),
    (S.EVIDENCE_DOCUMENT, "text"): Route(register.document_typed, to(S.IDLE)),
    (S.EVIDENCE_LINK, "text"): Route(register.link_typed, to(S.IDLE)),
    (S.REVIEW_NOTE, "text"): Route(review.note_typed, to(S.IDLE)),
    (S.EVIDENCE_REPLACE, "text"): Route(_need_file),
    (S.IDLE, "upload"): Route(_evidence),
    (S.EXPLANATION, "upload"): Route(_evidence),
    (S.EXPLANATION_CHECK, "upload"): Route(_evidence),
    (S.JUMP, "upload"): Route(_need_number),
    (S.VALUE, "upload"): Route(_need_number),
    (S.GUIDED, "upload"): Route(_guided_buttons),
    (S.INVITE_CODE, "upload"): Route(_need_answer),
    (S.INSTITUTION_NAME, "upload"): Route(_need_answer),
    (S.INSTITUTION_KIND, "upload"): Route(_use_buttons),
    (S.INSTITUTION_REGION, "upload"): Route(_need_answer),
    (S.PLAN_DUE, "upload"): Route(_need_date),
    (S.EVIDENCE_TITLE, "upload"): Route(_need_answer),
    (S.EVIDENCE_DOCUMENT, "upload"): Route(_need_answer),
    (S.EVIDENCE_LINK, "upload"): Route(_need_number),
    (S.REVIEW_NOTE, "upload"): Route(_need_answer),
    (S.EVIDENCE_REPLACE, "upload"): Route(_evidence, to(S.IDLE)),
    (ANY, "edited"): Route(_edited),
}

PRESSES: dict[tuple[State | None, str], PeriodRoute | PressRoute] = {
    (ANY, "cd"): PeriodRoute(navigation.show_card, to(S.IDLE)),
    (ANY, "lv"): PeriodRoute(navigation.level, to(S.IDLE, S.EXPLANATION, S.VALUE)),
    (ANY, "cr"): PeriodRoute(navigation.criteria, read_only=True),
    (ANY, "ev"): PeriodRoute(navigation.criteria, read_only=True),
    (ANY, "gd"): PeriodRoute(navigation.guided_start, to(S.GUIDED)),
    (ANY, "ga"): PeriodRoute(navigation.guided_answer, to(S.IDLE)),
    (ANY, "nx"): PeriodRoute(navigation.skip, to(S.IDLE)),
    (ANY, "pv"): PeriodRoute(navigation.previous, to(S.IDLE)),
    (ANY, "mn"): PeriodRoute(navigation.menu, read_only=True),
    (ANY, "jp"): PeriodRoute(navigation.jump, to(S.JUMP)),
    (ANY, "ls"): PeriodRoute(navigation.listing, read_only=True),
    (ANY, "ps"): PeriodRoute(navigation.pause, to(S.IDLE)),
    (ANY, "sm"): PeriodRoute(navigation.show_summary, read_only=True),
    (ANY, "sv"): PeriodRoute(navigation.summary_view, read_only=True),
    (ANY, "xo"): PeriodRoute(explanations.open_input, to(S.EXPLANATION)),
    (S.EXPLANATION, "xc"): PeriodRoute(explanations.cancel, to(S.IDLE)),
    (S.EXPLANATION, "sk"): PeriodRoute(explanations.cancel, to(S.IDLE)),
    (S.EXPLANATION_CHECK, "xc"): PeriodRoute(explanations.cancel, to(S.IDLE)),
    (S.EXPLANATION_CHECK, "xs"): PeriodRoute(explanations.keep_checked, to(S.IDLE)),
    (S.EXPLANATION_CHECK, "xq"): PeriodRoute(explanations.not_explanation, to(S.EXPLANATION)),
    (ANY, "rq"): PeriodRoute(periods.set_explanation),
    (ANY, "ex"): PeriodRoute(exports.export_pressed, group=True),
    (ANY, "pl"): PeriodRoute(plans.show),
    (ANY, "pc"): PeriodRoute(plans.target_choices),
    (ANY, "pt"): PeriodRoute(plans.target_pressed),
    (ANY, "pp"): PeriodRoute(plans.proposal_pressed),
    (ANY, "pa"): PeriodRoute(plans.accept),
    (ANY, "pn"): PeriodRoute(plans.item_pressed),
    (ANY, "pi"): PeriodRoute(plans.level_pressed),
    (ANY, "pm"): PeriodRoute(plans.owner_list),
    (ANY, "po"): PeriodRoute(plans.owner_set),
    (ANY, "pd"): PeriodRoute(plans.due_ask, to(S.PLAN_DUE)),
    (ANY, "px"): PeriodRoute(plans.remove),
    (ANY, "ct"): PressRoute(navigation.continue_pressed, to(S.IDLE)),
    (ANY, "pf"): PressRoute(periods.start, to(S.IDLE)),
    (ANY, "rl"): PressRoute(team.create_invite),
    (ANY, "mm"): PressRoute(team.member_action),
    (ANY, "st"): PressRoute(team.start_choice, to(S.IDLE, S.INVITE_CODE, S.INSTITUTION_NAME)),
    (S.INSTITUTION_KIND, "ik"): PressRoute(team.institution_kind, to(S.INSTITUTION_REGION)),
    (ANY, "ap"): PressRoute(assignments.picked, group=True),
    (ANY, "bl"): PeriodRoute(register.list_page, read_only=True),
    (ANY, "bi"): PeriodRoute(register.open_item, to(S.IDLE)),
    (ANY, "bs"): PeriodRoute(register.send_file, read_only=True),
    (ANY, "bt"): PeriodRoute(register.ask_title, to(S.EVIDENCE_TITLE)),
    (ANY, "bn"): PeriodRoute(register.ask_document, to(S.EVIDENCE_DOCUMENT)),
    (ANY, "bx"): PeriodRoute(register.ask_link, to(S.EVIDENCE_LINK)),
    (ANY, "ba"): PeriodRoute(register.link_suggested, to(S.IDLE)),
    (ANY, "rv"): PeriodRoute(review.open_review, read_only=True),
    (ANY, "ra"): PeriodRoute(review.verdict, to(S.IDLE, S.REVIEW_NOTE)),
    (ANY, "rf"): PeriodRoute(review.ask_correction, to(S.EVIDENCE_REPLACE)),
    (ANY, "cl"): PeriodRoute(checklist.show, read_only=True),
    (ANY, "ci"): PeriodRoute(checklist.open_item, read_only=True),
    (ANY, "cs"): PeriodRoute(checklist.tick),
    (ANY, "ck"): PeriodRoute(checklist.attach),
    (ANY, "qa"): PressRoute(questions.candidate, group=True, read_only=True),
    (ANY, "qk"): PressRoute(questions.candidate, group=True, read_only=True),
}
STALE = PressRoute(_stale, group=True)

COMMANDS: dict[str, CommandRoute] = {
    "tanya": CommandRoute(_ask, group=True, keeps_step=True, read_only=True),
    "bantuan": CommandRoute(_help, group=True, keeps_step=True, read_only=True),
    "start": CommandRoute(team.start, to(S.IDLE), group=True),
    "mulai": CommandRoute(navigation.continue_command),
    "ringkasan": CommandRoute(navigation.summary_command),
    "daftar": CommandRoute(navigation.list_command),
    "loncat": CommandRoute(navigation.jump_command, to(S.IDLE, S.JUMP)),
    "batal": CommandRoute(_cancel, keeps_step=True),
    "gabung": CommandRoute(team.join_command, to(S.IDLE, S.INVITE_CODE)),
    "instansi_baru": CommandRoute(team.new_institution, to(S.INSTITUTION_NAME)),
    "undang": CommandRoute(team.invite),
    "anggota": CommandRoute(team.members),
    "periode": CommandRoute(periods.choose),
    "penjelasan": CommandRoute(periods.explanation_setting),
    "tugas": CommandRoute(assignments.my_tasks),
    "riwayat": CommandRoute(locking.history),
    "bukti": CommandRoute(register.command),
    "revisi": CommandRoute(review.queue),
    "progres": CommandRoute(groups.progress_command, group=True),
    "hubungkan": CommandRoute(groups.link, group=True),
    "putuskan": CommandRoute(groups.unlink, group=True),
    "tugaskan": CommandRoute(assignments.assign, group=True),
    "tenggat": CommandRoute(schedule.deadlines, group=True),
    "pengingat": CommandRoute(schedule.reminder_setting, group=True),
    "kunci": CommandRoute(locking.lock, group=True),
    "buka": CommandRoute(locking.reopen, group=True),
    "ekspor": CommandRoute(exports.export_command, group=True),
    "grafik": CommandRoute(exports.charts_command, group=True),
    "portal": CommandRoute(exports.portal_command),
    "rencana": CommandRoute(plans.command),
}
GROUP_COMMANDS = frozenset(name for name, route in COMMANDS.items() if route.group)


def input_route(state: State, trigger: str) -> Route:
    route = INPUTS.get((state, trigger)) or INPUTS.get((ANY, trigger))
    assert route is not None, f"no route for {trigger} in {state}"  # tests check the table is complete
    return route


def press_route(state: State, action: str) -> PeriodRoute | PressRoute:
    return PRESSES.get((state, action)) or PRESSES.get((ANY, action)) or STALE


def may_read_only(event: Event) -> bool:
    """Whether ``event`` takes a read-only route in some state. When it never does (a level pressed
    on the card), the engine goes to the writer at once, without reading the position to decide."""
    if isinstance(event, Press):
        return _press_may_read_only(event.data.split(":", 1)[0])
    return True


@cache
def _press_may_read_only(action: str) -> bool:
    return any(press_route(state, action).read_only for state in State)


def reads_only(event: Event, state: State) -> bool:
    """Whether the route ``event`` takes in ``state`` only reads (an unknown command is /bantuan)."""
    if isinstance(event, Command):
        return COMMANDS.get(event.name, COMMANDS["bantuan"]).read_only
    if isinstance(event, Press):
        action = event.data.split(":", 1)[0]
        return press_route(state, action).read_only
    if isinstance(event, Text):
        return input_route(state, "text").read_only
    return False


# --- the diagram --------------------------------------------------------------------------------


def mermaid() -> str:
    """The state diagram, generated from the tables (``spbe-bot diagram`` prints it)."""
    lines = ["stateDiagram-v2", "    direction LR", '    state "any state" as any', "    [*] --> idle"]

    def edge(source: State | None, target: State, label: str) -> None:
        lines.append(f"    {source.value if source else 'any'} --> {target.value} : {label}")

    for (state, trigger), route in INPUTS.items():
        for target in sorted(route.to - {state} if state else route.to):
            edge(state, target, trigger)
    for (state, action), press in PRESSES.items():
        for target in sorted(press.to - {state} if state else press.to):
            edge(state, target, f"button {action}")
    for name, command in COMMANDS.items():
        for target in sorted(command.to - {State.IDLE}):
            edge(ANY, target, f"/{name}")
    lines.append("    any --> idle : any other command")
    return "\n".join(lines) + "\n"
