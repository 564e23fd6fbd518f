"""One stage of ``chalice_app/.chalice/config.json``, and the template parameters it implies.

``config.json`` is the single source of the names: the Lambda functions get its
``environment_variables`` from Chalice, and :func:`template_parameters` turns the same values into
the defaults of ``infra/template.yaml``'s parameters, so the resources the stack creates are the
resources the app and the runner look for. Pure apart from :func:`load_stage` reading the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import InfraError

REPO = Path(__file__).resolve().parents[1]
CHALICE_DIR = REPO / "chalice_app"
CONFIG_PATH = CHALICE_DIR / ".chalice" / "config.json"
TEMPLATE_PATH = REPO / "infra" / "template.yaml"

# Settings field (APKGEN_<FIELD>) -> template parameter. Each must be set by every deployable
# stage: the resources are created under these names.
NAME_PARAMETERS: dict[str, str] = {
    "APKGEN_BUCKET": "BucketName",
    "APKGEN_BUILDS_TABLE": "BuildsTableName",
    "APKGEN_CONNECTIONS_TABLE": "ConnectionsTableName",
    "APKGEN_LOGS_TABLE": "LogsTableName",
    "APKGEN_QUEUE_NAME": "QueueName",
    "APKGEN_DLQ_NAME": "DlqName",
}
# Optional numbers the template needs too (the template's own default applies when unset).
NUMBER_PARAMETERS: dict[str, str] = {
    "APKGEN_MAX_RECEIVE_COUNT": "MaxReceiveCount",
    "APKGEN_VISIBILITY_TIMEOUT_S": "VisibilityTimeout",
    "APKGEN_HEARTBEAT_S": "HeartbeatSeconds",
}
# Settings only the deployed stack knows (filled by the merged template, never in config.json).
STACK_SETTINGS = (
    "APKGEN_REGION",
    "APKGEN_QUEUE_URL",
    "APKGEN_WS_URL",
    "APKGEN_WS_MANAGEMENT_URL",
    "APKGEN_PUBLIC_URL",
    "APKGEN_SES_SENDER",
)
# Never in config.json: it is committed. Secrets come from Secrets Manager.
FORBIDDEN = ("APKGEN_KEYSTORE_PASSWORD", "APKGEN_KEY_PASSWORD", "APKGEN_AWS_ENDPOINT_URL")


@dataclass(frozen=True)
class Stage:
    """A deployable stage: its name, API Gateway stage and the app's environment variables."""

    name: str
    api_gateway_stage: str
    environment: dict[str, str]
    lambda_timeout: int
    lambda_memory_size: int


def parse_stage(config: dict[str, Any], name: str) -> Stage:
    """The stage ``name`` of a parsed config.json. Raises InfraError saying what to fix."""
    stages = config.get("stages") or {}
    if name not in stages:
        raise InfraError(
            f"stage {name!r} is not in chalice_app/.chalice/config.json "
            f"(stages: {sorted(stages)}); add it there or pick one of those"
        )
    raw = stages[name]
    env = dict(raw.get("environment_variables") or {})
    missing = [key for key in NAME_PARAMETERS if not env.get(key)]
    if missing:
        raise InfraError(
            f"stage {name!r} in config.json has no {', '.join(missing)} in environment_variables;"
            " every deployable stage names its bucket, tables and queues there"
        )
    stack_owned = [key for key in STACK_SETTINGS if key in env]
    if stack_owned:
        raise InfraError(
            f"stage {name!r} sets {', '.join(stack_owned)} in config.json, but the stack fills "
            "them (infra/assemble.py); remove them from environment_variables"
        )
    secret = [key for key in FORBIDDEN if key in env]
    if secret:
        raise InfraError(
            f"stage {name!r} sets {', '.join(secret)} in config.json; secrets and endpoints "
            "never go there (the keystore is in Secrets Manager: infra/keystore.sh)"
        )
    for key in NUMBER_PARAMETERS:
        if key in env and not str(env[key]).isdigit():
            raise InfraError(f"stage {name!r}: {key}={env[key]!r} in config.json is not a number")
    stage_api = raw.get("api_gateway_stage", config.get("api_gateway_stage", "api"))
    return Stage(
        name=name,
        api_gateway_stage=str(stage_api),
        environment={k: str(v) for k, v in env.items()},
        lambda_timeout=int(raw.get("lambda_timeout", config.get("lambda_timeout", 60))),
        lambda_memory_size=int(
            raw.get("lambda_memory_size", config.get("lambda_memory_size", 128))
        ),
    )


def load_stage(name: str, config_path: Path = CONFIG_PATH) -> Stage:
    """Read config.json and return the stage ``name`` (see :func:`parse_stage`)."""
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise InfraError(f"cannot read {config_path}: {exc}") from exc
    return parse_stage(config, name)


def template_parameters(stage: Stage) -> dict[str, str]:
    """The template parameters config.json decides: stage names, table/queue names, numbers."""
    params = {"Stage": stage.name, "ApiStage": stage.api_gateway_stage}
    for key, param in NAME_PARAMETERS.items():
        params[param] = stage.environment[key]
    for key, param in NUMBER_PARAMETERS.items():
        if key in stage.environment:
            params[param] = stage.environment[key]
    return params
