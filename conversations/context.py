"""What one event is handled with: the transaction, the user's stored position, the packs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import Any

from conversations.events import Event
from knowledge.answering import Library
from knowledge.packs import PackRegistry


@dataclass(frozen=True)
class EngineConfig:
    admin_ids: frozenset[int] = frozenset()
    default_framework: str = "spbe-2020"
    bot_username: str = "spbe_bot"
    default_language: str = "id"
    invite_days: int = 7
    timezone: str = "Asia/Jakarta"  # deadlines, overdue items and reminder hours are in this zone


@dataclass
class Turn:
    """One event being handled: everything a handler reads or changes goes through here."""

    event: Event
    tx: Any  # the storage transaction (repositories: tx.members, tx.answers, ...)
    position: Any  # storage Position of the user, saved at the end of the turn
    packs: PackRegistry
    library: Library
    config: EngineConfig
    now: datetime
    lang: str = "id"
    changed: bool = field(default=False)

    @property
    def user_id(self) -> int:
        return self.event.user.id

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(ZoneInfo(self.config.timezone))

    @property
    def today(self) -> date:
        return self.local_now.date()

    def move(self, **changes: Any) -> None:
        """Change the stored position (saved when the turn ends)."""
        self.position = self.position.model_copy(update=changes)
        self.changed = True
