"""One CloudFormation stack per stage: ``chalice package`` merged with ``infra/template.yaml``.

Order of calls (what ``infra/deploy.sh`` runs as ``python -m infra.assemble STAGE OUT_DIR``):

1. ``chalice package --stage STAGE`` into ``OUT_DIR/plain`` — only to learn the logical ids of
   the Lambda functions the app defines (they change as the app grows routes/handlers);
2. :func:`merge_template` (pure) builds ``OUT_DIR/merge.json``: the infra template with its
   ``WebsocketApiId`` parameter pointed at Chalice's ``WebsocketAPI`` resource, every name
   parameter defaulted from config.json, and for each function the ``Role`` (``AppRole``) and
   the settings only the stack knows (queue URL, WebSocket URLs, public URL, SES sender);
3. ``chalice package --stage STAGE --merge-template OUT_DIR/merge.json OUT_DIR`` → ``sam.json``
   + ``deployment.zip``, which ``aws cloudformation package``/``deploy`` take from there;
4. :func:`check_merged` (pure) verifies the result before anything is uploaded.

Raises :class:`infra.InfraError` with what to fix.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from infra import InfraError
from infra.stage import CHALICE_DIR, TEMPLATE_PATH, Stage, load_stage, template_parameters

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
WS_PARAMETER = "WebsocketApiId"
WS_RESOURCE = "WebsocketAPI"  # Chalice's logical id for the WebSocket API.
APP_ROLE = "AppRole"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """Read a template written in long form (``Ref:``/``Fn::Sub:``, no ``!`` tags) or JSON."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InfraError(
            f"cannot read template {path}: {exc} (write intrinsics in long form, "
            "`Fn::Sub: ...`, not `!Sub`)"
        ) from exc
    if not isinstance(data, dict) or "Resources" not in data:
        raise InfraError(f"{path} is not a CloudFormation template (no Resources)")
    return data


def function_ids(template: dict[str, Any]) -> list[str]:
    """Logical ids of the Lambda functions in a template, sorted."""
    return sorted(
        rid for rid, res in template.get("Resources", {}).items()
        if res.get("Type") in FUNCTION_TYPES
    )


def rename_ref(node: Any, old: str, new: str) -> Any:
    """A copy of ``node`` where ``Ref``/``Fn::GetAtt``/``Fn::Sub`` to ``old`` name ``new``."""
    if isinstance(node, list):
        return [rename_ref(item, old, new) for item in node]
    if isinstance(node, str):
        return node.replace("${" + old + "}", "${" + new + "}").replace(
            "${" + old + ".", "${" + new + "."
        )
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "Ref" and value == old:
            out[key] = new
        elif key == "Fn::GetAtt" and isinstance(value, list) and value and value[0] == old:
            out[key] = [new, *value[1:]]
        else:
            out[key] = rename_ref(value, old, new)
    return out


def stack_environment() -> dict[str, Any]:
    """The settings only the deployed stack knows, as CloudFormation values (see stage.py)."""
    ws_host = "${" + WS_RESOURCE + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${ApiStage}"
    return {
        "APKGEN_REGION": {"Ref": "AWS::Region"},
        "APKGEN_QUEUE_URL": {"Ref": "JobsQueue"},
        "APKGEN_WS_URL": {"Fn::Sub": "wss://" + ws_host},
        "APKGEN_WS_MANAGEMENT_URL": {"Fn::Sub": "https://" + ws_host},
        "APKGEN_PUBLIC_URL": {"Ref": "PublicUrl"},
        "APKGEN_SES_SENDER": {"Ref": "SesSender"},
    }


def merge_template(
    template: dict[str, Any], stage: Stage, functions: list[str]
) -> dict[str, Any]:
    """The file for ``chalice package --merge-template``: ``template`` made to sit in Chalice's
    stack for ``stage``, with ``functions`` (Chalice's logical ids) given the app's role and the
    stack's settings. Pure; ``template`` is not modified."""
    if not functions:
        raise InfraError(
            "chalice package produced no Lambda function; does chalice_app/app.py define routes?"
        )
    merged: dict[str, Any] = rename_ref(copy.deepcopy(template), WS_PARAMETER, WS_RESOURCE)
    params = merged.setdefault("Parameters", {})
    params.pop(WS_PARAMETER, None)
    for name, value in template_parameters(stage).items():
        if name not in params:
            raise InfraError(f"infra/template.yaml has no parameter {name}; add it")
        params[name]["Default"] = value
    resources = merged["Resources"]
    for fid in functions:
        if fid in resources:
            raise InfraError(f"infra/template.yaml defines {fid}, which Chalice defines too")
        resources[fid] = {
            "Properties": {
                "Role": {"Fn::GetAtt": [APP_ROLE, "Arn"]},
                "Environment": {"Variables": stack_environment()},
            }
        }
        # The function's log group, so it has a retention (Chalice 1.34's own
        # log_retention_in_days emits a reference to a resource that does not exist).
        resources[f"{fid}Logs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/lambda/${" + fid + "}"},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        }
    outputs = merged.setdefault("Outputs", {})
    outputs["WebsocketManagementUrl"] = {
        "Value": stack_environment()["APKGEN_WS_MANAGEMENT_URL"]
    }
    return merged


def check_merged(template: dict[str, Any], stage: Stage) -> list[str]:
    """What is wrong with a merged template for ``stage`` (empty when nothing). Pure."""
    problems: list[str] = []
    resources = template.get("Resources", {})
    for rid, res in resources.items():
        if "Type" not in res:
            problems.append(f"{rid} has no Type: it is not a resource Chalice created")
    for fid in function_ids(template):
        props = resources[fid].get("Properties", {})
        if props.get("Role") != {"Fn::GetAtt": [APP_ROLE, "Arn"]}:
            problems.append(f"{fid} does not run as {APP_ROLE}")
        env = props.get("Environment", {}).get("Variables", {})
        for key, value in stage.environment.items():
            if env.get(key) != value:
                problems.append(f"{fid}: {key} is {env.get(key)!r}, config.json says {value!r}")
        for key in stack_environment():
            if key not in env:
                problems.append(f"{fid} lacks {key}")
    if WS_RESOURCE not in resources:
        problems.append(f"no {WS_RESOURCE}: does app.py define WebSocket handlers?")
    text = json.dumps(template)
    if f'"Ref": "{WS_PARAMETER}"' in text or "${" + WS_PARAMETER in text:
        problems.append(f"{WS_PARAMETER} is still referenced")
    return problems


def chalice_command() -> list[str]:
    """How to run the Chalice CLI of this Python (the venv's ``chalice`` script)."""
    script = Path(sys.executable).with_name("chalice")
    if not script.exists():
        raise InfraError(f"no chalice CLI beside {sys.executable}; run `bash scripts/setup.sh`")
    return [str(script)]


def run_chalice_package(
    stage: Stage, out_dir: Path, merge: Path | None = None, chalice_dir: Path = CHALICE_DIR
) -> dict[str, Any]:
    """``chalice package`` for ``stage`` into ``out_dir``; returns the template it wrote."""
    cmd = [*chalice_command(), "--project-dir", str(chalice_dir), "package", "--stage",
           stage.name, "--pkg-format", "cloudformation", "--template-format", "json"]
    if merge is not None:
        cmd += ["--merge-template", str(merge)]
    cmd.append(str(out_dir))
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "us-east-1"))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise InfraError(
            f"`{' '.join(cmd)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    path = out_dir / "sam.json"
    return dict(json.loads(path.read_text()))


def package(stage_name: str, out_dir: Path, chalice_dir: Path = CHALICE_DIR) -> Path:
    """Steps 1-4 above; returns the path of the merged ``sam.json`` in ``out_dir``."""
    stage = load_stage(stage_name, chalice_dir / ".chalice" / "config.json")
    out_dir.mkdir(parents=True, exist_ok=True)
    plain = run_chalice_package(stage, out_dir / "plain", chalice_dir=chalice_dir)
    merge_path = out_dir / "merge.json"
    merge_path.write_text(
        json.dumps(merge_template(load_template(), stage, function_ids(plain)), indent=1)
    )
    merged = run_chalice_package(stage, out_dir, merge=merge_path, chalice_dir=chalice_dir)
    problems = check_merged(merged, stage)
    if problems:
        raise InfraError("the merged template is wrong:\n  " + "\n  ".join(problems))
    prune_deployment_cache(chalice_dir / ".chalice" / "deployments")
    return out_dir / "sam.json"


def prune_deployment_cache(
    directory: Path, keep: int = 2, min_age_s: float = 3600, now: float | None = None
) -> list[Path]:
    """Delete the bundles Chalice cached in ``directory`` (one ~17 MB zip per version of the
    sources, otherwise never removed) except the ``keep`` newest and any younger than
    ``min_age_s`` (another packaging may be using it); returns what was deleted."""
    now = time.time() if now is None else now
    bundles = sorted(directory.glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    stale = [p for p in bundles[keep:] if now - p.stat().st_mtime > min_age_s]
    for old in stale:
        old.unlink(missing_ok=True)
    return stale


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.assemble STAGE OUT_DIR``: prints the merged template's path."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m infra.assemble STAGE OUT_DIR", file=sys.stderr)
        return 2
    try:
        path = package(args[0], Path(args[1]))
    except InfraError as exc:
        print(f"assemble: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
