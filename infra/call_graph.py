"""Which functions a component can reach, read with :mod:`ast` — nothing is imported or run.

A component reaches all of its own modules and, transitively, every library function whose
*name* they use: called, passed by reference or read as a property. By name, so a collision errs
towards more calls, with two exceptions that keep common names from reaching everything
(:func:`may_call`):

* ``self.m()`` in a class that defines ``m`` reaches that ``m`` only;
* a method named like a method of Python's own types (``extend``, ``exists`` …,
  :data:`BUILTIN_METHODS`) is reached only through a receiver named like its class
  (``self._jobs.extend()`` for ``JobQueue.extend``, :func:`related`).

Use: parse each module with :class:`ParsedModule`, then :func:`reachable`. Pure.
"""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Collection, Iterable

# Methods of Python's own types. A call ``x.extend(...)`` reaches a project method of that name
# only when ``x`` is named like the method's class (``self._jobs`` for ``JobQueue``).
BUILTIN_METHODS = frozenset(
    name for t in (list, dict, set, str, bytes, pathlib.Path) for name in dir(t)
    if not name.startswith("_")
) - {"get"}


class ParsedModule:
    """One parsed module: its functions by name, and the class each method is defined in."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.tree = ast.parse(source, filename=path)
        self.functions: dict[str, list[ast.AST]] = {}
        self.owner: dict[int, str] = {}  # id(function node) -> its class's name
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, []).append(node)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        self.owner[id(item)] = node.name


def receiver_name(node: ast.AST) -> str | None:
    """The last identifier of a receiver: ``self._db`` → ``_db``, ``clients.s3`` → ``s3``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return receiver_name(node.func)
    return None


def called_names(roots: Iterable[tuple[ast.AST, str | None]]) -> set[tuple[str, str | None]]:
    """``(name, receiver)`` for each name used: called, passed by reference or a property.

    ``roots`` are ``(node, class it is in)``; ``self.m`` inside class ``C`` has the receiver
    ``"self:C"`` (see :func:`may_call`)."""
    names: set[tuple[str, str | None]] = set()
    stack = list(roots)
    while stack:
        node, cls = stack.pop()
        if isinstance(node, ast.ClassDef):
            cls = node.name
        if isinstance(node, ast.Attribute):
            receiver = receiver_name(node.value)
            if receiver in ("self", "cls") and cls:
                receiver = f"self:{cls}"
            names.add((node.attr, receiver))
        elif isinstance(node, ast.Name):
            names.add((node.id, None))
        stack.extend((child, cls) for child in ast.iter_child_nodes(node))
    return names


def may_call(receiver: str | None, name: str, class_name: str | None,
             defines: set[tuple[str, str]]) -> bool:
    """Whether ``receiver.name(...)`` may call the ``name`` defined in ``class_name`` (None: a
    module function). ``self.name()`` in a class that defines ``name`` calls that one only;
    otherwise (inherited, or another receiver) it may be any, except that a builtin-named
    method (``add``, ``get`` …) needs a receiver named like the class (:func:`related`).
    ``defines`` holds ``(class, method)`` for every method of the parsed modules."""
    if receiver is not None and receiver.startswith("self:"):
        caller = receiver[len("self:"):]
        if (caller, name) in defines:
            return class_name == caller
        return True
    return name not in BUILTIN_METHODS or related(receiver, class_name)


def related(receiver: str | None, class_name: str | None) -> bool:
    """Whether ``receiver.m()`` may be a call of ``class_name.m`` (see BUILTIN_METHODS)."""
    if receiver is None or class_name is None or receiver in ("self", "cls"):
        return True
    stem = receiver.replace("_", "").lower().rstrip("s")
    name = class_name.lower()
    return bool(stem) and (stem in name or name in stem)


def reachable(
    modules: list[ParsedModule], entry: Collection[str]
) -> list[tuple[ParsedModule, ast.AST]]:
    """``(module, root)`` for what a component reaches: the whole tree of each module whose path
    is in ``entry``, then each function of the other (library) modules reachable by name."""
    nodes: list[tuple[ParsedModule, ast.AST]] = [
        (m, m.tree) for m in modules if m.path in entry
    ]
    seen = {id(node) for _, node in nodes}
    defines = {(m.owner[id(fn)], name) for m in modules for name, fns in m.functions.items()
               for fn in fns if id(fn) in m.owner}
    frontier = called_names((node, None) for _, node in nodes)
    while frontier:
        new_names: set[tuple[str, str | None]] = set()
        for module in modules:
            if module.path in entry:
                continue
            for name, receiver in frontier:
                for fn in module.functions.get(name, []):
                    if not may_call(receiver, name, module.owner.get(id(fn)), defines):
                        continue
                    if id(fn) not in seen:
                        seen.add(id(fn))
                        nodes.append((module, fn))
                        new_names |= called_names([(fn, module.owner.get(id(fn)))])
        frontier = new_names
    return nodes
