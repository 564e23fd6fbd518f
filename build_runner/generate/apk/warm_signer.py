"""The warm signer: one long-lived JVM signing and verifying with apksig (v1 + v2 + v3).

Starting ``apksigner`` (a JVM) costs about a second per build, so :class:`WarmSigner` keeps one
JVM alive: a small Java helper (``java/ApkgenSigner.java``, compiled with ``javac`` into the
cache dir at first use against Debian's apksig jar) that reads sign/verify requests on stdin,
one tab-separated line each, and answers on stdout (``LOG`` lines as it works, then one
``OK``/``ERR`` line). A helper that dies or is killed is restarted on the next request. The
key's passwords reach it through its environment (:meth:`KeyConfig.env`), never its command
line.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import selectors
import shutil
import subprocess
import threading
import time
from pathlib import Path

from build_runner.errors import BuildCancelled, ToolchainError
from build_runner.generate.apk.keys import KeyConfig
from build_runner.generate.apk.resources import MIN_SDK
from build_runner.generate.apk.signer import Verification
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

HELPER_SOURCE = Path(__file__).parent / "java" / "ApkgenSigner.java"
HELPER_CLASS = "ApkgenSigner"
APKSIG_JARS = (Path("/usr/share/java/apksig.jar"),
               Path("/usr/lib/android-sdk/build-tools/debian/apksigner.jar"))
# How long the helper may take to start (JVM + key load) and to answer one request, in seconds.
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 120.0
# JVM flags for the helper: serial GC and a small heap (one request at a time). The full JIT
# stays on: with C1 only (TieredStopAtLevel=1) warm signing measured about twice as slow.
JVM_FLAGS = ("-XX:+UseSerialGC", "-Xss1m", "-Xmx512m")


def find_apksig_jar() -> Path:
    """Debian's apksig library jar; ToolchainError saying which package provides it."""
    for jar in APKSIG_JARS:
        if jar.is_file():
            return jar
    raise ToolchainError("apksigner", "apksig.jar not found; install the Debian package "
                         "'apksigner' (it brings libapksig-java)")


def compile_helper(cache_dir: Path, jar: Path, log: BuildLog | None) -> Path:
    """The directory holding the compiled helper class, compiling it with javac if needed."""
    source = HELPER_SOURCE.read_bytes()
    key = hashlib.sha256(source + str(jar.resolve()).encode()).hexdigest()[:16]
    out = cache_dir / "signer" / key
    if (out / f"{HELPER_CLASS}.class").is_file():
        return out
    javac = require_tool("javac", "default-jdk-headless")
    staging = out.with_name(f"{key}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise ToolchainError("javac", f"cannot create {staging} for the signer helper: "
                             f"{exc.strerror}; check the cache dir's permissions") from exc
    run_tool("javac", [javac, "-nowarn", "-cp", str(jar), "-d", str(staging), str(HELPER_SOURCE)],
             log)
    try:
        staging.replace(out)
    except OSError:
        # Another process compiled it at the same time; theirs is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)
    return out


class _LineReader:
    """Reads lines from a pipe with a deadline, polling ``cancelled`` while it waits."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(fd, selectors.EVENT_READ)

    def readline(self, timeout_s: float, cancelled: Cancelled) -> str | None:
        """The next line without its newline; None at end of stream."""
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            if cancelled():
                raise BuildCancelled("build cancelled while signing")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer within {timeout_s:.0f}s")
            if not self._selector.select(0.05):
                continue
            chunk = os.read(self._fd, 65536)
            if not chunk:
                if not self._buffer:
                    return None
                self._buffer += b"\n"
                break
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", errors="replace")

    def close(self) -> None:
        self._selector.close()


class WarmSigner:
    """One long-lived JVM signing and verifying with apksig; restarted if it dies or is killed."""

    name = "warm apksig JVM"

    def __init__(self, key: KeyConfig, cache_dir: Path, log: BuildLog | None, *,
                 java: str | None = None) -> None:
        """Compile the helper if needed and start it; ToolchainError if it cannot start."""
        self._key = key
        self._jar = find_apksig_jar()
        self._classes = compile_helper(cache_dir, self._jar, log)
        self._java = java or require_tool("java", "default-jdk-headless")
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: _LineReader | None = None
        # One JVM and one pipe: builds running at once take turns for each request.
        self._turn = threading.Lock()
        self._start()

    def _start(self) -> None:
        argv = [self._java, *JVM_FLAGS, "-cp", f"{self._classes}{os.pathsep}{self._jar}",
                HELPER_CLASS, str(self._key.keystore), self._key.alias, "PKCS12"]
        try:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env={**os.environ, **self._key.env()},
            )
        except OSError as exc:
            raise ToolchainError("apksigner", f"could not start java: {exc.strerror}") from exc
        assert self._proc.stdout is not None
        self._reader = _LineReader(self._proc.stdout.fileno())
        answer = self._answer_lines(None, START_TIMEOUT_S, never_cancelled, ready=True)
        if answer.startswith("ERR\tcannot load key"):
            self._kill()
            raise ToolchainError("keystore", answer.partition("\t")[2].split(" | ")[0])
        if answer != "READY":
            self._kill()
            raise ToolchainError("apksigner", f"signer helper did not start: {answer}")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
        if self._reader is not None:
            self._reader.close()
        self._proc = None
        self._reader = None

    def _answer_lines(self, log: BuildLog | None, timeout_s: float, cancelled: Cancelled,
                      *, ready: bool = False, issues: list[str] | None = None) -> str:
        """Lines up to the final OK/ERR (or READY) line, logging LOG lines as they come.

        The texts of ``LOG error`` lines are also appended to ``issues`` when given.
        """
        assert self._reader is not None
        other: list[str] = []
        while True:
            try:
                line = self._reader.readline(timeout_s, cancelled)
            except TimeoutError as exc:
                self._kill()
                raise ToolchainError("apksigner", f"signer helper gave {exc}") from exc
            except BuildCancelled:
                self._kill()
                raise
            if line is None:
                self._kill()
                return "ERR\thelper exited: " + " | ".join(other[-5:])
            if ready and line == "READY":
                return line
            if line.startswith(("OK\t", "ERR\t")):
                return line if not ready else line + " " + " | ".join(other[-5:])
            if line.startswith("LOG\t"):
                _, level, text = [*line.split("\t", 2), "", ""][:3]
                if log:
                    log.log("error" if level == "error" else "warning", f"apksig: {text}")
                if level == "error" and issues is not None:
                    issues.append(text)
                other.append(text)
            else:
                if log:
                    log.debug(f"apksig: {line}")
                other.append(line)

    def _request(self, fields: list[str], log: BuildLog | None, cancelled: Cancelled,
                 issues: list[str] | None = None) -> str:
        if any("\t" in f or "\n" in f for f in fields):
            raise ToolchainError("apksigner", "paths must not contain tabs or newlines")
        with self._turn:
            return self._exchange(fields, log, cancelled, issues)

    def _exchange(self, fields: list[str], log: BuildLog | None, cancelled: Cancelled,
                  issues: list[str] | None) -> str:
        """One request and its answer (the caller holds the turn)."""
        if self._proc is None or self._proc.poll() is not None:
            self._kill()
            self._start()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(("\t".join(fields) + "\n").encode())
            self._proc.stdin.flush()
        except OSError as exc:
            self._kill()
            raise ToolchainError("apksigner", f"signer helper stopped accepting work: {exc}") \
                from exc
        answer = self._answer_lines(log, REQUEST_TIMEOUT_S, cancelled, issues=issues)
        status, _, rest = answer.partition("\t")
        if status != "OK":
            raise ToolchainError("apksigner", f"{fields[0].lower()} failed: {rest}")
        return rest

    def sign(self, unsigned: Path, signed: Path, log: BuildLog | None,
             cancelled: Cancelled = never_cancelled) -> None:
        """Sign ``unsigned`` into ``signed`` with v1, v2 and v3 schemes."""
        self._request(["SIGN", str(unsigned.resolve()), str(signed.resolve()), str(MIN_SDK)],
                      log, cancelled)
        if log:
            log.info(f"signed with key {self._key.alias!r} (v1, v2, v3) by the warm signer")

    def verify(self, apk: Path, log: BuildLog | None,
               cancelled: Cancelled = never_cancelled) -> Verification:
        """Verify the signatures of ``apk`` with apksig's ApkVerifier."""
        issues: list[str] = []
        rest = self._request(["VERIFY", str(apk.resolve())], log, cancelled, issues)
        verified, v1, v2, v3, digest = [*rest.split("\t"), "", "", "", "", ""][:5]
        return Verification(verified == "true", v1 == "true", v2 == "true", v3 == "true", digest,
                            tuple(issues))

    def close(self) -> None:
        """Stop the JVM (closing stdin lets it finish on its own; killed if it lingers)."""
        if self._proc is None:
            return
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):  # the JVM already exited and closed the pipe
            self._proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):  # _kill stops it by force
            self._proc.wait(timeout=5)
        self._kill()
