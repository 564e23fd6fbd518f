"""What moto's CloudFormation cannot create, removed from a template — and why, in words.

The merged stack is created in moto (``mock_aws``) by the functional tests so that the bucket,
queues, tables, roles and the runner's ECS resources are checked by a real CloudFormation
implementation. moto implements only part of CloudFormation, so :func:`strip_for_moto` removes
the rest, each with its reason, and points references to removed resources at placeholder
strings (a role whose policy names the WebSocket API stays, with a placeholder API id). What is
removed here is still checked by cfn-lint (every template) and by the unit tests of the
merged template. Pure; ``supported`` comes from :func:`moto_supported_types`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

# Types removed with the reason. Any other type moto lacks is removed as "not implemented".
REASONS: dict[str, str] = {
    "AWS::Serverless::Function": "a SAM resource: moto does not run the SAM transform "
    "(cfn-lint expands and checks it)",
    "AWS::Serverless::Api": "a SAM resource: moto does not run the SAM transform "
    "(cfn-lint expands and checks it)",
    "AWS::ApiGatewayV2::Api": "moto's CloudFormation has no API Gateway v2 (WebSocket APIs)",
    "AWS::ApiGatewayV2::Integration": "moto's CloudFormation has no API Gateway v2",
    "AWS::ApiGatewayV2::Route": "moto's CloudFormation has no API Gateway v2",
    "AWS::ApiGatewayV2::Deployment": "moto's CloudFormation has no API Gateway v2",
    "AWS::ApiGatewayV2::Stage": "moto's CloudFormation has no API Gateway v2",
    "AWS::SecretsManager::Secret": "moto's CloudFormation does not create Secrets Manager secrets",
    "AWS::SES::EmailIdentity": "moto's CloudFormation does not create SES identities",
    "AWS::CloudWatch::Alarm": "moto's CloudFormation does not create CloudWatch alarms",
    "AWS::ApplicationAutoScaling::ScalableTarget": "moto's CloudFormation has no "
    "Application Auto Scaling",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "moto's CloudFormation has no "
    "Application Auto Scaling",
    "AWS::S3::BucketPolicy": "moto's CloudFormation does not create bucket policies",
}
# Kept types that cannot exist without what they reference (a permission on a removed function).
REMOVED_WITH_TARGET = ("AWS::Lambda::Permission",)
# Types created by the SAM transform only; they never reach moto.
ALWAYS_REMOVED_PREFIXES = ("AWS::Serverless::",)


@dataclass
class Stripped:
    """A template moto can create, and ``removed``: logical id -> why it was removed."""

    template: dict[str, Any]
    removed: dict[str, str] = field(default_factory=dict)


def moto_supported_types() -> set[str]:
    """The resource types moto's CloudFormation can create (from moto's own model map)."""
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def _reason(rtype: str, supported: set[str]) -> str | None:
    if rtype.startswith(ALWAYS_REMOVED_PREFIXES) or rtype in REASONS:
        return REASONS.get(rtype, "a SAM resource: moto does not run the SAM transform")
    if rtype not in supported:
        return f"moto's CloudFormation does not implement {rtype}"
    return None


def references(node: Any) -> set[str]:
    """Logical ids ``node`` refers to through Ref, Fn::GetAtt and Fn::Sub."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt" and isinstance(value, list) and value:
                found.add(str(value[0]))
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                has_map = isinstance(value, list) and len(value) > 1
                local: dict[str, Any] = value[1] if has_map else {}
                names = {m.split(".")[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", str(text))}
                found |= (names - set(local)) | references(local)
            else:
                found |= references(value)
    return found


def placeholder(logical_id: str, attribute: str | None = None) -> str:
    """The string standing in for a removed resource's Ref or attribute."""
    return f"moto-removed-{logical_id}" + (f"-{attribute}" if attribute else "")


def replace_references(node: Any, removed: set[str]) -> Any:
    """A copy of ``node`` where references to ``removed`` ids are placeholder strings."""
    if isinstance(node, list):
        return [replace_references(item, removed) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in removed:
        return placeholder(node["Ref"])
    if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in removed:
        return placeholder(*node["Fn::GetAtt"][:2])
    if set(node) == {"Fn::Sub"}:
        value = node["Fn::Sub"]
        text, variables = (value[0], value[1]) if isinstance(value, list) else (value, None)

        def swap(match: re.Match[str]) -> str:
            name, _, attr = match.group(1).partition(".")
            return placeholder(name, attr or None) if name in removed else match.group(0)

        text = re.sub(r"\$\{([^!}][^}]*)\}", swap, text)
        if variables is None:
            return {"Fn::Sub": text}
        return {"Fn::Sub": [text, replace_references(variables, removed)]}
    return {key: replace_references(value, removed) for key, value in node.items()}


def strip_for_moto(template: dict[str, Any], supported: set[str]) -> Stripped:
    """Remove what moto cannot create from ``template`` (not modified); see the module doc."""
    out = copy.deepcopy(template)
    out.pop("Transform", None)
    resources: dict[str, Any] = out.get("Resources", {})
    removed: dict[str, str] = {}
    for rid, res in resources.items():
        why = _reason(str(res.get("Type", "")), supported)
        if why:
            removed[rid] = why
    for rid, res in resources.items():
        if rid in removed or res.get("Type") not in REMOVED_WITH_TARGET:
            continue
        gone = sorted(references(res.get("Properties", {})) & set(removed))
        if gone:
            removed[rid] = f"grants access to {', '.join(gone)}, which is removed"
    names = set(removed)
    kept: dict[str, Any] = {}
    for rid, res in resources.items():
        if rid in names:
            continue
        res = replace_references(res, names)
        depends = res.get("DependsOn")
        if depends is not None:
            left = [d for d in ([depends] if isinstance(depends, str) else depends)
                    if d not in names]
            if left:
                res["DependsOn"] = left
            else:
                res.pop("DependsOn")
        kept[rid] = res
    out["Resources"] = kept
    if "Outputs" in out:
        out["Outputs"] = {
            name: replace_references(value, names) for name, value in out["Outputs"].items()
        }
    return Stripped(template=out, removed=removed)
