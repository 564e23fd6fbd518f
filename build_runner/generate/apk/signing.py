"""Signing keys and the signer: v1 + v2 + v3 signatures, and their verification.

Starting ``apksigner`` (a JVM) costs about a second per build, so :class:`WarmSigner` keeps one
JVM alive: a small Java helper (``java/ApkgenSigner.java``, compiled with ``javac`` into the
cache dir at first use against Debian's apksig jar) that reads sign/verify requests on stdin and
answers on stdout. If it cannot start, :func:`open_signer` logs why and falls back to
:class:`CliSigner`, which runs the ``apksigner`` command each time.

Passwords travel in environment variables of the child process (``--ks-pass env:VAR``), never
on a command line visible in ``ps``, and never in logs or exception messages. Without a
configured keystore a development keystore is created once under the cache dir, its password
stored beside it with 0600 permissions.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import selectors
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from build_runner.errors import BuildCancelled, ToolchainError
from build_runner.generate.apk.resources import MIN_SDK
from build_runner.generate.apk.tools import Cancelled, never_cancelled, require_tool, run_tool
from build_runner.logs import BuildLog

HELPER_SOURCE = Path(__file__).parent / "java" / "ApkgenSigner.java"
HELPER_CLASS = "ApkgenSigner"
APKSIG_JARS = (Path("/usr/share/java/apksig.jar"),
               Path("/usr/lib/android-sdk/build-tools/debian/apksigner.jar"))
KS_PASS_VAR = "APKGEN_SIGNER_KS_PASS"
KEY_PASS_VAR = "APKGEN_SIGNER_KEY_PASS"
DEV_ALIAS = "apkgen"
DEV_DNAME = "CN=apkgen development key, O=apkgen"
DEV_VALIDITY_DAYS = 10000
# How long the helper may take to start (JVM + key load) and to answer one request, in seconds.
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 120.0
# JVM flags for the helper: serial GC and a small heap (one request at a time). The full JIT
# stays on: with C1 only (TieredStopAtLevel=1) warm signing measured about twice as slow.
JVM_FLAGS = ("-XX:+UseSerialGC", "-Xss1m", "-Xmx512m")


@dataclass(frozen=True)
class KeyConfig:
    """Which key signs. ``repr`` hides the passwords."""

    keystore: Path
    alias: str
    store_password: str = field(repr=False)
    key_password: str | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        """The passwords as the child-process environment the signers read them from."""
        return {KS_PASS_VAR: self.store_password,
                KEY_PASS_VAR: self.key_password or self.store_password}


@dataclass(frozen=True)
class Verification:
    """What the verifier says about a signed APK."""

    verified: bool
    v1: bool
    v2: bool
    v3: bool
    cert_sha256: str = ""
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verified and self.v1 and self.v2 and self.v3


class Signer(Protocol):
    """Signs and verifies APKs with one key."""

    name: str

    def sign(self, unsigned: Path, signed: Path, log: BuildLog | None,
             cancelled: Cancelled = never_cancelled) -> None: ...

    def verify(self, apk: Path, log: BuildLog | None,
               cancelled: Cancelled = never_cancelled) -> Verification: ...

    def close(self) -> None: ...


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def ensure_dev_keystore(cache_dir: Path, log: BuildLog | None) -> KeyConfig:
    """The development key under ``cache_dir/keys``, created with keytool on first use."""
    keys = cache_dir / "keys"
    keystore = keys / "development.p12"
    password_file = keys / "development.password"
    if keystore.is_file() and password_file.is_file():
        return KeyConfig(keystore, DEV_ALIAS, password_file.read_text(encoding="utf-8").strip())
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    # Runners starting together must agree on one key: creation happens under a lock.
    with (keys / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if keystore.is_file() and password_file.is_file():
            return KeyConfig(keystore, DEV_ALIAS,
                             password_file.read_text(encoding="utf-8").strip())
        return _create_dev_keystore(keys, keystore, password_file, log)


def _create_dev_keystore(keys: Path, keystore: Path, password_file: Path,
                         log: BuildLog | None) -> KeyConfig:
    keytool = require_tool("keytool", "default-jdk-headless")
    if log:
        log.warning("no signing keystore configured: creating a development key under "
                    f"{keys} (set APKGEN_KEYSTORE_PATH to sign with your own key)")
    password = secrets.token_urlsafe(24)
    tmp_store = keys / f"development.{os.getpid()}.p12"
    tmp_password = keys / f"development.{os.getpid()}.password"
    tmp_store.unlink(missing_ok=True)
    tmp_password.unlink(missing_ok=True)
    run_tool(
        "keytool",
        [keytool, "-genkeypair", "-keystore", str(tmp_store), "-storetype", "PKCS12",
         "-alias", DEV_ALIAS, "-keyalg", "RSA", "-keysize", "2048",
         "-validity", str(DEV_VALIDITY_DAYS), "-dname", DEV_DNAME,
         "-storepass:env", KS_PASS_VAR, "-keypass:env", KS_PASS_VAR],
        log,
        env={KS_PASS_VAR: password},
    )
    os.chmod(tmp_store, 0o600)
    _write_private(tmp_password, password)
    # The password lands first: a keystore is never visible without its password beside it.
    tmp_password.replace(password_file)
    tmp_store.replace(keystore)
    return KeyConfig(keystore, DEV_ALIAS, password)


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


_VERIFY_LINE = re.compile(r"^Verified using (v\d) scheme[^:]*: (true|false)$")


def parse_apksigner_verify(lines: list[str]) -> Verification:
    """Parse ``apksigner verify --verbose --print-certs`` output."""
    schemes: dict[str, bool] = {}
    digest = ""
    errors: list[str] = []
    verified = False
    for line in lines:
        text = line.strip()
        match = _VERIFY_LINE.match(text)
        if match:
            schemes[match.group(1)] = match.group(2) == "true"
        elif text == "Verifies":
            verified = True
        elif "certificate SHA-256 digest:" in text and not digest:
            digest = text.rsplit(":", 1)[1].strip()
        elif text.startswith("ERROR"):
            errors.append(text)
    return Verification(verified, schemes.get("v1", False), schemes.get("v2", False),
                        schemes.get("v3", False), digest, tuple(errors))


class CliSigner:
    """The fallback: the ``apksigner`` command, one JVM per call (about a second each)."""

    name = "apksigner command"

    def __init__(self, key: KeyConfig) -> None:
        self._key = key
        self._apksigner = require_tool("apksigner", "apksigner")

    def sign(self, unsigned: Path, signed: Path, log: BuildLog | None,
             cancelled: Cancelled = never_cancelled) -> None:
        """Sign with ``apksigner sign`` (v1, v2, v3); passwords through the environment."""
        run_tool(
            "apksigner",
            [self._apksigner, "sign", "--ks", str(self._key.keystore),
             "--ks-key-alias", self._key.alias,
             "--ks-pass", f"env:{KS_PASS_VAR}", "--key-pass", f"env:{KEY_PASS_VAR}",
             "--min-sdk-version", str(MIN_SDK),
             "--v1-signing-enabled", "true", "--v2-signing-enabled", "true",
             "--v3-signing-enabled", "true", "--v4-signing-enabled", "false",
             "--out", str(signed), str(unsigned)],
            log, cancelled, env=self._key.env(),
        )

    def verify(self, apk: Path, log: BuildLog | None,
               cancelled: Cancelled = never_cancelled) -> Verification:
        """Verify with ``apksigner verify --verbose --print-certs``."""
        try:
            lines = run_tool("apksigner", [self._apksigner, "verify", "--verbose", "--print-certs",
                                           str(apk)], None, cancelled)
        except ToolchainError as exc:
            return Verification(False, False, False, False, "", (exc.output,))
        return parse_apksigner_verify(lines)

    def close(self) -> None:
        """Nothing to stop."""


def open_signer(key: KeyConfig, cache_dir: Path, log: BuildLog | None, *,
                warm: bool = True, java: str | None = None) -> Signer:
    """The warm signer if it starts, else the apksigner command (with a warning saying why).

    ``java`` is the JVM for the warm signer (default: ``java`` on PATH).
    """
    if not key.keystore.is_file():
        raise ToolchainError("apksigner", f"keystore {key.keystore} does not exist; set "
                             "APKGEN_KEYSTORE_PATH to an existing keystore or leave it unset to "
                             "use a development key")
    if warm:
        try:
            return WarmSigner(key, cache_dir, log, java=java)
        except ToolchainError as exc:
            if exc.tool == "keystore":
                raise  # a wrong key or password: the apksigner command would fail the same way
            if log:
                log.warning(f"warm signer unavailable ({exc}); signing with the apksigner "
                            "command instead (about a second slower per build)")
    return CliSigner(key)
