"""CLI commands that run the assistant: ``run`` (long polling) and ``console`` (terminal chat)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

# Edits are delivered so the bot can say they are not read again (see conversations.events.Edited).
ALLOWED_UPDATES = ["message", "edited_message", "inline_query", "callback_query", "my_chat_member"]


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="run the Telegram bot (long polling); without a token, the console chat")
    run.set_defaults(handler=cmd_run)
    console = commands.add_parser("console", help="chat with the assistant in this terminal (no token needed)")
    console.set_defaults(handler=cmd_console)
    diagram = commands.add_parser("diagram", help="print the conversation's state diagram (Mermaid), generated from its routing table")
    diagram.set_defaults(handler=cmd_diagram)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings  # imported here: the other commands start faster

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.app import build_application
    from bot.runtime import configure_logging

    configure_logging(settings.log_level, secrets=[settings.token] if settings.token else [])
    if not settings.token:
        print(
            "No SPBE_BOT_TOKEN is set, so the local console chat starts instead.\n"
            "To run the Telegram bot, get a token from @BotFather and put SPBE_BOT_TOKEN=... in .env (see README).\n",
            file=sys.stderr,
        )
        return cmd_console(args)
    build_application(settings).run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.console import run_console

    run_console(settings)
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    from conversations.machine import mermaid

    print(mermaid(), end="")
    return 0
