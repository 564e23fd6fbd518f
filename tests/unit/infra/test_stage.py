"""chalice_app/.chalice/config.json's stages, and the template parameters they imply."""

from __future__ import annotations

import json

import pytest

from apkgen_core.settings import Settings
from infra import InfraError
from infra.stage import (
    CONFIG_PATH,
    NAME_PARAMETERS,
    STACK_SETTINGS,
    load_stage,
    parse_stage,
    template_parameters,
)

DEPLOYABLE = ("dev", "prod")


def config() -> dict:
    return json.loads(CONFIG_PATH.read_text())


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_every_deployable_stage_names_its_resources_and_limits_settings_can_read(name: str):
    stage = load_stage(name)
    settings = Settings.from_env(stage.environment)
    assert settings.bucket == stage.environment["APKGEN_BUCKET"]
    assert settings.builds_table.startswith(f"apkgen-{name}-")
    assert settings.visibility_timeout_s > 2 * settings.heartbeat_s
    # API Gateway hands Lambda a base64 body: 4 MB of zip is about 5.6 MB, under Lambda's 6 MB.
    assert settings.max_inline_upload_bytes <= 4 * 1024 * 1024


def test_stages_do_not_share_a_single_resource_name():
    dev, prod = (load_stage(name).environment for name in DEPLOYABLE)
    assert {dev[key] for key in NAME_PARAMETERS}.isdisjoint({prod[key] for key in NAME_PARAMETERS})


def test_local_stage_leaves_the_local_stacks_environment_alone():
    # Chalice copies a stage's variables over os.environ; `chalice local --stage local` must not.
    assert config()["stages"]["local"].get("environment_variables", {}) == {}


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_deployable_stages_set_lambda_size_and_a_role_the_stack_replaces(name: str):
    raw = config()["stages"][name]
    assert raw["manage_iam_role"] is False
    assert raw["lambda_timeout"] <= 30  # API Gateway's REST integration gives up at 29 s
    assert raw["lambda_memory_size"] >= 256


def test_refuses_an_unknown_stage_and_names_the_known_ones():
    with pytest.raises(InfraError, match=r"'staging' is not in .*\['dev', 'prod'\]"):
        parse_stage({"stages": {"dev": {}, "prod": {}}}, "staging")


def test_refuses_a_stage_without_resource_names_and_says_which():
    with pytest.raises(InfraError, match=r"no APKGEN_BUCKET.*environment_variables"):
        parse_stage({"stages": {"x": {"environment_variables": {}}}}, "x")


def full_env(**extra: str) -> dict:
    env = {key: f"name-{i}" for i, key in enumerate(NAME_PARAMETERS)}
    return {"stages": {"x": {"environment_variables": {**env, **extra}}}}


def test_refuses_settings_only_the_stack_knows():
    with pytest.raises(InfraError, match=r"APKGEN_QUEUE_URL.*stack fills"):
        parse_stage(full_env(APKGEN_QUEUE_URL="https://sqs.example/1/q"), "x")
    assert "APKGEN_WS_MANAGEMENT_URL" in STACK_SETTINGS


def test_refuses_passwords_in_the_committed_config():
    with pytest.raises(InfraError, match=r"APKGEN_KEYSTORE_PASSWORD.*Secrets Manager"):
        parse_stage(full_env(APKGEN_KEYSTORE_PASSWORD="hunter2"), "x")


def test_refuses_a_limit_that_is_not_a_number():
    with pytest.raises(InfraError, match="APKGEN_VISIBILITY_TIMEOUT_S='two minutes'"):
        parse_stage(full_env(APKGEN_VISIBILITY_TIMEOUT_S="two minutes"), "x")


def test_template_parameters_take_every_name_from_the_stage():
    stage = load_stage("prod")
    params = template_parameters(stage)
    assert params["Stage"] == "prod"
    assert params["ApiStage"] == stage.api_gateway_stage
    assert params["BucketName"] == stage.environment["APKGEN_BUCKET"]
    assert params["ConnectionsTableName"] == stage.environment["APKGEN_CONNECTIONS_TABLE"]
    assert params["VisibilityTimeout"] == stage.environment["APKGEN_VISIBILITY_TIMEOUT_S"]
