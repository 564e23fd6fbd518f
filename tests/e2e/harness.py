"""What the end-to-end tests drive: the running local stack, and WebSocket viewers.

:class:`E2EStack` is what the session fixture ``local_stack`` yields (see ``conftest.py``):
the URLs, the settings every part runs with, boto3 clients on moto, small HTTP helpers, and
control over the runner processes (pause, resume, kill, add).

:class:`Viewer` is a real ``websockets`` client on its own thread, speaking the viewer protocol
of docs/contracts.md: connect with ``?build=ID``, send ``{"action": "resume", "after": SEQ}``,
collect ``log``/``status``/``resumed`` messages, dedup lines by seq.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from local_stack.stack import FAKE_AWS_ENV, READY_PREFIX, REPO, Child, LocalStack

TERMINAL = ("succeeded", "failed", "cancelled")
WAIT_S = 60.0
POLL_S = 0.1


def edited_zip(source: Path, dest: Path, edit: Callable[[str, Any], Any]) -> Path:
    """Copy an export zip, passing each JSON file's data through ``edit(name, data)``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if not info.is_dir() and "/" not in info.filename:
                try:
                    parsed = json.loads(data)
                except ValueError:
                    parsed = None
                if parsed is not None:
                    data = json.dumps(edit(info.filename, parsed)).encode()
            out.writestr(info, data)
    return dest


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``predicate`` (for state only visible by asking, e.g. DynamoDB) until truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S)


@dataclass
class HttpAnswer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class HttpApi:
    """The app's HTTP API at ``http_url`` (requests, builds, statuses, logs)."""

    http_url: str

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> HttpAnswer:
        """One request to the app; JSON bodies are decoded."""
        req = urllib.request.Request(
            self.http_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw, status, hdrs = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, hdrs = err.read(), err.code, dict(err.headers)
        try:
            decoded: Any = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw
        return HttpAnswer(status, decoded, hdrs)

    def create_build(self, zip_path: Path, **options: str) -> dict[str, Any]:
        """POST /builds with the zip as the body; returns the 201 answer."""
        query = "&".join(f"{k}={urllib.request.quote(v)}" for k, v in options.items())
        answer = self.request(
            "POST",
            "/builds" + (f"?{query}" if query else ""),
            zip_path.read_bytes(),
            {"Content-Type": "application/zip"},
        )
        assert answer.status == 201, f"POST /builds answered {answer.status}: {answer.body}"
        return dict(answer.body)

    def status(self, build_id: str) -> dict[str, Any]:
        answer = self.request("GET", f"/builds/{build_id}")
        assert answer.status == 200, f"GET /builds/{build_id} answered {answer.status}"
        return dict(answer.body)

    def all_logs(self, build_id: str) -> list[dict[str, Any]]:
        """Every line of the build from ``GET /builds/{id}/logs``, following ``next_after``."""
        lines: list[dict[str, Any]] = []
        after = 0
        while True:
            answer = self.request("GET", f"/builds/{build_id}/logs?after={after}")
            assert answer.status == 200, f"GET logs answered {answer.status}: {answer.body}"
            lines.extend(answer.body["lines"])
            if not answer.body.get("more"):
                return lines
            after = answer.body["next_after"]

    def wait_finished(self, build_id: str, timeout: float = WAIT_S) -> dict[str, Any]:
        """Wait for a terminal status; returns GET /builds/{id}."""
        return dict(
            wait_until(
                lambda: (s := self.status(build_id))["status"] in TERMINAL and s,
                timeout,
                f"build {build_id} to finish",
            )
        )


@dataclass
class E2EStack(HttpApi):
    """The running stack. Ports are free ones chosen at start; every part is its own process."""

    stack: LocalStack
    http_url: str
    ws_url: str
    management_url: str
    moto_url: str
    settings: Settings
    env: dict[str, str]
    clients: AwsClients
    log_path: Path

    # -- AWS (moto) --------------------------------------------------------------------------
    def build_item(self, build_id: str) -> dict[str, Any]:
        item = self.clients.dynamodb.get_item(
            TableName=self.settings.builds_table,
            Key={"build_id": {"S": build_id}},
            ConsistentRead=True,
        ).get("Item", {})
        return dict(item)

    def connection_ids(self, build_id: str) -> list[str]:
        """The viewers of ``build_id`` registered in the connections table."""
        items = self.clients.dynamodb.query(
            TableName=self.settings.connections_table,
            KeyConditionExpression="build_id = :b",
            ExpressionAttributeValues={":b": {"S": build_id}},
            ConsistentRead=True,
        )["Items"]
        return [item["connection_id"]["S"] for item in items]

    def send_job(self, build_id: str) -> None:
        """Put ``{"build_id": ...}`` on the queue (as POST /builds does): a duplicate delivery."""
        self.clients.sqs.send_message(
            QueueUrl=self.settings.queue_url, MessageBody=json.dumps({"build_id": build_id})
        )

    def queue_drained(self) -> bool:
        attrs = self.clients.sqs.get_queue_attributes(
            QueueUrl=self.settings.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return all(v == "0" for v in attrs.values())

    # -- Runners ------------------------------------------------------------------------------
    @property
    def runners(self) -> list[Child]:
        return [r for r in self.stack.runners if r.alive]

    def pause_runners(self) -> None:
        """SIGSTOP every runner (and its tools): nothing is built until :meth:`resume_runners`."""
        for runner in self.runners:
            runner.signal(signal.SIGSTOP)

    def resume_runners(self) -> None:
        for runner in self.runners:
            runner.signal(signal.SIGCONT)

    def kill_runners(self) -> None:
        """SIGKILL every runner's process group, as if its machine died."""
        for runner in self.runners:
            runner.signal(signal.SIGKILL)
            runner.process.wait(10)

    def ensure_runners(self, count: int) -> None:
        """Start runners until ``count`` are alive."""
        while len(self.runners) < count:
            self.stack.add_runner()


class StackProcess(HttpApi):
    """``python -m local_stack`` as a process, as ``make dev`` runs it, on free ports.

    Order of calls: ``StackProcess(...)`` starts it and waits for its ``READY`` line (raises
    AssertionError with its output if it does not come), then any of :meth:`wait_line`,
    :meth:`pid`, the HTTP helpers; :meth:`stop` ends it (SIGTERM) and returns its exit status.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        runners: int = 1,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        argv = [
            python, "-m", "local_stack", "--http-port", "0", "--ws-port", "0",
            "--mgmt-port", "0", "--moto-port", "0", "--runners", str(runners), "--json",
            "--state-dir", str(state_dir),
        ]  # fmt: skip
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._log = log_path.open("a", encoding="utf-8") if log_path else None
        self.process = subprocess.Popen(
            argv, cwd=REPO, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, name="stack-output", daemon=True)
        self._reader.start()
        ready = self.wait_line("^" + re.escape(READY_PREFIX) + r"(\{.*\})", WAIT_S)
        urls = json.loads(ready.group(1))
        self.http_url: str = urls["http_url"]
        self.ws_url: str = urls["ws_url"]
        self.moto_url: str = urls["moto_url"]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            if self._log is not None:
                self._log.write(line + "\n")
                self._log.flush()
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def mark(self) -> int:
        """Where the output is now: :meth:`wait_line` ``after`` this sees only newer lines."""
        with self._changed:
            return len(self.lines)

    def wait_line(self, pattern: str, timeout: float = WAIT_S, after: int = 0) -> re.Match[str]:
        """Wait for an output line (after line number ``after``) that matches ``pattern``."""
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            for line in self.lines[after:]:
                match = regex.search(line)
                if match:
                    return match
            return None

        with self._changed:
            ok = self._changed.wait_for(
                lambda: found() is not None or self.process.poll() is not None, timeout
            )
            match = found()
        assert ok and match, (
            f"no line matching {pattern!r} within {timeout:.0f} s; the stack's output ends:\n"
            + "\n".join(self.lines[-40:])
        )
        return match

    def pid(self, part: str) -> int:
        """The pid of the part's newest process (``moto``, ``local_ws``, ``http``, ``runner-1``)."""
        pattern = re.compile(rf"\[local_stack\] {re.escape(part)} started \(pid (\d+)\)")
        with self._changed:
            pids = [int(m.group(1)) for line in self.lines if (m := pattern.search(line))]
        assert pids, f"{part} was never started"
        return pids[-1]

    def kill(self, part: str, timeout: float = WAIT_S) -> None:
        """SIGKILL the part, as if it crashed, and wait until the stack says it is back."""
        old = self.pid(part)
        since = self.mark()
        os.killpg(old, signal.SIGKILL)
        self.wait_line(rf"\[local_stack\] {re.escape(part)} exited with status -9", timeout, since)
        self.wait_line(rf"\[local_stack\] {re.escape(part)} is back", timeout, since)
        assert self.pid(part) != old

    def stop(self, timeout: float = WAIT_S) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self._reader.join(timeout)
        if self._log is not None:
            self._log.close()
        return self.process.returncode


class Viewer:
    """One viewer of one build, a real WebSocket client on its own thread.

    Order of calls: ``Viewer(...)`` connects and sends the resume (raises
    ``websockets.exceptions.InvalidStatus`` if the handshake is refused), then
    :meth:`wait_complete`; :meth:`close` or :meth:`abort` end it. With ``repair_gaps`` it
    resumes from the first hole in the seqs it sees (``repairs`` records each), as a careful
    viewer must when lines are lost in flight (a runner killed between persisting and posting).
    """

    def __init__(
        self,
        ws_url: str,
        build_id: str,
        *,
        after: int = 0,
        name: str = "viewer",
        repair_gaps: bool = True,
    ) -> None:
        self.build_id = build_id
        self.after = after
        self.name = name
        self.messages: list[dict[str, Any]] = []
        self.lines: dict[int, dict[str, Any]] = {}
        # Seqs of log lines in arrival order, duplicates included.
        self.arrivals: list[int] = []
        self.foreign: list[dict[str, Any]] = []
        # Two different lines with the same seq: the one thing dedup by seq cannot repair.
        self.conflicts: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.final_status: dict[str, Any] | None = None
        self.final_status_at: float | None = None  # time.time() when it arrived
        # ``after`` of every resume sent to fill a hole in the seqs.
        self.repair_gaps = repair_gaps
        self.repairs: list[int] = []
        self._resume_pending = True  # the first resume is sent below
        self.closed = threading.Event()
        self._changed = threading.Condition()
        separator = "&" if "?" in ws_url else "?"
        url = ws_url if "build=" in ws_url else f"{ws_url}{separator}build={build_id}"
        # Entered by hand: the connection outlives this call (close() or abort() end it).
        self.ws: ClientConnection = connect(url, open_timeout=30).__enter__()
        self.ws.send(json.dumps({"action": "resume", "after": after}))
        self._thread = threading.Thread(target=self._run, name=f"viewer-{name}", daemon=True)
        self._thread.start()

    @property
    def max_seq(self) -> int:
        with self._changed:
            return max(self.lines, default=0)

    def _run(self) -> None:
        try:
            while True:
                message = json.loads(self.ws.recv())
                with self._changed:
                    self._receive(message)
                    repair_after = self._gap_to_repair()
                    self._changed.notify_all()
                if repair_after is not None:
                    self.ws.send(json.dumps({"action": "resume", "after": repair_after}))
        except (ConnectionClosed, OSError):
            pass  # the socket ended; ``closed`` tells waiters
        finally:
            self.closed.set()
            with self._changed:
                self._changed.notify_all()

    def _receive(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        if message.get("build") not in (None, self.build_id):
            self.foreign.append(message)
        kind = message.get("type")
        if kind == "log":
            for line in message["lines"]:
                self.arrivals.append(line["seq"])
                first = self.lines.setdefault(line["seq"], line)
                if first != line:
                    self.conflicts.append((first, line))
        elif kind == "resumed":
            self._resume_pending = False
        elif kind == "status" and message["status"] in TERMINAL:
            self.final_status = message
            self.final_status_at = time.time()

    def _contiguous(self) -> int:
        seq = self.after
        while seq + 1 in self.lines:
            seq += 1
        return seq

    def _gap_to_repair(self) -> int | None:
        """What a careful viewer does on a hole in the seqs (lines lost in flight, e.g. with a
        killed runner): once no resume is pending, ask for everything after the hole."""
        if self._resume_pending or not self.repair_gaps:
            return None
        contiguous = self._contiguous()
        newest = max(self.lines, default=0)
        if self.final_status is not None:
            newest = max(newest, int(self.final_status["last_seq"]))
        if newest <= contiguous:
            return None
        self._resume_pending = True
        self.repairs.append(contiguous)
        return contiguous

    def _complete(self) -> bool:
        status = self.final_status
        return status is not None and all(
            seq in self.lines for seq in range(self.after + 1, int(status["last_seq"]) + 1)
        )

    def wait_complete(self, timeout: float = WAIT_S) -> None:
        """Wait for a terminal status and every line after ``after`` up to its ``last_seq``."""
        with self._changed:
            ok = self._changed.wait_for(lambda: self._complete() or self.closed.is_set(), timeout)
            complete = self._complete()
        assert ok and complete, (
            f"{self.name}: incomplete after {timeout:.0f} s (closed={self.closed.is_set()}, "
            f"final={self.final_status}, have {len(self.lines)} lines up to {self.max_seq})"
        )

    def wait_resumed(self, timeout: float = WAIT_S) -> None:
        """Wait for the ``resumed`` marker that ends the answer to our resume request."""
        with self._changed:
            ok = self._changed.wait_for(
                lambda: any(m.get("type") == "resumed" for m in self.messages), timeout
            )
        assert ok, f"{self.name}: no 'resumed' after {timeout:.0f} s"

    def wait_lines(self, count: int, timeout: float = WAIT_S) -> None:
        """Wait until at least ``count`` distinct lines arrived."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.lines) >= count, timeout)
        assert ok, f"{self.name}: fewer than {count} lines after {timeout:.0f} s"

    def log(self) -> list[dict[str, Any]]:
        """The deduplicated log, in seq order."""
        with self._changed:
            return [self.lines[seq] for seq in sorted(self.lines)]

    def close(self) -> None:
        self.ws.close()
        self._thread.join(10)

    def abort(self) -> None:
        """Vanish: reset the TCP connection without a close frame."""
        sock: socket.socket = self.ws.socket
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        self._thread.join(10)


def connections_client(stack: E2EStack, config: Config | None = None) -> Any:
    """A boto3 ``@connections`` client of the stack, on its fake credentials."""
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=stack.management_url,
        region_name=stack.settings.region,
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_AWS_ENV["AWS_SESSION_TOKEN"],
        config=config,
    )


def drop_connections(stack: E2EStack, build_id: str) -> list[str]:
    """Close every viewer of the build from the server side (``DELETE @connections/{id}``)."""
    client = connections_client(stack)
    ids = stack.connection_ids(build_id)
    for connection_id in ids:
        client.delete_connection(ConnectionId=connection_id)
    return ids


def fill_until_refused(stack: E2EStack, connection_id: str, timeout_s: float = 2.0) -> int:
    """Post filler to a viewer that does not read until ``@connections`` stops taking it (a
    ``LimitExceededException``, or no answer within ``timeout_s``); returns the bytes taken."""
    client = connections_client(stack, Config(
        retries={"total_max_attempts": 1}, read_timeout=timeout_s, connect_timeout=timeout_s))
    taken = 0
    # Smaller and smaller posts, until not even a 64-byte message fits.
    for size in (120_000, 16_000, 2_000, 64):
        filler = json.dumps({"type": "filler", "pad": "x" * size}).encode()
        while True:
            if taken > 256 * 1024 * 1024:
                raise AssertionError(f"{connection_id} took {taken} bytes without reading")
            try:
                client.post_to_connection(ConnectionId=connection_id, Data=filler)
            except client.exceptions.LimitExceededException:
                break
            except ReadTimeoutError:
                return taken  # the POST waits for the viewer to read: full for good
            taken += len(filler)
    return taken
