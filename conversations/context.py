"""What one event is handled with: the transaction, the user's stored position, the packs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from conversations.callbacks import Callback
from conversations.events import Event, Text
from conversations.replies import Refusal
from conversations.states import IDLE, Position, State, Step, StepModel
from knowledge.answering import Library
from knowledge.packs import PackRegistry
from storage.repositories import Session

S = TypeVar("S", bound=StepModel)


@dataclass(frozen=True)
class EngineConfig:
    admin_ids: frozenset[int] = frozenset()
    default_framework: str = "spbe-2020"
    bot_username: str = "spbe_bot"
    bot_id: int = 0  # the bot's Telegram id: update ids are numbered per bot (0: the console, tests)
    default_language: str = "id"
    invite_days: int = 7
    timezone: str = "Asia/Jakarta"  # deadlines, overdue items, reminder hours and the period's year are in this zone


@dataclass
class Turn:
    """One event being handled: everything a handler reads or changes goes through here."""

    event: Event
    tx: Session
    position: Position
    packs: PackRegistry
    library: Library
    config: EngineConfig
    now: datetime
    lang: str = "id"
    callback: Callback | None = None  # the parsed button data, for presses
    read_only: bool = False  # ``tx`` is the reader connection (a route that only reads, see Engine.handle)

    @property
    def user_id(self) -> int:
        return self.event.user.id

    @property
    def state(self) -> State:
        return self.position.state

    @property
    def text(self) -> str:
        assert isinstance(self.event, Text)
        return self.event.text

    @property
    def press(self) -> Callback:
        assert self.callback is not None
        return self.callback

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(ZoneInfo(self.config.timezone))

    @property
    def today(self) -> date:
        return self.local_now.date()

    def step_as(self, kind: type[S]) -> S:
        """The current step if it is a ``kind``; a press or input meant for another step is stale."""
        step = self.position.step
        if not isinstance(step, kind):
            raise Refusal("stale_button", toast="toast_stale")
        return step

    def move(self, **place: Any) -> None:
        """Change where the user is (institution, period, open indicator, card); saved when the turn ends."""
        self.position = self.position.model_copy(update=place)

    def enter(self, step: Step) -> None:
        """Change what the assistant waits for; saved when the turn ends."""
        if step != self.position.step:
            self.position = self.position.model_copy(update={"step": step})

    def leave(self) -> None:
        self.enter(IDLE)
