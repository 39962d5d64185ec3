"""The ``spbe-bot`` command line: one parser, sub-commands registered by feature modules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import cli_bot, cli_evidence, cli_knowledge, cli_reports, cli_storage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spbe-bot",
        description="SPBE evaluation assistant: knowledge packs, scoring, storage and the bot.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_bot.register(commands)
    cli_knowledge.register(commands)
    cli_storage.register(commands)
    cli_reports.register(commands)
    cli_evidence.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
