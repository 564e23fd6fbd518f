"""Storing log lines the way the runner does (``LogStore.append_encoded_batch``), for tests that
need a stored log to read: lines as dicts, encoded by the one line encoder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apkgen_core.lines import encode_line
from chalicelib.logstore import LogStore


def store_lines(logs: LogStore, build_id: str, lines: Sequence[dict[str, Any]]) -> None:
    """Store ``lines`` (each with its ``seq``, in order) as the runner would."""
    logs.append_encoded_batch([(build_id, [(line["seq"], encode_line(line)[1])
                                           for line in lines])])
