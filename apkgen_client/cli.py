"""``apkgen``: build an app from an Open Event export and watch its log live.

Exit codes: 0 the build succeeded (and the APK was written) or the command did what it said;
1 the build failed or was cancelled, or the API or the log stream failed; 2 the command line or
the input file is wrong; 130 interrupted.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from apkgen_client.api import ApiClient, check_zip
from apkgen_client.args import BuildCommand, LogsCommand, StatusCommand, parse_args
from apkgen_client.errors import ClientError, UsageError
from apkgen_client.follow import follow
from apkgen_client.logstream import FollowState, LogTracker
from apkgen_client.render import (
    LogPrinter,
    format_bytes,
    format_failure,
    format_status,
    progress_bar,
)


class _Output:
    """Where the client writes: log lines to ``out``, progress and messages to ``err``."""

    def __init__(self, out: TextIO, err: TextIO, color: bool | None = None) -> None:
        self.out, self.err = out, err
        self.tty = err.isatty()
        self.color = out.isatty() if color is None else color

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def progress(self, label: str) -> Any:
        """A progress callback redrawing one line on a terminal, else one line at the end."""
        def show(done: int, total: int) -> None:
            if self.tty:
                end = "\n" if total and done >= total else ""
                print("\r" + progress_bar(done, total, label=label), end=end, file=self.err,
                      flush=True)
            elif total and done >= total:
                self.note(progress_bar(done, total, label=label))
        return show


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one ``apkgen`` command; return the exit code."""
    output = _Output(stdout or sys.stdout, stderr or sys.stderr)
    env = os.environ if environ is None else environ
    try:
        command = parse_args(sys.argv[1:] if argv is None else argv, env)
        if isinstance(command, LogsCommand):
            return _logs(command, output)
        if isinstance(command, StatusCommand):
            return _status(command, output)
        return _build(command, output)
    except UsageError as exc:
        output.note(f"apkgen: {exc}")
        return 2
    except ClientError as exc:
        output.note(f"apkgen: error: {exc}")
        return 1
    except KeyboardInterrupt:
        output.note("apkgen: interrupted; the build goes on (`apkgen status ID` to check it)")
        return 130


def _build(command: BuildCommand, output: _Output) -> int:
    api = ApiClient(command.api)
    payload: dict[str, Any] = {k: v for k, v in (
        ("email", command.email), ("app_name", command.app_name),
        ("package_name", command.package_name), ("primary_color", command.primary_color),
        ("accent_color", command.accent_color)) if v is not None}
    if command.is_url:
        payload["api_url"] = command.source
    else:
        path = Path(command.source)
        check_zip(path)
        presigned = api.create_upload()
        payload["upload_key"] = api.upload(presigned, path, output.progress("upload"))
    created = api.create_build(payload)
    build_id = str(created["build_id"])
    output.note(f"build {build_id} {created.get('status', 'queued')}")
    output.note(f"watch it at {command.api}/b/{build_id}")
    if not command.follow:
        output.line(build_id)
        return 0

    ws_url = created.get("ws_url") or api.get_build(build_id).get("ws_url")
    state = FollowState(build_id)
    printer = LogPrinter(color=output.color, timestamps=command.timestamps)

    def show(lines: list[dict[str, Any]]) -> None:
        for text in printer.render(lines):
            output.line(text)

    if ws_url:
        follow(str(ws_url), state, show, on_reconnect=lambda failures, delay: output.note(
            f"apkgen: log connection lost; reconnecting in {delay:.2g}s (try {failures})"))
    else:
        output.note("apkgen: the API gave no WebSocket URL; reading the log over HTTP")
    final = api.get_build(build_id)
    # Lines the WebSocket did not deliver (or all of them without one) come from the log API.
    for page in api.iter_logs(build_id, after=state.tracker.last_seq):
        show(state.tracker.add(page))
    return _finish(api, command, final, output)


def _finish(api: ApiClient, command: BuildCommand, final: dict[str, Any],
            output: _Output) -> int:
    if final.get("status") != "succeeded":
        for text in format_failure(final, color=output.color):
            output.note(text)
        return 1
    artifact = final.get("artifact") or {}
    url = artifact.get("download_url")
    if not url:
        raise ClientError(f"build {final.get('build_id')} succeeded but its status has no "
                          "download_url; try `apkgen status` again")
    dest = command.output or Path(f"{artifact.get('package') or 'app'}.apk")
    size = api.download(str(url), dest, output.progress("download"))
    expected = artifact.get("sha256")
    if expected:
        actual = hashlib.sha256(dest.read_bytes()).hexdigest()
        if actual != expected:
            dest.unlink()
            raise ClientError(f"the downloaded APK's sha256 {actual} is not the build's "
                              f"{expected}; download it again")
    output.note(f"Build succeeded: {artifact.get('label', '')} ({artifact.get('package', '')}) "
                f"→ {dest} ({format_bytes(size)})")
    if artifact.get("preview_url"):
        output.note(f"Try the app in a browser: {artifact['preview_url']} (or beside the "
                    f"download on {final.get('page_url') or 'the build page'})")
    return 0


def _logs(command: LogsCommand, output: _Output) -> int:
    api = ApiClient(command.api)
    tracker = LogTracker()
    printer = LogPrinter(color=output.color, timestamps=command.timestamps)
    for page in api.iter_logs(command.build_id):
        for text in printer.render(tracker.add(page)):
            output.line(text)
    return 0


def _status(command: StatusCommand, output: _Output) -> int:
    status = ApiClient(command.api).get_build(command.build_id)
    for text in format_status(status, color=output.color):
        output.line(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
