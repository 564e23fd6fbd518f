"""What a template role's Allow statements allow: the actions, and the resources they name."""

from __future__ import annotations

from infra.iam_policy import allowed_actions, allowed_on, is_allowed


def test_the_resources_a_policy_statement_names_are_read_from_getatt_ref_and_sub():
    template = {"Resources": {"Role": {"Properties": {"Policies": [{"PolicyDocument": {
        "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:Query"],
             "Resource": [{"Fn::GetAtt": ["Builds", "Arn"]},
                          {"Fn::Sub": "${Conns.Arn}/index/by_connection"}]},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "Bucket"}},
            {"Effect": "Deny", "Action": "dynamodb:DeleteItem",
             "Resource": {"Fn::GetAtt": ["Builds", "Arn"]}},
        ]}}]}}}}
    assert allowed_on(template, "Role") == {
        "Builds": ["dynamodb:Query"], "Conns": ["dynamodb:Query"], "Bucket": ["s3:GetObject"]
    }


def test_the_actions_of_a_role_are_those_of_its_allow_statements_only():
    template = {"Resources": {"Role": {"Properties": {"Policies": [
        {"PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "sqs:SendMessage"}}},
        {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"]},
            {"Effect": "Deny", "Action": "s3:DeleteObject"},
        ]}},
    ]}}}}
    assert allowed_actions(template, "Role") == ["sqs:SendMessage", "s3:GetObject", "s3:PutObject"]


def test_an_action_is_allowed_through_a_wildcard_whatever_its_case():
    assert is_allowed("dynamodb:PutItem", ["dynamodb:Put*"])
    assert is_allowed("s3:GetObject", ["S3:getobject"])
    assert not is_allowed("dynamodb:DeleteItem", ["dynamodb:Put*", "s3:*"])
