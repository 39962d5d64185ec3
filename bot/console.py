"""The local console chat: the same engine and templates, in a terminal, without a token.

The console user is an operator. On first use it gets a trial institution with the koordinator
role so everything can be tried at once. Buttons are shown numbered; type ``#N`` to press one.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.messages import MessageBuilder
from bot.render import Renderer, plain
from bot.report_words import CatalogWords
from bot.runtime import open_engine
from conversations.engine import Engine
from conversations.events import Chat, Command, Press, Text, User
from conversations.replies import Outcome
from reports.jobs import Options, files
from storage.models import InstitutionKind, Role

CONSOLE_USER_ID = 1
TRIAL_INSTITUTION = "Instansi Uji Coba (konsol)"
QUIT = {"/keluar", "/quit", "/exit", "keluar", "exit", "quit"}


class Console:
    """``folder``: where the files of /ekspor and /grafik are written (the current folder)."""

    def __init__(self, engine: Engine, user: User, out: TextIO, folder: Path = Path(), options: Options | None = None) -> None:
        self.engine = engine
        self.folder = folder
        self.options = options or Options()
        self.user = user
        self.chat = Chat(user.id, "private")
        self.out = out
        self.builder = MessageBuilder(Renderer())
        self.buttons: list[str] = []
        self._message_ids = itertools.count(1)

    async def ensure_trial_membership(self) -> None:
        async with self.engine.db.transaction() as tx:
            memberships = await tx.members.memberships(self.user.id)
            if memberships:
                return
            institution = await tx.institutions.create(name=TRIAL_INSTITUTION, kind=InstitutionKind.KABUPATEN, region=None)
            await tx.members.add(institution_id=institution.id, user_id=self.user.id, display_name=self.user.name, role=Role.KOORDINATOR,
                                 language=self.user.language)

    def event_for(self, line: str):
        if line.startswith("#") and line[1:].isdigit():
            index = int(line[1:]) - 1
            if not 0 <= index < len(self.buttons):
                return None
            return Press(self.user, self.chat, None, data=self.buttons[index], message_id=None)
        if line.startswith("/"):
            head, args = ([*line.split(None, 1), ""])[:2]  # the command ends at the first whitespace of any kind
            return Command(self.user, self.chat, None, name=head[1:].split("@")[0].lower(), args=args.strip())
        return Text(self.user, self.chat, None, text=line)

    async def show(self, outcome: Outcome) -> None:
        self.buttons = []
        if outcome.toast:
            self.out.write(f"  ({plain(self.builder.renderer.macro('short', outcome.toast, outcome.lang, **outcome.toast_args))})\n")
        for reply in outcome.replies:
            message = self.builder.build(reply, outcome.lang)
            self.out.write("\n" + "\n".join(plain(chunk) for chunk in message.chunks) + "\n")
            labels = []
            for row in message.keyboard:
                for button in row:
                    self.buttons.append(button.data)
                    labels.append(f"[#{len(self.buttons)}] {button.text}")
            if labels:
                self.out.write("  " + "  ".join(labels) + "\n")
            if reply.card:
                await self.engine.remember_card(self.user.id, self.chat.id, next(self._message_ids))
        for job in outcome.files:
            made = await asyncio.to_thread(files, job.kind, job.snapshot, CatalogWords(outcome.lang), self.options)
            for file in made:
                (self.folder / file.name).write_bytes(file.data)
                self.out.write(f"  [file] {self.folder / file.name} ({len(file.data):,} bytes)\n")
        self.out.flush()

    async def run(self, lines: TextIO) -> None:
        await self.ensure_trial_membership()
        self.out.write(
            "SPBE evaluation assistant: local console (no Telegram token).\n"
            "Type as you would in Telegram; #N presses button N; /keluar quits.\n"
        )
        await self.show(await self.engine.handle(Command(self.user, self.chat, None, name="start")))
        while True:
            self.out.write("\n> ")
            self.out.flush()
            line = await asyncio.to_thread(lines.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if line.lower() in QUIT:
                break
            event = self.event_for(line)
            if event is None:
                self.out.write(f"  No button {line}; there are {len(self.buttons)}.\n")
                continue
            await self.show(await self.engine.handle(event))


def run_console(settings: Settings, lines: TextIO | None = None, out: TextIO | None = None) -> None:
    async def main() -> None:
        user = User(CONSOLE_USER_ID, getpass.getuser() or "Operator", settings.default_language)
        async with open_engine(settings, admin_ids=settings.admin_ids | {CONSOLE_USER_ID}) as engine:
            await Console(engine, user, out or sys.stdout, options=Options(settings.minutes_template)).run(lines or sys.stdin)

    asyncio.run(main())
