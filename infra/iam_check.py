"""Every AWS API call the code makes is allowed by the IAM policy of the component that makes it.

Static, with :mod:`ast` — nothing is imported or run. For each component (the Lambda app, the
runner) the checker:

1. parses its own modules (``chalice_app/app.py``; ``build_runner/**``) and the shared library
   (``chalice_app/chalicelib``);
2. finds the functions the component can reach: all of its own, plus every library function
   whose *name* it calls, transitively (by name, so a collision errs towards more calls);
3. in those functions, finds boto3 calls ``receiver.method(...)`` and the service of the
   receiver: a name bound to ``*.client("sqs")`` (directly, through ``self.x = ...`` or a
   function that returns one), a name that says its service (``s3``, ``sqs``, ``dynamodb``/``db``,
   ``ses``, ``apigatewaymanagementapi``/``management``, ``websocket_api``), or — last — the
   method name when exactly one service has that operation and the project defines no function
   of that name;
4. maps the method to IAM actions (botocore's operation names; ``post_to_connection`` →
   ``execute-api:ManageConnections``, ``generate_presigned_post`` → ``s3:PutObject``,
   ``head_object`` → ``s3:GetObject`` and ``s3:ListBucket`` for a 404 instead of a 403 …);
5. reports each action the component's role in the template does not allow, and each call whose
   service it cannot tell (rename the receiver after its service to fix that);
6. for the stores of one table each (:data:`MODULE_RESOURCES`: ``builds.py`` → the builds
   table …), also requires the action on *that* table: ``DeleteItem`` allowed on the
   connections table does not let ``builds.py`` delete a build.

Other resource scoping (bucket prefixes, queues) is in the template and reviewed there. Pure
apart from reading files: :func:`check_sources` takes sources as text.
"""

from __future__ import annotations

import ast
import fnmatch
import pathlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
from botocore import xform_name

SERVICES = ("s3", "sqs", "dynamodb", "ses", "apigatewaymanagementapi", "secretsmanager")
IAM_PREFIX = {"apigatewaymanagementapi": "execute-api"}
# Name fragments that say which client a receiver is.
HINTS: tuple[tuple[str, str], ...] = (
    (r"apigatewaymanagementapi|management|mgmt|apigw|websocket_api", "apigatewaymanagementapi"),
    (r"dynamodb|ddb|(^|_)db($|_)|dynamo", "dynamodb"),
    (r"secretsmanager|secrets", "secretsmanager"),
    (r"(^|_)s3($|_)", "s3"),
    (r"(^|_)sqs($|_)", "sqs"),
    (r"(^|_)ses($|_)", "ses"),
)
# Methods boto3 adds to clients, or Chalice's WebsocketAPI, with the actions they need.
EXTRA_METHODS: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "upload_file": ("s3:PutObject",),
        "upload_fileobj": ("s3:PutObject",),
        "download_file": ("s3:GetObject",),
        "download_fileobj": ("s3:GetObject",),
        "generate_presigned_post": ("s3:PutObject",),
    },
    "apigatewaymanagementapi": {
        "send": ("execute-api:ManageConnections",),
        "close": ("execute-api:ManageConnections",),
        "info": ("execute-api:ManageConnections",),
    },
}
# An operation needing more than its own action.
ALSO_NEEDS: dict[str, tuple[str, ...]] = {
    "s3:HeadObject": ("s3:GetObject", "s3:ListBucket"),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:ListObjectsV2": ("s3:ListBucket",),
}
NOT_CALLS = {"get_waiter", "can_paginate", "close", "meta", "exceptions"}
# Methods of Python's own types. A call ``x.extend(...)`` reaches a project method of that name
# only when ``x`` is named like the method's class (``self._jobs`` for ``JobQueue``).
BUILTIN_METHODS = frozenset(
    name for t in (list, dict, set, str, bytes, pathlib.Path) for name in dir(t)
    if not name.startswith("_")
) - {"get"}


@dataclass(frozen=True)
class AwsCall:
    """One boto3 call found in the source: where, on which service, needing which actions."""

    path: str
    line: int
    text: str
    service: str | None
    actions: tuple[str, ...]
    problem: str | None = None


@dataclass(frozen=True)
class Finding:
    """A call the component's role does not allow, or whose service cannot be told."""

    component: str
    call: AwsCall
    missing: tuple[str, ...]

    def __str__(self) -> str:
        what = self.call.problem or f"needs {', '.join(self.missing)}, not in the role's policy"
        return f"{self.component}: {self.call.path}:{self.call.line} {self.call.text}: {what}"


@cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name for ``service`` (botocore's model)."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(op): op for op in model.operation_names}


def actions_for(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions one API operation needs."""
    if service == "apigatewaymanagementapi":
        return ("execute-api:ManageConnections",)
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    return ALSO_NEEDS.get(action, (action,))


def hinted_service(name: str) -> str | None:
    """The service a receiver's name says (``self._db`` → dynamodb), or None."""
    lowered = name.lower()
    for pattern, service in HINTS:
        if re.search(pattern, lowered):
            return service
    return None


def _client_factory_service(node: ast.AST) -> str | None:
    """``svc`` for ``<anything>.client("svc", ...)`` / ``client("svc")``."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    if name == "client" and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _receiver_name(node: ast.AST) -> str | None:
    """The last identifier of a receiver: ``self._db`` → ``_db``, ``clients.s3`` → ``s3``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _receiver_name(node.func)
    return None


class _Module:
    """One parsed module: its functions, the names bound to clients, the names it calls."""

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

    def bindings(self, returns: dict[str, str]) -> dict[str, str]:
        """Names (variables and attributes) bound to a client of a known service."""
        bound: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                service = _client_factory_service(node.value) or self._via(node.value, returns)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _receiver_name(target)
                    if service is None and isinstance(node.value, ast.Name | ast.Attribute):
                        service = bound.get(_receiver_name(node.value) or "") or hinted_service(
                            _receiver_name(node.value) or ""
                        )
                    if name and service:
                        bound[name] = service
        return bound

    @staticmethod
    def _via(value: ast.AST, returns: dict[str, str]) -> str | None:
        if isinstance(value, ast.Call):
            name = _receiver_name(value.func)
            return returns.get(name or "")
        return None

    def client_returns(self) -> dict[str, str]:
        """Functions that return ``*.client("svc")``: name -> service."""
        out: dict[str, str] = {}
        for name, defs in self.functions.items():
            for fn in defs:
                for node in ast.walk(fn):
                    if isinstance(node, ast.Return) and node.value is not None:
                        service = _client_factory_service(node.value)
                        if service:
                            out[name] = service
        return out


def _called_names(roots: Iterable[tuple[ast.AST, str | None]]) -> set[tuple[str, str | None]]:
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
            receiver = _receiver_name(node.value)
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
    method (``add``, ``get`` …) needs a receiver named like the class (:func:`related`)."""
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


def _string_arg(call: ast.Call, keyword: str) -> str | None:
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
    if method in ("generate_presigned_url", "get_paginator"):
        target = _string_arg(call, "ClientMethod" if method.startswith("gen") else "operation_name")
        if target is None or target not in operations(service):
            return AwsCall(path, call.lineno, text, service, (),
                           f"{method} without a literal operation name; cannot check it")
        return AwsCall(path, call.lineno, text, service,
                       actions_for(service, operations(service)[target]))
    if method in operations(service):
        return AwsCall(path, call.lineno, text, service,
                       actions_for(service, operations(service)[method]))
    return None


def find_calls(entry: dict[str, str], library: dict[str, str]) -> list[AwsCall]:
    """The boto3 calls a component makes: all in ``entry`` modules, and those in ``library``
    functions reachable by name from them. Both map a path to its source text."""
    modules = [_Module(p, s) for p, s in {**library, **entry}.items()]
    entry_modules = [m for m in modules if m.path in entry]
    returns: dict[str, str] = {}
    for module in modules:
        returns.update(module.client_returns())
    defined = {name for m in modules for name in m.functions}
    # Reachability by name, from everything in the entry modules.
    reachable_nodes: list[tuple[_Module, ast.AST]] = [(m, m.tree) for m in entry_modules]
    seen = {id(node) for _, node in reachable_nodes}
    defines = {(m.owner[id(fn)], name) for m in modules for name, fns in m.functions.items()
               for fn in fns if id(fn) in m.owner}
    frontier = _called_names((node, None) for _, node in reachable_nodes)
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
                        reachable_nodes.append((module, fn))
                        new_names |= _called_names([(fn, module.owner.get(id(fn)))])
        frontier = new_names
    calls: dict[tuple[str, int, str], AwsCall] = {}
    for module, root in reachable_nodes:
        bound = module.bindings(returns)
        for node in ast.walk(root):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = _receiver_name(node.func.value) or ""
            service = bound.get(name) or hinted_service(name)
            if service is None and _client_factory_service(node.func.value):
                service = _client_factory_service(node.func.value)
            found = _classify(node, service, defined, module.path)
            if found:
                calls[(found.path, found.line, found.text)] = found
    return sorted(calls.values(), key=lambda c: (c.path, c.line))


def _allow_statements(template: dict[str, Any], role: str) -> Iterator[tuple[list[str], Any]]:
    """``(actions, Resource)`` of each Allow statement of ``role``'s inline policies."""
    resource = template["Resources"][role]
    for policy in resource.get("Properties", {}).get("Policies", []):
        statements = policy["PolicyDocument"]["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            names = statement.get("Action", [])
            yield ([names] if isinstance(names, str) else list(names)), statement.get("Resource")


def allowed_actions(template: dict[str, Any], role: str) -> list[str]:
    """The actions the Allow statements of ``role``'s inline and managed-by-us policies name."""
    return [action for actions, _ in _allow_statements(template, role) for action in actions]


def _logical_ids(value: Any) -> set[str]:
    """The template resources a policy's ``Resource`` names (``GetAtt``, ``Ref``, ``Sub``)."""
    if isinstance(value, list):
        return {name for item in value for name in _logical_ids(item)}
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return {str(target[0] if isinstance(target, list) else target).split(".")[0]}
        if "Ref" in value:
            return {str(value["Ref"])}
        if "Fn::Sub" in value:
            text = value["Fn::Sub"]
            text = text[0] if isinstance(text, list) else text
            return set(re.findall(r"\$\{([A-Za-z0-9]+)[.}]", str(text)))
    return set()


def allowed_on(template: dict[str, Any], role: str) -> dict[str, list[str]]:
    """For each template resource ``role``'s Allow statements name, the actions allowed on it."""
    out: dict[str, list[str]] = {}
    for actions, resources in _allow_statements(template, role):
        for logical_id in _logical_ids(resources):
            out.setdefault(logical_id, []).extend(actions)
    return out


def is_allowed(action: str, allowed: Iterable[str]) -> bool:
    """Whether ``action`` matches one of ``allowed`` (IAM wildcards, case-insensitive)."""
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in allowed)


def check_sources(
    component: str,
    entry: dict[str, str],
    library: dict[str, str],
    allowed: list[str],
    *,
    on: dict[str, list[str]] | None = None,
    module_resources: dict[str, str] | None = None,
) -> list[Finding]:
    """Findings for one component whose role allows ``allowed``; empty when all is allowed.

    With ``on`` (template resource → actions allowed on it, :func:`allowed_on`), a call in a
    module of ``module_resources`` (path → template resource) must be allowed on that resource.
    """
    findings: list[Finding] = []
    for call in find_calls(entry, library):
        if call.problem:
            findings.append(Finding(component, call, ()))
            continue
        missing = tuple(a for a in call.actions if not is_allowed(a, allowed))
        resource = (module_resources or {}).get(call.path)
        if not missing and on is not None and resource is not None:
            missing = tuple(
                f"{a} on {resource}" for a in call.actions
                if not is_allowed(a, on.get(resource, []))
            )
        if missing:
            findings.append(Finding(component, call, missing))
    return findings


# The components of apkgen: their own code, and the role they run as in infra/template.yaml.
COMPONENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "app (Lambda)": (("chalice_app/app.py",), "AppRole"),
    "runner (ECS)": (("build_runner",), "RunnerTaskRole"),
}
LIBRARY = "chalice_app/chalicelib"
# The stores that each work on one table, and that table in infra/template.yaml.
MODULE_RESOURCES: dict[str, str] = {
    "chalice_app/chalicelib/builds.py": "BuildsTable",
    "chalice_app/chalicelib/connections.py": "ConnectionsTable",
    "chalice_app/chalicelib/logstore.py": "LogsTable",
}


def _sources(repo: Path, roots: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for root in roots:
        path = repo / root
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            out[str(file.relative_to(repo))] = file.read_text()
    return out


def check_repo(repo: Path, template: dict[str, Any]) -> list[Finding]:
    """Findings for every component of the repo at ``repo`` against ``template``'s roles."""
    library = _sources(repo, [LIBRARY])
    findings: list[Finding] = []
    for component, (roots, role) in COMPONENTS.items():
        findings += check_sources(
            component, _sources(repo, roots), library, allowed_actions(template, role),
            on=allowed_on(template, role), module_resources=MODULE_RESOURCES,
        )
    return findings
