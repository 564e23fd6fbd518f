"""The boto3 calls a component makes, found with :mod:`ast` in the functions it reaches.

In each function the component reaches (:func:`infra.call_graph.reachable`), a call
``receiver.method(...)`` is a boto3 call of the receiver's service, which is told by, in order:

1. a name bound to ``*.client("sqs")`` — directly, through ``self.x = ...`` or through a
   function that returns one (:func:`client_returns`, :func:`client_bindings`);
2. a name that says its service (``s3``, ``sqs``, ``dynamodb``/``db``, ``ses``,
   ``apigatewaymanagementapi``/``management``, ``websocket_api``:
   :func:`infra.aws_operations.hinted_service`);
3. last, the method name, when exactly one service has that operation and the project defines
   no function of that name; when several have it, the call is reported as one whose service
   cannot be told (rename the receiver after its service).

The method is then mapped to IAM actions (:mod:`infra.aws_operations`). Pure: sources are text
(botocore's bundled service models aside).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from infra.aws_operations import (
    EXTRA_METHODS,
    NOT_CALLS,
    SERVICES,
    actions_for,
    hinted_service,
    operations,
)
from infra.call_graph import ParsedModule, reachable, receiver_name


@dataclass(frozen=True)
class AwsCall:
    """One boto3 call found in the source: where, on which service, needing which actions."""

    path: str
    line: int
    text: str
    service: str | None
    actions: tuple[str, ...]
    problem: str | None = None


def client_factory_service(node: ast.AST) -> str | None:
    """``svc`` for ``<anything>.client("svc", ...)`` / ``client("svc")``."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    if name == "client" and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def client_returns(module: ParsedModule) -> dict[str, str]:
    """Functions of ``module`` that return ``*.client("svc")``: name -> service."""
    out: dict[str, str] = {}
    for name, defs in module.functions.items():
        for fn in defs:
            for node in ast.walk(fn):
                if isinstance(node, ast.Return) and node.value is not None:
                    service = client_factory_service(node.value)
                    if service:
                        out[name] = service
    return out


def client_bindings(module: ParsedModule, returns: dict[str, str]) -> dict[str, str]:
    """Names (variables and attributes) ``module`` binds to a client of a known service;
    ``returns`` are the functions that return one (:func:`client_returns`)."""
    bound: dict[str, str] = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            service = client_factory_service(node.value) or _via(node.value, returns)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = receiver_name(target)
                if service is None and isinstance(node.value, ast.Name | ast.Attribute):
                    service = bound.get(receiver_name(node.value) or "") or hinted_service(
                        receiver_name(node.value) or ""
                    )
                if name and service:
                    bound[name] = service
    return bound


def _via(value: ast.AST, returns: dict[str, str]) -> str | None:
    """The service of the client a call of a function in ``returns`` gives."""
    if isinstance(value, ast.Call):
        name = receiver_name(value.func)
        return returns.get(name or "")
    return None


def _string_arg(call: ast.Call, keyword: str) -> str | None:
    """The literal first argument of ``call``, or its literal ``keyword`` argument."""
    if call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value)
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def _classify(
    call: ast.Call, service: str | None, defined: set[str], path: str
) -> AwsCall | None:
    """The AwsCall for ``call`` if it is a boto3 call, else None."""
    assert isinstance(call.func, ast.Attribute)
    method = call.func.attr
    text = f"{ast.unparse(call.func)}(...)"
    if method in NOT_CALLS:
        return None
    if service is None:
        if method in defined:
            return None
        owners = [svc for svc in SERVICES if method in operations(svc)]
        if not owners:
            return None
        if len(owners) > 1:
            return AwsCall(path, call.lineno, text, None, (), (
                f"cannot tell which AWS client this is ({' or '.join(owners)}); name the "
                "receiver after its service (self._s3, sqs_client …)"))
        service = owners[0]
    if method in EXTRA_METHODS.get(service, {}):
        return AwsCall(path, call.lineno, text, service, EXTRA_METHODS[service][method])
    known = operations(service)
    if method in ("generate_presigned_url", "get_paginator"):
        target = _string_arg(call, "ClientMethod" if method.startswith("gen") else "operation_name")
        if target is None or target not in known:
            return AwsCall(path, call.lineno, text, service, (),
                           f"{method} without a literal operation name; cannot check it")
        return AwsCall(path, call.lineno, text, service, actions_for(service, known[target]))
    if method in known:
        return AwsCall(path, call.lineno, text, service, actions_for(service, known[method]))
    return None


def find_calls(entry: dict[str, str], library: dict[str, str]) -> list[AwsCall]:
    """The boto3 calls a component makes: all in ``entry`` modules, and those in ``library``
    functions reachable by name from them. Both map a path to its source text; the calls come
    sorted by path and line. Raises SyntaxError for a source that does not parse."""
    modules = [ParsedModule(p, s) for p, s in {**library, **entry}.items()]
    returns: dict[str, str] = {}
    for module in modules:
        returns.update(client_returns(module))
    defined = {name for m in modules for name in m.functions}
    calls: dict[tuple[str, int, str], AwsCall] = {}
    for module, root in reachable(modules, entry):
        bound = client_bindings(module, returns)
        for node in ast.walk(root):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = receiver_name(node.func.value) or ""
            service = bound.get(name) or hinted_service(name)
            if service is None and client_factory_service(node.func.value):
                service = client_factory_service(node.func.value)
            found = _classify(node, service, defined, module.path)
            if found:
                calls[(found.path, found.line, found.text)] = found
    return sorted(calls.values(), key=lambda c: (c.path, c.line))
