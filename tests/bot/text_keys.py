"""Which catalog keys the templates and the Python code use, read from the source.

Templates: every ``_("key", name=...)`` call, found by parsing them with jinja2 (``nodes.Call``).
Python (``bot/``, ``conversations/``, ``reports/``): the names the engine gives one-line replies, toasts and
buttons (``short("x")``, ``Refusal("x")``, ``Reply("short:x")``, ``toast="x"``, ``Button("x")``,
``renderer.macro("short", "x")``), which are the keys ``short.x`` and ``button.x`` unless the
``short``/``buttons`` template has a macro of that name; the deliverables' texts
(``words.text("report.x", ...)``, plain text); and the command menus of ``bot.app``.
Names must be string literals to be found; that is what keeps a missing text from reaching a user.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import nodes

from bot.app import GROUP_MENU, PRIVATE_MENU
from bot.render import KEY_PREFIXES, TEMPLATES, Renderer

ROOT = Path(__file__).resolve().parents[2]
CODE = [*sorted((ROOT / "bot").glob("*.py")), *sorted((ROOT / "conversations").glob("*.py")), *sorted((ROOT / "reports").glob("*.py"))]
REPORT_PREFIX = "report."  # the deliverables' texts: ``words.text("report.…", name=…)`` in reports/
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Use:
    key: str
    where: str  # file:line
    args: frozenset[str] | None = None  # the values passed, where the source shows them


@dataclass(frozen=True)
class Named:
    """A name the engine gives a template: ``short:<name>``, a button label, or a view."""

    kind: str  # "short", "buttons" or "view"
    name: str
    where: str
    args: frozenset[str] | None = None


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def template_names() -> list[str]:
    return sorted(p.name.removesuffix(".html.j2") for p in TEMPLATES.glob("*.html.j2"))


def template_uses(renderer: Renderer) -> list[Use]:
    uses = []
    for name in template_names():
        path = TEMPLATES / f"{name}.html.j2"
        tree = renderer.env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name == "_"):
                continue
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            first = call.args[0] if call.args else None
            assert isinstance(first, nodes.Const) and isinstance(first.value, str), f"{where}: a key must be a string literal"
            args = None if call.dyn_kwargs is not None else frozenset(k.key for k in call.kwargs)
            uses.append(Use(first.value, where, args))
    return uses


def macros(renderer: Renderer, template: str) -> dict[str, list[str]]:
    tree = renderer.env.parse((TEMPLATES / f"{template}.html.j2").read_text(encoding="utf-8"))
    return {m.name: [a.name for a in m.args] for m in tree.find_all(nodes.Macro)}


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _dict_keys(node: ast.AST | None) -> frozenset[str] | None:
    if isinstance(node, ast.Dict) and all(_literal(k) for k in node.keys):
        return frozenset(_literal(k) for k in node.keys)  # type: ignore[misc]
    return None


def _kwargs(call: ast.Call, skip: set[str]) -> frozenset[str] | None:
    if any(k.arg is None for k in call.keywords):  # **data
        return None
    return frozenset(k.arg for k in call.keywords if k.arg not in skip)  # type: ignore[misc]


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def code_names() -> list[Named]:
    found: list[Named] = []
    for path in CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                found.extend(_from_call(node, where))
            elif isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Attribute) and t.attr == "toast" for t in node.targets) and _literal(node.value):
                    found.append(Named("short", _literal(node.value), where))  # type: ignore[arg-type]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args.args[len(node.args.args) - len(node.args.defaults):] + node.args.kwonlyargs
                defaults = node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
                for arg, default in zip(arguments, defaults, strict=False):
                    if arg.arg == "toast" and _literal(default):
                        found.append(Named("short", _literal(default), where))  # type: ignore[arg-type]
    return found


def _from_call(call: ast.Call, where: str) -> list[Named]:
    name = _name(call.func)
    first = _literal(call.args[0]) if call.args else None
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    found = []
    if name in {"short", "Refusal"} and first:
        found.append(Named("short", first, where, _kwargs(call, {"toast"})))
    elif name == "Button":
        label = first or _literal(keywords.get("label"))
        if label:
            args = call.args[2] if len(call.args) > 2 else keywords.get("args")
            found.append(Named("buttons", label, where, _dict_keys(args) if args is not None else frozenset()))
    elif name == "Reply":
        view = first or _literal(keywords.get("view"))
        if view:
            data = call.args[1] if len(call.args) > 1 else keywords.get("data")
            args = _dict_keys(data) if data is not None else frozenset()
            if view.startswith("short:"):
                found.append(Named("short", view.removeprefix("short:"), where, args))
            else:
                found.append(Named("view", view, where))
    elif name == "text" and first and first.startswith(REPORT_PREFIX):
        found.append(Named("text", first, where, _kwargs(call, set())))
    elif name == "macro" and first in KEY_PREFIXES and len(call.args) > 1 and _literal(call.args[1]):
        found.append(Named(first, _literal(call.args[1]), where, _kwargs(call, set())))  # type: ignore[arg-type]
    if _literal(keywords.get("toast")):
        toast_args = keywords.get("toast_args")
        found.append(Named("short", _literal(keywords["toast"]), where,  # type: ignore[arg-type]
                           _dict_keys(toast_args) if toast_args is not None else frozenset()))
    return found


def code_uses(renderer: Renderer) -> list[Use]:
    """The catalog keys behind the engine's names: those without a macro of their own."""
    with_macros = {kind: set(macros(renderer, kind)) for kind in KEY_PREFIXES}
    uses = [
        Use(f"{KEY_PREFIXES[n.kind]}.{n.name}", n.where, n.args)
        for n in code_names()
        if n.kind in KEY_PREFIXES and n.name not in with_macros[n.kind]
    ]
    uses += [Use(n.name, n.where, n.args) for n in code_names() if n.kind == "text"]
    uses += [Use(f"menu.private.{c}", "bot/app.py PRIVATE_MENU") for c in PRIVATE_MENU]
    uses += [Use(f"menu.group.{c}", "bot/app.py GROUP_MENU") for c in GROUP_MENU]
    return uses


def all_uses(renderer: Renderer) -> list[Use]:
    return template_uses(renderer) + code_uses(renderer)
