"""Who watches a build, as a test reads the connections table."""

from __future__ import annotations

from chalicelib.connections import ConnectionStore


def watching(connections: ConnectionStore, build_id: str, now: float | None = None) -> list[str]:
    """The connection ids registered for ``build_id`` (unexpired at ``now``), in key order."""
    return [r.connection_id for r in connections.registrations(build_id, now)]
