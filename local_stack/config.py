"""The local stack's configuration: options, ports, URLs and every child's environment.

Pure but for :func:`free_port` (which binds a socket to ask the OS): ports given as 0 are
chosen here (bind to port 0, read, release) before any process starts, because each part's
settings name the others' URLs. :func:`child_environment` is what every child is configured by:
as on AWS, where the Lambda functions and the runner share nothing but settings.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_SPEC = str(REPO / "chalice_app" / "app.py") + ":app"
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}
# Settings that say where the parts are (or which runner is which): the stack decides them, so
# the caller's values (say, from a shell set up for AWS) never reach a child.
STACK_OWNED_SETTINGS = frozenset(
    {
        "APKGEN_AWS_ENDPOINT_URL",
        "APKGEN_REGION",
        "APKGEN_QUEUE_URL",
        "APKGEN_WS_URL",
        "APKGEN_WS_MANAGEMENT_URL",
        "APKGEN_PUBLIC_URL",
        "APKGEN_WORK_DIR",
        "APKGEN_RUNNER_ID",
    }
)


@dataclass(frozen=True)
class StackOptions:
    """Ports (0 = a free one), runner count, where state lives, and extra settings.

    ``env`` adds or overrides environment variables of every child (``APKGEN_*`` settings such as
    ``APKGEN_VISIBILITY_TIMEOUT_S``). ``persist_moto`` keeps moto's state in ``state_dir/moto``
    across restarts (see ``local_stack.moto_state``). ``drop_abnormal_disconnects`` makes
    local_ws skip ``$disconnect`` for peers that vanish without a close frame (see
    ``local_ws.server``).
    """

    host: str = "127.0.0.1"
    http_port: int = 8000
    ws_port: int = 8001
    mgmt_port: int = 8002
    moto_port: int = 5000
    runners: int = 1
    stage: str = "local"
    state_dir: Path = REPO / ".dev"
    env: Mapping[str, str] = field(default_factory=dict)
    persist_moto: bool = True
    drop_abnormal_disconnects: bool = False
    ws_idle_timeout_s: float | None = None
    python: str = sys.executable


@dataclass(frozen=True)
class StackUrls:
    """Where the running stack listens."""

    http_url: str
    ws_url: str
    management_url: str
    moto_url: str

    def as_dict(self) -> dict[str, str]:
        return {
            "http_url": self.http_url,
            "ws_url": self.ws_url,
            "management_url": self.management_url,
            "moto_url": self.moto_url,
        }


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now (released before returning)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def resolve_ports(options: StackOptions) -> StackOptions:
    """Replace every port 0 with a free port, so each part can be told the others' URLs."""
    used: set[int] = set()

    def pick(port: int) -> int:
        if port:
            return port
        while True:
            chosen = free_port(options.host)
            if chosen not in used:
                used.add(chosen)
                return chosen

    return replace(
        options,
        http_port=pick(options.http_port),
        ws_port=pick(options.ws_port),
        mgmt_port=pick(options.mgmt_port),
        moto_port=pick(options.moto_port),
    )


def urls_of(options: StackOptions) -> StackUrls:
    """The URLs of a stack with resolved ports. Pure."""
    host = options.host
    return StackUrls(
        http_url=f"http://{host}:{options.http_port}",
        ws_url=f"ws://{host}:{options.ws_port}",
        management_url=f"http://{host}:{options.mgmt_port}/{options.stage}",
        moto_url=f"http://{host}:{options.moto_port}",
    )


def child_environment(
    options: StackOptions, urls: StackUrls, base: Mapping[str, str]
) -> dict[str, str]:
    """The environment every child gets: fake AWS credentials, endpoints, work dir. Pure.

    The caller's ``APKGEN_*`` settings reach every child (``APKGEN_FETCH_PRIVATE_HOSTS=false``
    …), except :data:`STACK_OWNED_SETTINGS`; ``options.env`` overrides both. The caller's
    ``AWS_*`` variables never do: the local stack only ever talks to its own moto.
    """
    env = {
        k: v for k, v in base.items() if not k.startswith("AWS_") and k not in STACK_OWNED_SETTINGS
    }
    env.update(FAKE_AWS_ENV)
    env.update(
        {
            "APKGEN_AWS_ENDPOINT_URL": urls.moto_url,
            "APKGEN_REGION": FAKE_AWS_ENV["AWS_DEFAULT_REGION"],
            "APKGEN_WS_URL": urls.ws_url,
            "APKGEN_WS_MANAGEMENT_URL": urls.management_url,
            "APKGEN_PUBLIC_URL": urls.http_url,
            "APKGEN_WORK_DIR": str(options.state_dir / "work"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(options.env)
    pythonpath = [str(REPO), str(REPO / "chalice_app")]
    if base.get("PYTHONPATH"):
        pythonpath.append(base["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    return env
