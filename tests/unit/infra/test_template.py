"""infra/template.yaml read as data: what moto cannot check (bucket settings, TTL, scaling, IAM
scoping) is checked here."""

from __future__ import annotations

from typing import Any

import pytest

from infra.assemble import load_template

T = load_template()
R: dict[str, Any] = T["Resources"]


def props(rid: str) -> dict[str, Any]:
    return R[rid]["Properties"]


def statements(role: str) -> dict[str, dict[str, Any]]:
    policy = props(role)["Policies"][0]["PolicyDocument"]["Statement"]
    return {s.get("Sid", str(i)): s for i, s in enumerate(policy)}


def test_bucket_is_private_encrypted_and_expires_uploads_and_artifacts():
    bucket = props("FilesBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    expiring = {r["Prefix"]: r for r in bucket["LifecycleConfiguration"]["Rules"] if "Prefix" in r}
    assert set(expiring) == {"uploads/", "artifacts/"}
    assert all("ExpirationInDays" in r for r in expiring.values())


def test_bucket_cors_lets_the_page_post_the_presigned_upload():
    (rule,) = props("FilesBucket")["CorsConfiguration"]["CorsRules"]
    assert "POST" in rule["AllowedMethods"]
    assert rule["AllowedOrigins"] == [{"Ref": "AllowedOrigin"}]


def test_queue_redrives_to_the_dlq_and_hides_jobs_longer_than_a_heartbeat():
    queue = props("JobsQueue")
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert queue["VisibilityTimeout"] == {"Ref": "VisibilityTimeout"}
    params = T["Parameters"]
    assert params["VisibilityTimeout"]["Default"] > 2 * params["HeartbeatSeconds"]["Default"]


@pytest.mark.parametrize("rid", ["ConnectionsTable", "LogsTable"])
def test_connections_and_logs_expire_by_ttl_on_expires_at(rid: str):
    assert props(rid)["TimeToLiveSpecification"] == {"AttributeName": "expires_at",
                                                     "Enabled": True}


def test_every_table_is_on_demand():
    tables = [rid for rid, r in R.items() if r["Type"] == "AWS::DynamoDB::Table"]
    assert sorted(tables) == ["BuildsTable", "ConnectionsTable", "LogsTable"]
    assert {props(t)["BillingMode"] for t in tables} == {"PAY_PER_REQUEST"}


def test_runner_scales_between_zero_and_the_maximum_on_the_queue():
    target = props("RunnerScalableTarget")
    assert target["MinCapacity"] == 0
    assert props("RunnerService")["DesiredCount"] == 0
    backlog = props("QueueBacklogAlarm")
    assert backlog["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert backlog["AlarmActions"] == [{"Ref": "RunnerScaleOutPolicy"}]
    idle = props("QueueIdleAlarm")
    assert {m["Id"] for m in idle["Metrics"]} == {"visible", "inflight", "busy"}
    assert idle["AlarmActions"] == [{"Ref": "RunnerScaleInPolicy"}]
    (step,) = props("RunnerScaleInPolicy")["StepScalingPolicyConfiguration"]["StepAdjustments"]
    assert step["ScalingAdjustment"] == 0


def test_runner_posts_only_to_this_websocket_apis_connections():
    viewers = statements("RunnerTaskRole")["Viewers"]
    assert viewers["Action"] == ["execute-api:ManageConnections"]
    arn = viewers["Resource"]["Fn::Sub"]
    assert "${WebsocketApiId}/${ApiStage}/" in arn and arn.endswith("/@connections/*")


def test_runner_reads_only_uploads_and_writes_only_artifacts():
    s = statements("RunnerTaskRole")
    assert s["ReadUploads"]["Action"] == ["s3:GetObject"]
    assert s["ReadUploads"]["Resource"]["Fn::Sub"].endswith("/uploads/*")
    assert s["WriteArtifacts"]["Action"] == ["s3:PutObject"]
    assert s["WriteArtifacts"]["Resource"]["Fn::Sub"].endswith("/artifacts/*")
    # Reading artifacts only to presign the download link (see the template's comment).
    assert s["PresignDownloads"]["Action"] == ["s3:GetObject"]
    assert s["PresignDownloads"]["Resource"]["Fn::Sub"].endswith("/artifacts/*")
    s3_statements = [x for x in s.values() if any(a.startswith("s3:") for a in x["Action"])]
    assert {x["Sid"] for x in s3_statements} == {"ReadUploads", "WriteArtifacts",
                                                 "PresignDownloads", "ListForNotFound"}


@pytest.mark.parametrize("role", ["AppRole", "RunnerTaskRole"])
def test_no_role_has_a_wildcard_action_or_a_wildcard_resource_outside_ses(role: str):
    for sid, statement in statements(role).items():
        assert all("*" not in action for action in statement["Action"]), sid
        if sid != "Mail":
            assert statement["Resource"] != "*", sid


def test_keystore_secret_has_no_value_in_the_template_and_reaches_the_task_as_secrets():
    secret = props("KeystoreSecret")
    assert "SecretString" not in secret and "GenerateSecretString" not in secret
    (container,) = props("RunnerTaskDefinition")["ContainerDefinitions"]
    names = {s["Name"] for s in container["Secrets"]}
    assert names == {"APKGEN_KEYSTORE_B64", "APKGEN_KEYSTORE_PASSWORD", "APKGEN_KEY_PASSWORD",
                     "APKGEN_KEY_ALIAS"}
    assert not names & {e["Name"] for e in container["Environment"]}
    execution = props("RunnerExecutionRole")["Policies"][0]["PolicyDocument"]["Statement"]
    assert execution == [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
                          "Resource": {"Ref": "KeystoreSecret"}}]


def test_task_gets_every_setting_the_app_gets_from_the_stack():
    from infra.stage import NAME_PARAMETERS, STACK_SETTINGS

    (container,) = props("RunnerTaskDefinition")["ContainerDefinitions"]
    env = {e["Name"] for e in container["Environment"]}
    assert set(NAME_PARAMETERS) | set(STACK_SETTINGS) <= env
