"""Compact callback data for inline buttons: ``action:field:field``, at most 64 bytes.

Buttons carry everything needed to act (period, indicator, level), so a card sent before a
restart still works. Nothing in the data is trusted: the engine checks who presses and whether
the period, indicator and level exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64

# action -> field names; each field has a pattern in _FIELDS.
ACTIONS: dict[str, tuple[str, ...]] = {
    "cd": ("period", "indicator"),  # show the card of an indicator
    "lv": ("period", "indicator", "level"),  # choose a level
    "cr": ("period", "indicator"),  # level criteria
    "ev": ("period", "indicator"),  # evidence per level
    "gd": ("period", "indicator"),  # guided mode: start
    "ga": ("period", "indicator", "level", "answer"),  # guided mode: yes/no for one level
    "sk": ("period", "indicator"),  # skip the penjelasan
    "nx": ("period", "indicator"),  # next unanswered after this one
    "pv": ("period", "indicator"),  # previous indicator
    "jp": ("period",),  # jump: ask for a number
    "ls": ("period", "page"),  # list of indicators
    "ps": ("period",),  # pause
    "sm": ("period",),  # summary
    "ct": ("institution",),  # continue the evaluation of an institution
    "pf": ("institution", "year", "framework"),  # start a period with this year and pack
    "rl": ("institution", "role"),  # create an invitation for this role
    "ik": ("kind",),  # institution kind while an operator creates one
    "qa": ("framework", "indicator", "level"),  # a candidate answer: indicator (0 = none) and level
    "qk": ("framework", "entity"),  # a candidate answer: aspect/domain/glossary/rule, by its index in the answerer
    "st": ("choice",),  # /start menu choices
    "rq": ("period", "flag"),  # leads: penjelasan required (1) or optional (0)
    "ap": ("period", "user"),  # leads: the member picked for a pending /tugaskan
    "mm": ("institution", "user", "member_action"),  # leads: promote, demote or remove a member
}

_FIELDS: dict[str, str] = {
    "period": r"\d{1,9}",
    "institution": r"\d{1,9}",
    "indicator": r"\d{1,3}",
    "level": r"-|\d(?:\.\d{1,2})?",
    "answer": r"[yn]",
    "page": r"\d{1,2}",
    "year": r"\d{4}",
    "framework": r"[a-z0-9-]{2,20}",
    "role": r"officer|penanggung_jawab|koordinator",
    "kind": r"[a-z_]{1,16}",
    "entity": r"\d{1,4}",
    "choice": r"[a-z_]{1,16}",
    "flag": r"[01]",
    "user": r"\d{1,15}",
    "member_action": r"pj|of|ko|rm",
}
_INTS = {"period", "institution", "indicator", "page", "year", "entity", "user"}


class CallbackError(ValueError):
    """Callback data that this bot did not make (malformed, unknown or too long)."""


@dataclass(frozen=True)
class Callback:
    action: str
    fields: dict[str, object]

    def __getitem__(self, name: str) -> object:
        return self.fields[name]

    def int(self, name: str) -> int:
        value = self.fields[name]
        assert isinstance(value, int)
        return value

    def str(self, name: str) -> str:
        return str(self.fields[name])


def make(action: str, *values: object) -> str:
    names = ACTIONS[action]
    if len(values) != len(names):
        raise ValueError(f"{action} takes {names}, got {values}")
    data = ":".join([action, *(str(v) for v in values)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    parse(data)  # what we make must be what we accept
    return data


def parse(data: str) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise CallbackError("empty or too long")
    action, *values = data.split(":")
    names = ACTIONS.get(action)
    if names is None or len(values) != len(names):
        raise CallbackError(f"unknown action or wrong arity: {data!r}")
    fields: dict[str, object] = {}
    for name, value in zip(names, values):
        if not re.fullmatch(_FIELDS[name], value):
            raise CallbackError(f"bad {name} {value!r}")
        fields[name] = int(value) if name in _INTS else value
    return Callback(action, fields)
