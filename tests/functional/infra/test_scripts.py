"""deploy.sh, destroy.sh and keystore.sh, run for real with a stand-in for the ``aws`` CLI
(fake_aws.py: the CLI is outside the project and AWS unreachable), and shellcheck on them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.infra.fake_aws import ENDPOINT

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = ["infra/deploy.sh", "infra/destroy.sh", "infra/keystore.sh", "infra/lib.sh",
           "infra/runner-entrypoint.sh"]


def system_path() -> str:
    """PATH without any real aws CLI."""
    return os.pathsep.join(d for d in ("/usr/local/bin", "/usr/bin", "/bin")
                           if not (Path(d) / "aws").exists())


@pytest.fixture
def fake_aws(tmp_path: Path) -> Path:
    """A bin directory with ``aws`` = fake_aws.py; state under tmp_path/state."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "state").mkdir()
    aws = bin_dir / "aws"
    fake = Path(__file__).with_name("fake_aws.py")
    aws.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{fake}" "$@"\n')
    aws.chmod(0o755)
    return tmp_path


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", script, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=240, check=False)


def fake_env(root: Path, **extra: str) -> dict[str, str]:
    return {"PATH": f"{root / 'bin'}{os.pathsep}{system_path()}", "HOME": str(root),
            "FAKE_AWS_STATE": str(root / "state"), "AWS_REGION": "us-east-1",
            "PY": sys.executable, "APKGEN_OUT_DIR": str(root / "out"), **extra}


def calls(root: Path) -> list[list[str]]:
    lines = (root / "state" / "calls.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def overrides(call: list[str]) -> dict[str, str]:
    start = call.index("--parameter-overrides") + 1
    return dict(item.split("=", 1) for item in call[start:])


def test_shell_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (scripts/setup.sh installs it)")
    done = subprocess.run(["shellcheck", "-x", *SCRIPTS], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("script", ["infra/deploy.sh", "infra/destroy.sh", "infra/keystore.sh"])
def test_without_the_aws_cli_each_script_says_how_to_install_it(script: str, tmp_path: Path):
    done = run(script, "dev", env={"PATH": system_path(), "HOME": str(tmp_path),
                                   "PY": sys.executable})
    assert done.returncode == 1
    assert "the AWS CLI is not installed" in done.stderr
    assert "getting-started-install" in done.stderr and "aws configure" in done.stderr


def test_deploy_refuses_the_local_stage_and_a_missing_stage(fake_aws: Path):
    local = run("infra/deploy.sh", "local", env=fake_env(fake_aws))
    assert local.returncode == 1 and "deploy dev or prod" in local.stderr
    missing = run("infra/deploy.sh", env=fake_env(fake_aws))
    assert missing.returncode == 1 and "usage:" in missing.stderr


def test_first_deploy_packages_the_merged_stack_then_tells_it_its_own_url(fake_aws: Path):
    env = fake_env(fake_aws, APKGEN_RUNNER_IMAGE="123.dkr.ecr.us-east-1.amazonaws.com/r:1",
                   APKGEN_VPC_ID="vpc-1", APKGEN_SUBNETS="subnet-a,subnet-b")
    done = run("infra/deploy.sh", "dev", env=env)
    assert done.returncode == 0, done.stderr
    made = calls(fake_aws)
    package = next(c for c in made if c[:2] == ["cloudformation", "package"])
    sam = json.loads(Path(package[package.index("--template-file") + 1]).read_text())
    assert "RunnerService" in sam["Resources"] and "APIHandler" in sam["Resources"]
    deploys = [c for c in made if c[:2] == ["cloudformation", "deploy"]]
    assert len(deploys) == 2
    first, second = map(overrides, deploys)
    assert first["PublicUrl"] == "" and first["AllowedOrigin"] == "*"
    assert second["PublicUrl"] == ENDPOINT.rstrip("/")
    assert second["AllowedOrigin"] == "https://abc123.execute-api.us-east-1.amazonaws.com"
    assert second["Subnets"] == "subnet-a,subnet-b" and second["VpcId"] == "vpc-1"
    assert second["RunnerImage"].endswith("/r:1")
    assert "CAPABILITY_AUTO_EXPAND" in deploys[0]
    assert "bash infra/keystore.sh dev" in done.stdout
    # Deploying again: the stack knows its URL, one deploy is enough.
    again = run("infra/deploy.sh", "dev", env=env)
    assert again.returncode == 0, again.stderr
    assert len([c for c in calls(fake_aws) if c[:2] == ["cloudformation", "deploy"]]) == 3


def test_destroy_empties_the_bucket_before_deleting_the_stack(fake_aws: Path):
    state = fake_aws / "state" / "stack.json"
    state.write_text(json.dumps({"BucketName": "apkgen-dev-files",
                                 "KeystoreSecretArn": "arn:aws:secretsmanager:x:secret:K"}))
    refused = subprocess.run(["bash", "infra/destroy.sh", "dev"], cwd=REPO, input="prod\n",
                             env=fake_env(fake_aws), capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and "not confirmed" in refused.stderr
    assert state.exists()
    done = run("infra/destroy.sh", "dev", env=fake_env(fake_aws, APKGEN_YES="1"))
    assert done.returncode == 0, done.stderr
    made = [c[:2] for c in calls(fake_aws)]
    assert made.index(["s3", "rm"]) < made.index(["cloudformation", "delete-stack"])
    assert ["cloudformation", "wait"] in made
    assert "Kept: the keystore secret arn:aws:secretsmanager:x:secret:K" in done.stdout
    assert not state.exists()


def test_keystore_generates_a_key_and_stores_it_without_passwords_on_the_command_line(
    fake_aws: Path,
):
    if shutil.which("keytool") is None:
        pytest.skip("keytool is not installed (scripts/setup.sh installs the JDK)")
    (fake_aws / "state" / "stack.json").write_text(json.dumps(
        {"KeystoreSecretArn": "arn:aws:secretsmanager:x:secret:K", "RunnerCluster": "c",
         "RunnerServiceName": "s"}))
    done = run("infra/keystore.sh", "dev", env=fake_env(fake_aws))
    assert done.returncode == 0, done.stderr
    put = next(c for c in calls(fake_aws) if c[:2] == ["secretsmanager", "put-secret-value"])
    assert put[put.index("--secret-id") + 1] == "arn:aws:secretsmanager:x:secret:K"
    assert put[put.index("--secret-string") + 1].startswith("file://")  # not the value itself
    assert ["ecs", "update-service"] in [c[:2] for c in calls(fake_aws)]
