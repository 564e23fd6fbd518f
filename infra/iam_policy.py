"""What a role of a CloudFormation template allows: the Allow statements of its inline policies.

:func:`allowed_actions` lists the actions a role's Allow statements name, :func:`allowed_on`
the actions allowed on each template resource (named by ``Fn::GetAtt``, ``Ref`` or ``Fn::Sub``),
and :func:`is_allowed` matches an action against them with IAM's wildcards. Deny statements and
conditions are not read. Pure: the template is data (:func:`infra.assemble.load_template`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from typing import Any


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
