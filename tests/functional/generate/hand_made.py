"""A hand-made event for the toolchain tests, and how they build and check its APK.

Its name is as hostile as a label gets (quotes, a backslash, markup, an emoji); it has two
sessions and nothing else.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from build_runner.generate.model import Event, EventModel, Session
from build_runner.generate.pipeline import GenerateOptions, GenerateResult, Generator
from build_runner.logs import BuildLog
from tests.list_sink import ListSink

NASTY = "Tom's \"Conf\" @2024 \\ <&> 🎉"
MODEL = EventModel(
    Event(id="77", name=NASTY, starts_at="2024-05-01T09:00:00+02:00",
          ends_at="2024-05-02T18:00:00+02:00"),
    sessions=(
        Session("1", "Opening keynote: WebViews & you", "2024-05-01T09:00:00+02:00",
                "2024-05-01T10:00:00+02:00"),
        Session("2", "Smali by hand", "2024-05-01T10:00:00+02:00", "2024-05-01T11:00:00+02:00"),
    ),
)


def apksigner_verify(apk: Path) -> dict[str, bool]:
    """``apksigner verify --verbose``: scheme → verified, read from its output."""
    out = subprocess.run(["apksigner", "verify", "--verbose", str(apk)], capture_output=True,
                         text=True, check=True).stdout
    return {m.group(1): m.group(2) == "true"
            for m in re.finditer(r"Verified using (v\d) scheme[^:]*: (true|false)", out)}


def build(generator: Generator, out: Path,
          options: GenerateOptions | None = None) -> tuple[GenerateResult, ListSink]:
    """:data:`MODEL` built into ``out`` by ``generator``: the result and the build's log."""
    sink = ListSink()
    result = generator.build_model(MODEL, out, options or GenerateOptions(), BuildLog(sink))
    return result, sink
