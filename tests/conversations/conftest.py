"""The engine without Telegram: a client that sends events and presses the buttons of replies."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conversations.context import EngineConfig
from conversations.engine import Engine
from conversations.events import Chat, Command, Edited, Event, Press, Text, Upload, User
from conversations.evidence import DownloadError
from conversations.replies import Button, Outcome, Reply
from conversations.states import Position
from knowledge.packs import PackRegistry
from storage.files.local import LocalFileStore
from storage.models import Role
from tests.backends import Backend

OPERATOR = 1
PACKS = PackRegistry.load()
_updates = itertools.count(1)


class Client:
    """One user talking to the engine; remembers the buttons of the last replies."""

    def __init__(self, engine: Engine, user_id: int, name: str, *, chat: Chat | None = None, language: str = "id") -> None:
        self.engine = engine
        self.user = User(user_id, name, language)
        self.chat = chat or Chat(user_id, "private")
        self.last: Outcome = Outcome()
        self.kept: list[Outcome] = []

    async def send(self, event: Event) -> Outcome:
        self.last = await self.engine.handle(event)
        self.kept.append(self.last)
        return self.last

    async def command(self, name: str, args: str = "", **extra: object) -> Outcome:
        return await self.send(Command(self.user, self.chat, next(_updates), name=name, args=args, **extra))  # type: ignore[arg-type]

    async def text(self, text: str, update_id: int | None = None) -> Outcome:
        return await self.send(Text(self.user, self.chat, update_id or next(_updates), text=text))

    async def edit(self, message_id: int = 1) -> Outcome:
        return await self.send(Edited(self.user, self.chat, next(_updates), message_id=message_id))

    async def upload(self, kind: str = "document", **fields: object) -> Outcome:
        fields.setdefault("file_id", "f")
        fields.setdefault("file_unique_id", "u")
        return await self.send(Upload(self.user, self.chat, next(_updates), kind=kind, **fields))  # type: ignore[arg-type]

    def button(self, label: str, outcome: Outcome | None = None, **args: object) -> Button:
        for reply in (outcome or self.last).replies:
            for row in reply.buttons:
                for button in row:
                    if button.label == label and all(button.args.get(k) == v for k, v in args.items()):
                        return button
        shown = [[b.label for b in r] for x in (outcome or self.last).replies for r in x.buttons]
        raise AssertionError(f"no button {label} {args} in {shown}")

    async def press(self, label: str, outcome: Outcome | None = None, **args: object) -> Outcome:
        """Press the button of the last replies (or of ``outcome``, an older message) whose label and args match."""
        return await self.press_data(self.button(label, outcome, **args).data)

    async def press_data(self, data: str) -> Outcome:
        return await self.send(Press(self.user, self.chat, next(_updates), data=data))

    async def position(self) -> Position:
        return Position.from_document(self.user.id, await self.engine.db.read.positions.document(self.user.id))

    def reply(self) -> Reply:
        return self.last.replies[-1]

    def views(self) -> list[str]:
        return [r.view for r in self.last.replies]


@pytest.fixture
def clock() -> list[datetime]:
    """The engine's clock; tests set ``clock[0]``."""
    return [datetime(2026, 12, 1, 3, 0, tzinfo=UTC)]


class FakeFiles:
    """The bot's side of downloads: what each Telegram file id holds (by default, bytes made from
    the id), the downloads asked for, and a failure to give instead."""

    def __init__(self) -> None:
        self.content: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self.fail: DownloadError | None = None

    async def download(self, file_id: str) -> bytes:
        self.downloads.append(file_id)
        if self.fail is not None:
            raise self.fail
        return self.content.get(file_id, f"content of {file_id}".encode())


@pytest.fixture
async def engine(backend: Backend, tmp_path: Path, clock: list[datetime]) -> AsyncIterator[Engine]:
    db = await backend.open()
    engine = Engine(db, PACKS, EngineConfig(admin_ids=frozenset({OPERATOR})), clock=lambda: clock[0],
                    files=LocalFileStore(tmp_path / "evidence"))
    engine.source = FakeFiles()
    yield engine
    await db.close()


def fake_files(engine: Engine) -> FakeFiles:
    assert isinstance(engine.source, FakeFiles)
    return engine.source


async def institution_with(engine: Engine, *people: tuple[int, str, Role], name: str = "Kota Contoh") -> int:
    async with engine.db.transaction() as tx:
        institution = await tx.institutions.create(name=name, kind="kota")
        for user_id, display, role in people:
            await tx.members.add(institution_id=institution.id, user_id=user_id, display_name=display, role=role)
    return institution.id


async def officer_of_new_institution(engine: Engine, user_id: int = 50, name: str = "Wati") -> Client:
    await institution_with(engine, (user_id, name, Role.OFFICER))
    return Client(engine, user_id, name)


async def stored(engine: Engine, client: Client) -> dict[int, tuple[int, str | None]]:
    """Indicator -> (level, penjelasan) of the client's period."""
    position = await client.position()
    assert position.period_id is not None
    return {a.indicator: (int(a.level), a.explanation) for a in await engine.db.read.answers.list(position.period_id)}


