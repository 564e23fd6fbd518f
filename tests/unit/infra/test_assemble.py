"""merge_template and check_merged: the infra template made to sit in Chalice's stack."""

from __future__ import annotations

import json

import pytest

from infra import InfraError
from infra.assemble import (
    check_merged,
    function_ids,
    load_template,
    merge_template,
    rename_ref,
    stack_environment,
)
from infra.stage import load_stage

FUNCTIONS = ["APIHandler", "WebsocketConnect"]


def merged_for(stage_name: str = "dev") -> dict:
    return merge_template(load_template(), load_stage(stage_name), FUNCTIONS)


def test_points_the_websocket_parameter_at_chalices_api_everywhere():
    merged = merged_for()
    text = json.dumps(merged)
    assert "WebsocketApiId" not in merged["Parameters"]
    assert '"Ref": "WebsocketApiId"' not in text and "${WebsocketApiId}" not in text
    viewers = merged["Resources"]["RunnerTaskRole"]["Properties"]["Policies"][0]
    arns = [s["Resource"] for s in viewers["PolicyDocument"]["Statement"] if s["Sid"] == "Viewers"]
    assert "${WebsocketAPI}/${ApiStage}/" in arns[0]["Fn::Sub"]


def test_defaults_every_name_parameter_from_config_json():
    stage = load_stage("prod")
    params = merge_template(load_template(), stage, FUNCTIONS)["Parameters"]
    assert params["BucketName"]["Default"] == stage.environment["APKGEN_BUCKET"]
    assert params["DlqName"]["Default"] == stage.environment["APKGEN_DLQ_NAME"]
    assert params["Stage"]["Default"] == "prod"


def test_gives_each_function_the_app_role_and_the_stacks_settings():
    merged = merged_for()
    for fid in FUNCTIONS:
        fn = merged["Resources"][fid]
        assert "Type" not in fn  # a partial resource: Chalice's own is deep-merged with it
        assert fn["Properties"]["Role"] == {"Fn::GetAtt": ["AppRole", "Arn"]}
        assert fn["Properties"]["Environment"]["Variables"] == stack_environment()
        logs = merged["Resources"][f"{fid}Logs"]["Properties"]
        assert logs["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{fid}}}"}
        assert logs["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_refuses_an_app_without_functions():
    with pytest.raises(InfraError, match="no Lambda function"):
        merge_template(load_template(), load_stage("dev"), [])


def test_refuses_a_template_that_defines_a_function_chalice_defines():
    template = load_template()
    template["Resources"]["APIHandler"] = {"Type": "AWS::S3::Bucket"}
    with pytest.raises(InfraError, match="defines APIHandler, which Chalice defines too"):
        merge_template(template, load_stage("dev"), FUNCTIONS)


def chalice_like(stage_name: str = "dev") -> dict:
    """What Chalice's deep merge makes of merged_for(): its resources plus the overlay."""
    stage = load_stage(stage_name)
    merged = merged_for(stage_name)
    for fid in FUNCTIONS:
        overlay = merged["Resources"][fid]["Properties"]
        merged["Resources"][fid] = {"Type": "AWS::Serverless::Function", "Properties": {
            "Role": overlay["Role"],
            "Environment": {"Variables": {**stage.environment,
                                          **overlay["Environment"]["Variables"]}}}}
    merged["Resources"]["WebsocketAPI"] = {"Type": "AWS::ApiGatewayV2::Api"}
    return merged


def test_check_merged_accepts_a_correct_merge():
    assert check_merged(chalice_like(), load_stage("dev")) == []
    assert function_ids(chalice_like()) == sorted(FUNCTIONS)


def test_check_merged_flags_a_function_without_the_role_or_a_setting():
    merged = chalice_like()
    merged["Resources"]["APIHandler"]["Properties"]["Role"] = "arn:aws:iam::1:role/other"
    del merged["Resources"]["WebsocketConnect"]["Properties"]["Environment"]["Variables"][
        "APKGEN_BUCKET"]
    problems = check_merged(merged, load_stage("dev"))
    assert "APIHandler does not run as AppRole" in problems
    assert any(p.startswith("WebsocketConnect: APKGEN_BUCKET is None") for p in problems)


def test_check_merged_flags_a_partial_resource_chalice_did_not_create():
    merged = chalice_like()
    merged["Resources"]["Typo"] = {"Properties": {}}
    assert "Typo has no Type: it is not a resource Chalice created" in check_merged(
        merged, load_stage("dev"))


def test_rename_ref_rewrites_ref_getatt_and_sub_only_for_that_name():
    node = {"a": {"Ref": "Old"}, "b": {"Fn::GetAtt": ["Old", "Arn"]},
            "c": {"Fn::Sub": "${Old}/${Old.Arn}/${Older}"}, "d": {"Ref": "Other"}}
    assert rename_ref(node, "Old", "New") == {
        "a": {"Ref": "New"}, "b": {"Fn::GetAtt": ["New", "Arn"]},
        "c": {"Fn::Sub": "${New}/${New.Arn}/${Older}"}, "d": {"Ref": "Other"}}


def test_prune_keeps_only_the_newest_cached_bundles(tmp_path):
    import os

    from infra.assemble import prune_deployment_cache

    now = 1_000_000.0
    ages = {"new.zip": 10, "mid.zip": 20, "recent.zip": 30, "old.zip": 7200, "older.zip": 9000}
    for name, age in ages.items():
        path = tmp_path / name
        path.write_bytes(b"zip")
        os.utime(path, (now - age, now - age))
    (tmp_path / "notes.txt").write_text("kept: not a bundle")
    deleted = prune_deployment_cache(tmp_path, keep=2, min_age_s=3600, now=now)
    assert sorted(p.name for p in deleted) == ["old.zip", "older.zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mid.zip", "new.zip", "notes.txt", "recent.zip"]
