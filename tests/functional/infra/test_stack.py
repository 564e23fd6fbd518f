"""The deployable stack, offline: ``chalice package`` merged with infra/template.yaml for each
stage, cfn-lint on every template, and the merged stack created in moto's CloudFormation with
the resources the app's and the runner's settings expect."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from apkgen_core.settings import Settings
from infra.assemble import function_ids, load_template, package
from infra.moto_compat import REASONS, moto_supported_types, strip_for_moto
from infra.stage import TEMPLATE_PATH

STAGES = ("dev", "prod")
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

# docs/contracts.md, "DynamoDB tables".
CONTRACT_TABLES: dict[str, dict[str, Any]] = {
    "builds_table": {"keys": [("build_id", "HASH", "S")], "gsi": {}},
    "connections_table": {
        "keys": [("build_id", "HASH", "S"), ("connection_id", "RANGE", "S")],
        "gsi": {"by_connection": ([("connection_id", "HASH", "S")], "ALL")},
    },
    "logs_table": {"keys": [("build_id", "HASH", "S"), ("last_seq", "RANGE", "N")], "gsi": {}},
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The merged sam.json of each stage, packaged once for the module."""
    out = tmp_path_factory.mktemp("packaged")
    return {stage: package(stage, out / stage) for stage in STAGES}


def read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


@pytest.mark.parametrize("stage", STAGES)
def test_chalice_package_succeeds_for_each_stage(packaged: dict[str, Path], stage: str):
    sam = read(packaged[stage])
    assert {"APIHandler", "WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect"} <= set(
        function_ids(sam))
    with zipfile.ZipFile(packaged[stage].parent / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    # The core shared with the runner sits at the package root (from chalice_app/vendor/).
    assert {"app.py", "chalicelib/aws.py", "apkgen_core/settings.py",
            "apkgen_core/package_names.py"} <= names


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(lint), *map(str, paths)], capture_output=True, text=True,
                          check=False, timeout=240)


def test_cfn_lint_reports_no_errors_on_any_template(packaged: dict[str, Path]):
    done = cfn_lint(TEMPLATE_PATH, *packaged.values())
    # cfn-lint's exit status is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
    assert done.returncode & 2 == 0, done.stdout + done.stderr


def test_cfn_lint_catches_a_broken_template(tmp_path: Path):
    template = load_template()
    template["Resources"]["BuildsTable"]["Properties"]["KeySchema"][0]["KeyType"] = "PRIMARY"
    template["Resources"]["RunnerService"]["Properties"]["Cluster"] = {"Ref": "NoSuchCluster"}
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(template))
    done = cfn_lint(broken)
    assert done.returncode & 2, done.stdout
    assert "PRIMARY" in done.stdout and "NoSuchCluster" in done.stdout


def literal_env(variables: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in variables.items() if isinstance(v, str)}


def create_in_moto(template: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Create the stripped stack; returns (outputs, removed). Call inside mock_aws."""
    ec2 = boto3.client("ec2", region_name=REGION, **CREDENTIALS)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    stripped = strip_for_moto(template, moto_supported_types())
    cfn = boto3.client("cloudformation", region_name=REGION, **CREDENTIALS)
    cfn.create_stack(
        StackName="apkgen", TemplateBody=json.dumps(stripped.template),
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
            "VpcId": vpc, "Subnets": subnet, "RunnerImage": "example.invalid/apkgen-runner:1",
        }.items()],
    )
    (stack,) = cfn.describe_stacks(StackName="apkgen")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    return outputs, stripped.removed


@pytest.mark.parametrize("stage", STAGES)
def test_merged_stack_creates_in_moto_what_the_settings_expect(
    packaged: dict[str, Path], stage: str
):
    template = read(packaged[stage])
    app_env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    app = Settings.from_env(literal_env(app_env))
    with mock_aws():
        outputs, removed = create_in_moto(template)
        # Only what moto cannot create was removed; the data and the runner were created.
        kept_types = {"AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::DynamoDB::Table",
                      "AWS::IAM::Role", "AWS::ECS::Service", "AWS::ECS::TaskDefinition"}
        types = {rid: res["Type"] for rid, res in template["Resources"].items()}
        assert not {types[rid] for rid in removed} & kept_types
        assert all(types[rid] in REASONS or types[rid] == "AWS::Lambda::Permission"
                   for rid in removed), removed

        s3 = boto3.client("s3", region_name=REGION, **CREDENTIALS)
        s3.head_bucket(Bucket=app.bucket)
        encryption = s3.get_bucket_encryption(Bucket=app.bucket)
        rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

        sqs = boto3.client("sqs", region_name=REGION, **CREDENTIALS)
        queue_url = sqs.get_queue_url(QueueName=app.queue_name)["QueueUrl"]
        assert queue_url == outputs["QueueUrl"]
        dlq_url = sqs.get_queue_url(QueueName=app.dlq_name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        assert int(attrs["VisibilityTimeout"]) == app.visibility_timeout_s
        assert json.loads(attrs["RedrivePolicy"]) == {
            "deadLetterTargetArn": dlq_arn, "maxReceiveCount": app.max_receive_count}

        ddb = boto3.client("dynamodb", region_name=REGION, **CREDENTIALS)
        for field, want in CONTRACT_TABLES.items():
            table = ddb.describe_table(TableName=getattr(app, field))["Table"]
            types_of = {a["AttributeName"]: a["AttributeType"]
                        for a in table["AttributeDefinitions"]}
            assert [(k["AttributeName"], k["KeyType"], types_of[k["AttributeName"]])
                    for k in table["KeySchema"]] == want["keys"], field
            gsi = {g["IndexName"]: ([(k["AttributeName"], k["KeyType"],
                                      types_of[k["AttributeName"]]) for k in g["KeySchema"]],
                                    g["Projection"]["ProjectionType"])
                   for g in table.get("GlobalSecondaryIndexes", [])}
            assert gsi == want["gsi"], field
            assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

        # The runner's task gets the same names, and the queue's real URL.
        ecs = boto3.client("ecs", region_name=REGION, **CREDENTIALS)
        (arn,) = ecs.list_task_definitions()["taskDefinitionArns"]
        (container,) = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"][
            "containerDefinitions"]
        runner = Settings.from_env({e["name"]: e["value"] for e in container["environment"]})
        for field in ("bucket", "builds_table", "connections_table", "logs_table", "queue_name",
                      "dlq_name", "visibility_timeout_s", "heartbeat_s", "max_receive_count"):
            assert getattr(runner, field) == getattr(app, field), field
        assert runner.queue_url == queue_url
        services = ecs.list_services(cluster=outputs["RunnerCluster"])["serviceArns"]
        assert len(services) == 1

        # The runner's policy names the real tables (its references resolved in the stack).
        iam = boto3.client("iam", region_name=REGION, **CREDENTIALS)
        role = next(r["RoleName"] for r in iam.list_roles()["Roles"]
                    if "RunnerTaskRole" in r["RoleName"])
        document = iam.get_role_policy(RoleName=role, PolicyName="apkgen-runner")["PolicyDocument"]
        if isinstance(document, str):  # moto keeps a CloudFormation policy as Python's repr
            document = ast.literal_eval(urllib.parse.unquote(document))
        builds = next(s for s in document["Statement"] if s["Sid"] == "Builds")
        assert builds["Resource"] == ddb.describe_table(TableName=app.builds_table)["Table"][
            "TableArn"]
