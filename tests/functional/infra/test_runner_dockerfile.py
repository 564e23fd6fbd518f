"""What the runner image installs, without Docker: the files runner.Dockerfile copies are built
into a wheel the way its ``pip install .`` does, and every file of build_runner, chalicelib and
apkgen_core (code and package data: smali, XML, web assets) must be in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "infra" / "runner.Dockerfile"


def copied_into_the_project_dir() -> list[str]:
    """The sources of the COPY instructions after ``WORKDIR /opt/apkgen`` (the project)."""
    sources: list[str] = []
    in_project = False
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("WORKDIR"):
            in_project = line.split()[1] == "/opt/apkgen"
        elif line.startswith("COPY") and in_project:
            sources += line.split()[1:-1]
    return sources


def test_the_image_installs_every_file_of_the_runner_and_chalicelib(tmp_path: Path):
    project = tmp_path / "project"
    for source in copied_into_the_project_dir():
        target = project / source
        if (REPO / source).is_dir():
            shutil.copytree(REPO / source, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, target)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(project)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        installed = set(archive.namelist())
    wanted = {
        str(path.relative_to(root))
        for root, package in ((REPO, "build_runner"), (REPO / "chalice_app", "chalicelib"),
                              (REPO / "chalice_app" / "vendor", "apkgen_core"))
        for path in (root / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert "build_runner/runner/cli.py" in wanted and "apkgen_core/settings.py" in wanted
    missing = sorted(wanted - installed)
    assert not missing, f"not installed in the image: {missing[:20]}"
