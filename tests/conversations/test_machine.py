"""The routing table: complete, honest about where it leads, and the documented diagram is its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conversations import callbacks as cb
from conversations import machine
from conversations.engine import Engine
from conversations.events import Chat, Press, User
from conversations.states import State
from tests.conversations.conftest import officer_of_new_institution

DOC = Path(__file__).resolve().parents[2] / "docs" / "conversation.md"


@pytest.mark.parametrize("state", list(State))
def test_every_state_answers_text_uploads_and_edits(state: State) -> None:
    for trigger in ("text", "upload", "edited"):
        assert machine.input_route(state, trigger) is not None


def test_every_button_action_has_a_route_and_every_route_a_known_action() -> None:
    routed = {action for _, action in machine.PRESSES}
    assert routed == set(cb.ACTIONS)


def test_the_documented_diagram_is_generated_from_the_table() -> None:
    block = re.search(r"```mermaid\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/conversation.md has no mermaid block"
    assert block.group(1) == machine.mermaid(), "run `spbe-bot diagram` and paste its output into docs/conversation.md"


@pytest.mark.parametrize("data", ["lvx:1:1:3", "lv:1:1:3:", "lv1:1:3", "l:1:1:3", "cdx:1:2", "xs:1:2:3", "LV:1:1:3"])
def test_callback_actions_are_matched_whole(data: str) -> None:
    with pytest.raises(cb.CallbackError):
        cb.parse(data)


async def test_a_handler_leading_to_an_undeclared_state_is_refused(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    officer = await officer_of_new_institution(engine)
    await officer.command("mulai")
    await officer.press("menu")
    jump = machine.PRESSES[(machine.ANY, "jp")]
    monkeypatch.setitem(machine.PRESSES, (machine.ANY, "jp"), machine.PeriodRoute(jump.handler))  # declares no state
    with pytest.raises(RuntimeError, match="does not declare"):
        await officer.press("jump")
    assert (await officer.position()).state == State.IDLE  # and nothing of it was stored


def test_a_press_said_never_to_read_only_reads_only_in_no_state() -> None:
    """``may_read_only`` lets the engine skip the reader for a press: it must be False only for
    actions whose every route writes (a level pressed on the card is one of them)."""
    chat, user = Chat(1, "private"), User(1, "Budi")
    for action in cb.ACTIONS:
        press = Press(user, chat, 1, data=f"{action}:1:1")
        assert machine.may_read_only(press) == any(machine.reads_only(press, state) for state in State), action
    assert not machine.may_read_only(Press(user, chat, 1, data=cb.make("lv", 1, 1, 3)))
