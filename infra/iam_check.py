"""Every AWS API call the code makes is allowed by the IAM policy of the component that makes it.

Static, with :mod:`ast` — nothing is imported or run. For each component (:data:`COMPONENTS`:
the Lambda app, the runner) the checker:

1. parses its own modules (``chalice_app/app.py``; ``build_runner/**``) and the shared library
   (``chalice_app/chalicelib``);
2. finds the functions the component can reach: all of its own, plus every library function
   whose *name* it calls, transitively (:mod:`infra.call_graph`);
3. in those functions, finds the boto3 calls ``receiver.method(...)`` and the service of each
   receiver (:mod:`infra.aws_calls`);
4. maps each method to IAM actions (:mod:`infra.aws_operations`: botocore's operation names;
   ``post_to_connection`` → ``execute-api:ManageConnections``, ``generate_presigned_post`` →
   ``s3:PutObject``, ``head_object`` → ``s3:GetObject`` and ``s3:ListBucket`` …);
5. reports each action the component's role in the template does not allow
   (:mod:`infra.iam_policy`), and each call whose service it cannot tell (rename the receiver
   after its service to fix that);
6. for the stores of one table each (:data:`MODULE_RESOURCES`: ``builds.py`` → the builds
   table …), also requires the action on *that* table: ``DeleteItem`` allowed on the
   connections table does not let ``builds.py`` delete a build.

Other resource scoping (bucket prefixes, queues) is in the template and reviewed there. Pure
apart from reading files: :func:`check_sources` takes sources as text, :func:`check_repo` reads
them from the repository.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.aws_calls import AwsCall, find_calls
from infra.iam_policy import allowed_actions, allowed_on, is_allowed

# The components of apkgen: their own code, and the role they run as in infra/template.yaml.
COMPONENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "app (Lambda)": (("chalice_app/app.py",), "AppRole"),
    "runner (ECS)": (("build_runner",), "RunnerTaskRole"),
}
LIBRARY = "chalice_app/chalicelib"
# The stores that each work on one table, and that table in infra/template.yaml.
MODULE_RESOURCES: dict[str, str] = {
    "chalice_app/chalicelib/builds.py": "BuildsTable",
    "chalice_app/chalicelib/connections.py": "ConnectionsTable",
    "chalice_app/chalicelib/logstore.py": "LogsTable",
}


@dataclass(frozen=True)
class Finding:
    """A call the component's role does not allow, or whose service cannot be told."""

    component: str
    call: AwsCall
    missing: tuple[str, ...]

    def __str__(self) -> str:
        what = self.call.problem or f"needs {', '.join(self.missing)}, not in the role's policy"
        return f"{self.component}: {self.call.path}:{self.call.line} {self.call.text}: {what}"


def check_sources(
    component: str,
    entry: dict[str, str],
    library: dict[str, str],
    allowed: list[str],
    *,
    on: dict[str, list[str]] | None = None,
    module_resources: dict[str, str] | None = None,
) -> list[Finding]:
    """Findings for one component whose role allows ``allowed``; empty when all is allowed.

    ``entry`` and ``library`` map paths to source text (see :func:`infra.aws_calls.find_calls`).
    With ``on`` (template resource → actions allowed on it, :func:`infra.iam_policy.allowed_on`),
    a call in a module of ``module_resources`` (path → template resource) must be allowed on
    that resource.
    """
    findings: list[Finding] = []
    for call in find_calls(entry, library):
        if call.problem:
            findings.append(Finding(component, call, ()))
            continue
        missing = tuple(a for a in call.actions if not is_allowed(a, allowed))
        resource = (module_resources or {}).get(call.path)
        if not missing and on is not None and resource is not None:
            missing = tuple(
                f"{a} on {resource}" for a in call.actions
                if not is_allowed(a, on.get(resource, []))
            )
        if missing:
            findings.append(Finding(component, call, missing))
    return findings


def _sources(repo: Path, roots: Iterable[str]) -> dict[str, str]:
    """Path relative to ``repo`` -> text, for each root file and each ``*.py`` under a root."""
    out: dict[str, str] = {}
    for root in roots:
        path = repo / root
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            out[str(file.relative_to(repo))] = file.read_text()
    return out


def check_repo(repo: Path, template: dict[str, Any]) -> list[Finding]:
    """Findings for every component of the repo at ``repo`` against ``template``'s roles."""
    library = _sources(repo, [LIBRARY])
    findings: list[Finding] = []
    for component, (roots, role) in COMPONENTS.items():
        findings += check_sources(
            component, _sources(repo, roots), library, allowed_actions(template, role),
            on=allowed_on(template, role), module_resources=MODULE_RESOURCES,
        )
    return findings
