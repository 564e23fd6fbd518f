"""strip_for_moto: what moto cannot create goes, with its reason; references become placeholders."""

from __future__ import annotations

import copy

from infra.moto_compat import REASONS, placeholder, references, strip_for_moto

SUPPORTED = {"AWS::S3::Bucket", "AWS::IAM::Role", "AWS::Lambda::Permission"}

TEMPLATE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "x"}},
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
        "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Odd": {"Type": "AWS::Made::Up"},
        "Role": {
            "Type": "AWS::IAM::Role",
            "DependsOn": ["Api", "Bucket"],
            "Properties": {
                "Arn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${Api}/${Bucket}/${Fn.Arn}"},
                "Id": {"Ref": "Api"},
                "Target": {"Fn::GetAtt": ["Fn", "Arn"]},
                "Keep": {"Ref": "Bucket"},
            },
        },
    },
    "Outputs": {"ApiId": {"Value": {"Ref": "Api"}}},
}


def test_removes_unsupported_resources_each_with_its_reason():
    stripped = strip_for_moto(TEMPLATE, SUPPORTED)
    assert set(stripped.removed) == {"Api", "Fn", "Perm", "Odd"}
    assert stripped.removed["Api"] == REASONS["AWS::ApiGatewayV2::Api"]
    assert "SAM transform" in stripped.removed["Fn"]
    assert stripped.removed["Odd"] == "moto's CloudFormation does not implement AWS::Made::Up"
    assert stripped.removed["Perm"] == "grants access to Fn, which is removed"
    assert "Transform" not in stripped.template
    assert set(stripped.template["Resources"]) == {"Bucket", "Role"}


def test_points_references_to_removed_resources_at_placeholders_and_keeps_the_rest():
    role = strip_for_moto(TEMPLATE, SUPPORTED).template["Resources"]["Role"]
    assert role["DependsOn"] == ["Bucket"]
    p = role["Properties"]
    assert p["Arn"] == {"Fn::Sub": "arn:${AWS::Partition}:execute-api:moto-removed-Api/${Bucket}/"
                                   "moto-removed-Fn-Arn"}
    assert p["Id"] == placeholder("Api")
    assert p["Target"] == "moto-removed-Fn-Arn"
    assert p["Keep"] == {"Ref": "Bucket"}


def test_outputs_lose_their_references_to_removed_resources():
    outputs = strip_for_moto(TEMPLATE, SUPPORTED).template["Outputs"]
    assert outputs["ApiId"]["Value"] == "moto-removed-Api"


def test_leaves_its_input_untouched():
    before = copy.deepcopy(TEMPLATE)
    strip_for_moto(TEMPLATE, SUPPORTED)
    assert before == TEMPLATE


def test_finds_references_in_ref_getatt_and_both_forms_of_sub():
    node = {"a": {"Ref": "A"}, "b": {"Fn::GetAtt": ["B", "Arn"]},
            "c": {"Fn::Sub": "${C.Arn}/${AWS::Region}/${!Literal}"},
            "d": {"Fn::Sub": ["${x}", {"x": {"Ref": "D"}}]}}
    # ``x`` is the Sub's own variable, not a resource.
    assert references(node) == {"A", "B", "C", "AWS::Region", "D"}
