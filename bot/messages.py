"""Turning the engine's replies into message texts and keyboards, for Telegram and the terminal."""

from __future__ import annotations

from dataclasses import dataclass

from bot.render import Renderer, plain
from conversations.replies import Button, Reply

TELEGRAM_LIMIT = 4096


@dataclass(frozen=True)
class RenderedButton:
    text: str
    data: str


@dataclass(frozen=True)
class RenderedMessage:
    chunks: list[str]  # each at most TELEGRAM_LIMIT characters of visible text
    keyboard: list[list[RenderedButton]]


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at blank lines, then at line ends, so no chunk is over ``limit`` characters.

    Templates keep every HTML tag inside one line, so cutting between lines never splits a tag.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        pieces = [paragraph] if len(paragraph) <= limit else _split_lines(paragraph, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_lines(paragraph: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        if len(line) > limit and current:
            pieces.append(current)
            current = ""
        while len(line) > limit:  # a single over-long line: cut at a space
            cut = line.rfind(" ", 0, limit) if " " in line[:limit] else limit
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


class MessageBuilder:
    LABELS_KEPT = 4096  # rendered button labels kept; a card has about ten, mostly the same from card to card

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self._labels: dict[tuple[object, ...], str] = {}

    def text(self, reply: Reply, lang: str) -> str:
        if reply.view.startswith("short:"):
            return self.renderer.macro("short", reply.view.removeprefix("short:"), lang, **reply.data)
        return self.renderer.render(reply.view, lang, **reply.data)

    def button(self, button: Button, lang: str) -> RenderedButton:
        """The button with its label rendered; a label depends only on its name, language and
        arguments, so each is rendered once (the templates are read once, at start)."""
        try:
            key: tuple[object, ...] | None = (button.label, lang, *sorted(button.args.items()))
            label = self._labels.get(key)  # type: ignore[arg-type]
        except TypeError:  # an argument that cannot be a key: rendered each time
            key, label = None, None
        if label is None:
            label = plain(self.renderer.macro("buttons", button.label, lang, **button.args)).strip()
            if key is not None:
                if len(self._labels) >= self.LABELS_KEPT:
                    self._labels.clear()
                self._labels[key] = label
        return RenderedButton(label, button.data)

    def build(self, reply: Reply, lang: str) -> RenderedMessage:
        keyboard = [[self.button(b, lang) for b in row] for row in reply.buttons]
        return RenderedMessage(split_message(self.text(reply, lang)), keyboard)
