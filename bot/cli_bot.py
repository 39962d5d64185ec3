"""CLI commands that run the assistant: ``run`` (long polling, or webhooks with ``SPBE_WEBHOOK_URL``)
and ``console`` (terminal chat).

A start that cannot succeed (a malformed setting, a database file that cannot be used, a token
Telegram rejects, no network) ends with one line on stderr and a non-zero exit code: 2 for a
setting, 1 for the rest. Never a traceback, never the token.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings

# Edits are delivered so the bot can say they are not read again (see conversations.events.Edited).
ALLOWED_UPDATES = ["message", "edited_message", "inline_query", "callback_query", "my_chat_member"]


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="run the Telegram bot (long polling, or webhooks with SPBE_WEBHOOK_URL); "
                                          "without a token, the console chat")
    run.set_defaults(handler=cmd_run)
    console = commands.add_parser("console", help="chat with the assistant in this terminal (no token needed)")
    console.set_defaults(handler=cmd_console)
    diagram = commands.add_parser("diagram", help="print the conversation's state diagram (Mermaid), generated from its routing table")
    diagram.set_defaults(handler=cmd_diagram)


def _fail(message: str, code: int = 1) -> int:
    print(f"spbe-bot: {message}", file=sys.stderr)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings  # imported here: the other commands start faster
    from storage.errors import StorageError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.runtime import StartFailure, check_start, configure_logging

    configure_logging(settings.log_level, secrets=settings.secrets)
    if not settings.token:
        print(
            "No SPBE_BOT_TOKEN is set, so the local console chat starts instead.\n"
            "To run the Telegram bot, get a token from @BotFather and put SPBE_BOT_TOKEN=... in .env (see README).\n",
            file=sys.stderr,
        )
        return cmd_console(args)
    import asyncio

    try:
        asyncio.run(check_start(settings))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (StorageError, StartFailure) as exc:
        return _fail(str(exc))
    return _run_bot(settings)


def _run_bot(settings: Settings) -> int:
    """Run the bot until it is stopped, polling or (``SPBE_WEBHOOK_URL``) serving the webhook; a
    failure on the way in is one line too (the database or the token may change between the check
    and the start)."""
    from telegram.error import InvalidToken, NetworkError

    from bot.config import ConfigError
    from bot.runtime import StartFailure
    from storage.errors import StorageError

    token = settings.token or ""
    try:
        if settings.webhook_url:
            import asyncio

            from bot.webhook import serve

            asyncio.run(serve(settings, ALLOWED_UPDATES))
        else:
            from bot.app import build_application

            build_application(settings).run_polling(allowed_updates=ALLOWED_UPDATES)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (StorageError, StartFailure) as exc:
        return _fail(str(exc))
    except InvalidToken:
        return _fail("Telegram rejected the bot token (SPBE_BOT_TOKEN): get the current one from @BotFather and put it in .env")
    except NetworkError as exc:
        return _fail(f"cannot reach the Bot API: {' '.join(str(exc).replace(token, '<token>').split())}")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_settings
    from storage.errors import StorageError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.console import run_console

    try:
        run_console(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except StorageError as exc:
        return _fail(str(exc))
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    from conversations.machine import mermaid

    print(mermaid(), end="")
    return 0
