"""moto's state as files: the snapshot thread writes every change, the last ones too, then ends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from local_stack.moto_journal import Journal, SharedExclusiveLock
from local_stack.moto_snapshots import SnapshotStore, run_snapshots

SAFETY_S = 30.0  # far longer than any of these waits should take


def fake_dump(service: str) -> bytes:
    return f"state of {service}".encode()


def snapshot_thread(
    journal: Journal, store: SnapshotStore, dump: Callable[[str], bytes] = fake_dump
) -> threading.Thread:
    thread = threading.Thread(
        target=run_snapshots, args=(journal, SharedExclusiveLock(), store, dump), daemon=True
    )
    thread.start()
    return thread


def test_a_change_is_on_disk_before_it_counts_as_durable(tmp_path: Path) -> None:
    journal, store = Journal(), SnapshotStore(tmp_path / "moto", "5.0")
    thread = snapshot_thread(journal, store)
    generation = journal.mark({"sqs"})
    assert journal.wait_durable(generation, SAFETY_S)
    assert store.load() == {"sqs": b"state of sqs"}
    journal.close()
    thread.join(SAFETY_S)
    assert not thread.is_alive()


def test_closing_writes_the_changes_still_pending_then_the_thread_ends(tmp_path: Path) -> None:
    journal, store = Journal(), SnapshotStore(tmp_path / "moto", "5.0")
    journal.mark({"s3"})
    journal.mark({"dynamodb"})
    journal.close()
    thread = snapshot_thread(journal, store)
    thread.join(SAFETY_S)
    assert not thread.is_alive()
    assert store.load() == {"dynamodb": b"state of dynamodb", "s3": b"state of s3"}


def test_a_snapshot_that_keeps_failing_does_not_keep_a_closing_moto_waiting(
    tmp_path: Path,
) -> None:
    def broken(service: str) -> bytes:
        raise RuntimeError(f"cannot pickle {service}")

    journal = Journal()
    journal.mark({"ses"})
    journal.close()
    thread = snapshot_thread(journal, SnapshotStore(tmp_path / "moto", "5.0"), broken)
    thread.join(SAFETY_S)
    assert not thread.is_alive()
    assert journal.durable == 0


def test_state_written_by_another_moto_version_is_moved_aside(tmp_path: Path) -> None:
    SnapshotStore(tmp_path / "moto", "4.9").save({"sqs": b"old"})
    assert SnapshotStore(tmp_path / "moto", "5.0").load() == {}
    assert (tmp_path / "moto.old" / "sqs.pickle").read_bytes() == b"old"
    assert not (tmp_path / "moto").exists()
