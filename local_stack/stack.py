"""Process orchestration for the local stack: moto, the app over HTTP, local_ws, runners.

Every part runs as its own process, configured only by environment variables — as on AWS,
where the Lambda functions and the runner share nothing but settings:

1. moto's server (``python -m local_stack _moto``, a ``ThreadedMotoServer`` on 127.0.0.1);
2. the resources (``local_stack.resources.create_resources``, from this process, against moto);
3. ``local_ws`` serving the app's WebSocket handlers and ``@connections``;
4. the Chalice app over HTTP (``python -m local_stack _http``, ``chalice.local``'s server);
5. ``N`` runners (``python -m build_runner run``).

Ports given as 0 are chosen here (bind to port 0, read, release) before any process starts,
because each part's settings name the others' URLs. Children print a ``READY {json}`` line when
they listen; :class:`LocalStack` waits for it (or for the child's death, and then raises
:class:`StackError` with the tail of its output). Children run in their own process groups, get
SIGKILL if this process dies (``PR_SET_PDEATHSIG``), and :meth:`LocalStack.stop` sends SIGTERM
to each group (SIGKILL after a grace period), runners first and moto last: no orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from local_stack.servers import READY_PREFIX

REPO = Path(__file__).resolve().parents[1]
APP_SPEC = str(REPO / "chalice_app" / "app.py") + ":app"
LOCAL_WS_READY_PREFIX = "LOCAL_WS READY "
START_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
KILL_WAIT_S = 10.0
TAIL_LINES = 60
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
_PR_SET_PDEATHSIG = 1
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


class StackError(Exception):
    """The local stack could not start: which part, why, and the end of its output."""


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
        k: v
        for k, v in base.items()
        if not k.startswith("AWS_") and k not in STACK_OWNED_SETTINGS
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


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """In the child: get SIGKILL when the parent dies, so no part outlives the stack."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Child:
    """One part of the stack as a process: its output is pumped, its READY line awaited."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        output: Callable[[str, str], None],
        ready_prefix: str | None = READY_PREFIX,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env)
        self.started_at = time.monotonic()
        self.ready_info: dict[str, Any] | None = None
        self._ready_prefix = ready_prefix
        self._ready = threading.Event()
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._output = output
        self.process = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=str(REPO),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self._pump = threading.Thread(target=self._read, name=f"stack-{name}", daemon=True)
        self._pump.start()

    def respawn(self) -> Child:
        """The same part started again: same command, environment and output."""
        return Child(self.name, self.argv, self.env, self._output, self._ready_prefix)

    @property
    def ready_prefix(self) -> str | None:
        return self._ready_prefix

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        """The last lines the process printed."""
        return "\n".join(self._tail)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self._tail.append(line)
            if (
                self._ready_prefix
                and not self._ready.is_set()
                and line.startswith(self._ready_prefix)
            ):
                try:
                    self.ready_info = json.loads(line[len(self._ready_prefix) :])
                except ValueError:
                    self.ready_info = {}
                self._ready.set()
            self._output(self.name, line)
        self._ready.set()  # EOF: wake a waiter, who then sees the process died

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:
        """Wait for the READY line; :class:`StackError` if the process dies or times out."""
        if not self._ready.wait(timeout):
            raise StackError(
                f"{self.name} did not become ready within {timeout:.0f} s; "
                f"its output ends with:\n{self.tail()}"
            )
        if self.ready_info is None:
            self.process.wait(5)
            raise StackError(
                f"{self.name} exited with status {self.process.returncode} before it was "
                f"ready ({' '.join(self.argv)}); its output ends with:\n{self.tail()}"
            )
        return self.ready_info

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the child's whole process group (its tools die with it)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def stop(self, grace_s: float = STOP_GRACE_S) -> int | None:
        """SIGTERM, then SIGKILL after ``grace_s`` (0: at once if still running); returns the
        exit status."""
        if self.alive:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(KILL_WAIT_S)
        # Grandchildren left in the group (a tool the child started) go too.
        self.signal(signal.SIGKILL)
        self._pump.join(KILL_WAIT_S)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


STACK_NAME = "local_stack"
_output_lock = threading.Lock()


def say(text: str) -> None:
    """Write ``text`` and a newline to stdout in one piece (children's lines interleave)."""
    with _output_lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def print_output(name: str, line: str) -> None:
    """The default output: every child's lines, prefixed with its name."""
    say(f"[{name}] {line}")


class LocalStack:
    """The whole stack. ``start()`` → :class:`StackUrls`; ``stop()`` ends every process.

    Order of calls: ``start`` once, then any of ``add_runner``/``runners``/``env``, then
    ``stop`` (also on errors: ``start`` cleans up what it started before raising). Use as a
    context manager to get both.
    """

    def __init__(
        self,
        options: StackOptions | None = None,
        *,
        output: Callable[[str, str], None] = print_output,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.options = resolve_ports(options or StackOptions())
        self.urls = urls_of(self.options)
        self.env = child_environment(
            self.options, self.urls, os.environ if base_env is None else base_env
        )
        self._output = output
        self.moto: Child | None = None
        self.local_ws: Child | None = None
        self.http: Child | None = None
        self.runners: list[Child] = []
        self.resources: dict[str, Any] = {}
        self._runner_count = 0

    def _python(self, *args: str) -> list[str]:
        return [self.options.python, *args]

    def start(self) -> StackUrls:
        """Start every part, in dependency order; returns the URLs. Raises :class:`StackError`."""
        (self.options.state_dir / "work").mkdir(parents=True, exist_ok=True)
        try:
            self.moto = self._spawn(self._moto_argv(), "moto")
            self.moto.wait_ready()
            self.resources = self._create_resources()
            if self.resources.get("queue_url"):
                self.env["APKGEN_QUEUE_URL"] = str(self.resources["queue_url"])
            self.local_ws = self._spawn(self._ws_argv(), "local_ws", LOCAL_WS_READY_PREFIX)
            self.http = self._spawn(self._http_argv(), "http")
            self.local_ws.wait_ready()
            self.http.wait_ready()
            for _ in range(self.options.runners):
                self.add_runner()
        except BaseException:
            self.stop()
            raise
        return self.urls

    def _spawn(
        self,
        argv: list[str],
        name: str,
        ready_prefix: str | None = READY_PREFIX,
        env: Mapping[str, str] | None = None,
    ) -> Child:
        child = Child(name, argv, self.env if env is None else env, self._output, ready_prefix)
        self._output(STACK_NAME, f"{name} started (pid {child.pid})")
        return child

    def _moto_argv(self) -> list[str]:
        argv = self._python(
            "-m", "local_stack", "_moto",
            "--host", self.options.host, "--port", str(self.options.moto_port),
        )  # fmt: skip
        if self.options.persist_moto:
            argv += ["--state-dir", str(self.options.state_dir / "moto")]
        return argv

    def _ws_argv(self) -> list[str]:
        argv = self._python(
            "-m", "local_ws", "--app", APP_SPEC, "--host", self.options.host,
            "--ws-port", str(self.options.ws_port), "--mgmt-port", str(self.options.mgmt_port),
            "--stage", self.options.stage,
        )  # fmt: skip
        if self.options.drop_abnormal_disconnects:
            argv.append("--skip-disconnect-on-abnormal-close")
        if self.options.ws_idle_timeout_s is not None:
            argv += ["--idle-timeout", str(self.options.ws_idle_timeout_s)]
        return argv

    def _http_argv(self) -> list[str]:
        return self._python(
            "-m", "local_stack", "_http", "--app", APP_SPEC,
            "--host", self.options.host, "--port", str(self.options.http_port),
        )  # fmt: skip

    def restart(self, child: Child) -> Child:
        """Start ``child`` (a part that died) again, on the same port with the same settings,
        and wait until it is ready; after moto, the resources are created again where they
        vanished (moto without its state). Raises :class:`StackError`."""
        child.stop(grace_s=0)
        new = child.respawn()
        self._output(STACK_NAME, f"{new.name} started (pid {new.pid})")
        if child is self.moto:
            self.moto = new
        elif child is self.local_ws:
            self.local_ws = new
        elif child is self.http:
            self.http = new
        else:
            self.runners = [new if r is child else r for r in self.runners]
        if new.ready_prefix is not None:
            new.wait_ready()
        if new is self.moto:
            self.resources = self._create_resources()
        return new

    def _create_resources(self) -> dict[str, Any]:
        # Imported here: the resources module pulls in boto3 and chalicelib, which the
        # orchestration itself does not need.
        import boto3

        from chalicelib.aws import AwsClients
        from chalicelib.settings import Settings
        from local_stack.resources import create_resources

        settings = Settings.from_env(self.env)
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
            region_name=settings.region,
        )
        try:
            return dict(create_resources(settings, AwsClients(settings, session=session)))
        except Exception as exc:
            raise StackError(
                f"creating the bucket, queues and tables on moto ({self.urls.moto_url}) failed: "
                f"{exc}"
            ) from exc

    def settings(self) -> Any:
        """The ``Settings`` every part runs with."""
        from chalicelib.settings import Settings

        return Settings.from_env(self.env)

    def add_runner(self, env: Mapping[str, str] | None = None) -> Child:
        """Start one more runner (``python -m build_runner run``); ``env`` adds settings."""
        self._runner_count += 1
        runner_env = dict(self.env)
        runner_env.update(env or {})
        runner_env.setdefault("APKGEN_RUNNER_ID", f"local-runner-{self._runner_count}")
        child = self._spawn(
            self._python("-m", "build_runner", "run"),
            f"runner-{self._runner_count}",
            None,
            runner_env,
        )
        self.runners.append(child)
        return child

    def stop(self) -> None:
        """Stop runners, then the app, local_ws and moto; SIGKILL whatever ignores SIGTERM.

        Runners are signalled together (each may finish an SQS long poll first), so stopping
        takes one grace period, not one per runner.
        """
        runners = [r for r in self.runners if r.alive]
        for runner in runners:
            runner.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for runner in self.runners:
            runner.stop(grace_s=max(0.0, deadline - time.monotonic()))
        for child in (self.http, self.local_ws, self.moto):
            if child is not None:
                child.stop()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def iter_children(stack: LocalStack) -> Iterator[Child]:
    """Every child process of the stack that was started."""
    for child in (stack.moto, stack.local_ws, stack.http, *stack.runners):
        if child is not None:
            yield child
