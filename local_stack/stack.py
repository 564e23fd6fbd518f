"""The whole local stack as one object: moto, the resources, local_ws, the app, runners.

:class:`LocalStack` starts every part as its own :class:`~local_stack.child.Child` process,
configured only by environment variables (``local_stack.config``), in dependency order:

1. moto's server (``python -m local_stack _moto``, a ``ThreadedMotoServer`` on 127.0.0.1);
2. the resources (``local_stack.resources.create_resources``, from this process, against moto);
3. ``local_ws`` serving the app's WebSocket handlers and ``@connections``;
4. the Chalice app over HTTP (``python -m local_stack _http``, ``chalice.local``'s server);
5. ``N`` runners (``python -m build_runner run``).

:meth:`LocalStack.stop` stops them in the reverse order, each group in one grace period
(``local_stack.child.stop_together``): the runners first (each finishes or releases its build;
an idle one is in an SQS long poll, which moto is told to answer at once, see
``local_stack.servers.END_LONG_POLLS``), then the app and local_ws, then moto, whose state is
on disk by then.

The names other code imports from here (``REPO``, ``READY_PREFIX``, ``Child``, the options
and URL helpers …) are re-exported from the modules that define them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from local_stack.child import Child as Child
from local_stack.child import stop_together
from local_stack.config import APP_SPEC as APP_SPEC
from local_stack.config import FAKE_AWS_ENV as FAKE_AWS_ENV
from local_stack.config import REPO as REPO
from local_stack.config import STACK_OWNED_SETTINGS as STACK_OWNED_SETTINGS
from local_stack.config import StackOptions as StackOptions
from local_stack.config import StackUrls as StackUrls
from local_stack.config import child_environment as child_environment
from local_stack.config import free_port as free_port
from local_stack.config import resolve_ports as resolve_ports
from local_stack.config import urls_of as urls_of
from local_stack.errors import StackError as StackError
from local_stack.output import STACK_NAME as STACK_NAME
from local_stack.output import print_output as print_output
from local_stack.output import say as say
from local_stack.servers import END_LONG_POLLS
from local_stack.servers import READY_PREFIX as READY_PREFIX

LOCAL_WS_READY_PREFIX = "LOCAL_WS READY "


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

        from apkgen_core.settings import Settings
        from chalicelib.aws import AwsClients
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
        from apkgen_core.settings import Settings

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
        """Stop the runners, then the app and local_ws, then moto; SIGKILL whatever ignores
        SIGTERM for a grace period.

        The runners get SIGTERM together, and moto is told to answer every SQS long poll at
        once (:data:`~local_stack.servers.END_LONG_POLLS`): an idle runner then stops as soon
        as its poll comes back empty, instead of when it would have timed out; a runner with a
        build finishes or releases it first. Each group is waited for in one grace period.
        """
        runners = list(self.runners)
        for runner in runners:
            runner.terminate()
        if self.moto is not None and self.moto.ready_info is not None:
            # Only once moto is ready: before, it has not set up its handler for this signal.
            self.moto.signal(END_LONG_POLLS)
        took: list[str] = []
        for name, group in (
            ("runners", runners),
            ("app and local_ws", [self.http, self.local_ws]),
            ("moto", [self.moto]),
        ):
            if any(child is not None for child in group):
                started = time.monotonic()
                stop_together(group)
                took.append(f"{name} {time.monotonic() - started:.1f} s")
        if took:
            self._output(STACK_NAME, "stopped (" + ", ".join(took) + ")")

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
