"""Who watches a build: what the connections table says of one viewer."""

from __future__ import annotations

from typing import NamedTuple


class Registration(NamedTuple):
    """One viewer of a build: when it registered (``$connect``) and whether it has resumed
    since (so its ``$connect`` has returned and the connection is open)."""

    connection_id: str
    connected_at: float
    resumed: bool = False
