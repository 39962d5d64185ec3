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
    "lv": ("period", "indicator", "level"),  # choose a level ("-": type a fractional value)
    "cr": ("period", "indicator"),  # level criteria with the evidence expected at each level
    "gd": ("period", "indicator"),  # guided mode: start
    "ga": ("period", "indicator", "level", "answer"),  # guided mode: yes/no for one level
    "nx": ("period", "indicator"),  # skip: the next unanswered indicator after this one
    "mn": ("period", "indicator", "previous"),  # the card's navigation menu (previous: the card before, 0: none)
    "jp": ("period",),  # jump: ask for a number
    "ls": ("period", "page"),  # list of indicators
    "ps": ("period",),  # pause
    "sm": ("period",),  # summary
    "sv": ("period", "view"),  # one part of the summary
    "xo": ("period", "indicator", "then"),  # write the penjelasan of an answer (then: the card to show after, 0: next)
    "xs": ("period", "indicator"),  # keep the typed text as the penjelasan
    "xq": ("period", "indicator"),  # the typed text was a question
    "xc": ("period", "indicator"),  # leave the penjelasan unwritten, back to the card
    "ct": ("institution",),  # continue the evaluation of an institution
    "pf": ("institution", "year", "framework"),  # start a period with this year and pack
    "rl": ("institution", "role"),  # create an invitation for this role
    "ik": ("kind",),  # institution kind while an operator creates one
    "qa": ("framework", "indicator", "level"),  # a candidate answer: indicator (0 = none) and level
    "qk": ("framework", "entity"),  # a candidate answer: aspect/domain/glossary/rule, by its index in the answerer
    "st": ("choice",),  # /start menu choices
    "rq": ("period", "flag"),  # leads: penjelasan required (1) or optional (0)
    "ap": ("pending", "user"),  # leads: the member picked for the pending /tugaskan of that message
    "mm": ("institution", "user", "member_action"),  # leads: promote, demote or remove a member
    "ex": ("period", "format", "dest"),  # make a file (dest: h this chat, a ask group or private, g the group, p privately)
    "pl": ("period",),  # the improvement plan
    "pc": ("period",),  # leads: choose the plan's target
    "pt": ("period", "band", "year"),  # leads: the plan's target, a predicate band (1: the lowest of the pack) and a year
    "pp": ("period",),  # the proposal that reaches the target
    "pa": ("period", "fingerprint"),  # leads: accept the proposal shown (refused when the answers changed since)
    "pn": ("period", "indicator"),  # one item of the plan
    "pi": ("period", "indicator", "level"),  # leads: the level an item is to reach (adds it to the plan)
    "pm": ("period", "indicator"),  # leads: pick the item's owner from the team
    "po": ("period", "indicator", "user"),  # leads: the item's owner (0: nobody)
    "pd": ("period", "indicator"),  # leads: type the item's due date
    "px": ("period", "indicator"),  # leads: take the item out of the plan
    # The evidence register, its review and the checklists (an evidence id is checked against the period's institution):
    "bl": ("period", "page"),  # the register, one page
    "bi": ("period", "evidence"),  # one register item
    "bs": ("period", "evidence"),  # send me its file
    "bt": ("period", "evidence"),  # type a new title
    "bn": ("period", "evidence"),  # type the document's number and date
    "bx": ("period", "evidence"),  # type another indicator it supports
    "ba": ("period", "evidence", "indicator"),  # it supports this (suggested) indicator too
    "rv": ("period", "evidence", "indicator"),  # leads: review the item for this indicator
    "ra": ("period", "evidence", "indicator", "verdict"),  # leads: accepted (a), revision (r), rejected (x)
    "rf": ("period", "evidence", "indicator"),  # send the corrected file of an item needing revision
    "cl": ("period", "indicator", "first"),  # the checklist from level "first" ("c": the claimed level)
    "ci": ("period", "indicator", "scope", "item"),  # one expected item (scope: its level, "x": the indicator's list)
    "cs": ("period", "indicator", "scope", "item", "status"),  # tick it: present (p), missing (m), not relevant (n)
    "ck": ("period", "indicator", "scope", "item", "evidence"),  # show it with this register item, or stop
    # Buttons of cards sent by earlier versions, still answered after an upgrade:
    "ev": ("period", "indicator"),  # evidence per level (now part of "cr")
    "pv": ("period", "indicator"),  # the indicator before this one
    "sk": ("period", "indicator"),  # skip the penjelasan (now "xc")
}

_FIELDS: dict[str, str] = {
    "period": r"\d{1,9}",
    "institution": r"\d{1,9}",
    "indicator": r"\d{1,3}",
    "then": r"\d{1,3}",
    "previous": r"\d{1,3}",
    "pending": r"\d{1,12}",
    "view": r"head|dom|asp|sw|ev",
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
    "format": r"pdf|xlsx|docx|csv|portal|charts",
    "dest": r"[hagp]",
    "band": r"\d",
    "fingerprint": r"[0-9a-f]{8}",
    "evidence": r"\d{1,9}",
    "verdict": r"[arx]",
    "first": r"c|\d",
    "scope": r"x|\d",
    "item": r"\d{1,2}",
    "status": r"[pmn]",
}
_INTS = {"period", "institution", "indicator", "then", "previous", "pending", "page", "year", "entity", "user", "band", "evidence", "item"}


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
    for name, value in zip(names, values, strict=False):
        if not re.fullmatch(_FIELDS[name], value):
            raise CallbackError(f"bad {name} {value!r}")
        fields[name] = int(value) if name in _INTS else value
    return Callback(action, fields)
