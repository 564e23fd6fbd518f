"""The builds table's life cycle: every transition is one conditional write (moto)."""

from __future__ import annotations

import json

import pytest

from apkgen_core.settings import Settings
from chalicelib.aws import AwsClients
from chalicelib.builds import Build, BuildStore
from chalicelib.errors import BuildNotFound, ClaimConflict, StoreError

LEASE = 30.0


@pytest.fixture
def store(aws: tuple[Settings, AwsClients]) -> BuildStore:
    settings, clients = aws
    return BuildStore(clients.dynamodb, settings.builds_table)


def queued(store: BuildStore, build_id: str = "build-0001") -> Build:
    build = Build(build_id, 100.0, 100.0, {"kind": "url", "url": "https://e.org"},
                  {"app_name": "Summit"})
    store.create(build)
    return build


def test_stores_and_reads_back_a_new_build(store: BuildStore) -> None:
    build = queued(store)
    assert store.get(build.build_id) == build


def test_refuses_to_create_a_build_whose_id_is_taken(store: BuildStore) -> None:
    queued(store)
    with pytest.raises(ClaimConflict, match="already exists"):
        queued(store)


def test_reports_an_unknown_build(store: BuildStore) -> None:
    with pytest.raises(BuildNotFound) as caught:
        store.get("nope-nope-nope")
    assert caught.value.build_id == "nope-nope-nope"


def test_claims_a_queued_build_once(store: BuildStore) -> None:
    build = queued(store)
    claimed = store.claim(build.build_id, "runner-a", 200.0, LEASE)
    assert (claimed.status, claimed.runner_id) == ("running", "runner-a")
    assert claimed.lease_until == 230.0
    assert (claimed.attempts, claimed.started_at) == (1, 200.0)
    with pytest.raises(ClaimConflict, match="it is running, held by runner 'runner-a'") as caught:
        store.claim(build.build_id, "runner-b", 229.0, LEASE)
    assert caught.value.status == "running"


def test_lets_another_runner_take_over_once_the_lease_expired(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    taken = store.claim(build.build_id, "runner-b", 231.0, LEASE)
    assert (taken.runner_id, taken.attempts, taken.started_at) == ("runner-b", 2, 200.0)
    with pytest.raises(ClaimConflict):
        store.renew_lease(build.build_id, "runner-a", 232.0, LEASE)


def test_renewing_the_lease_keeps_others_out_and_shows_a_cancel_request(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    store.request_cancel(build.build_id, 210.0)
    renewed = store.renew_lease(build.build_id, "runner-a", 225.0, LEASE)
    assert renewed.lease_until == 255.0 and renewed.cancel_requested
    with pytest.raises(ClaimConflict):
        store.claim(build.build_id, "runner-b", 240.0, LEASE)


def test_records_the_step_only_for_the_holder(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    assert store.set_step(build.build_id, "runner-a", "sign", 201.0).step == "sign"
    with pytest.raises(ClaimConflict):
        store.set_step(build.build_id, "runner-b", "verify", 202.0)


def test_finishes_a_build_with_its_artifact(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    artifact = {"key": "artifacts/build-0001/org.x.apk", "size": 1234, "sha256": "ab",
                "package": "org.x", "label": "X", "version_code": 7, "version_name": "1.0"}
    done = store.finish(build.build_id, "runner-a", "succeeded", 300.0, artifact=artifact,
                        problems={"errors": [], "warnings": [], "error_count": 0})
    assert (done.status, done.step, done.finished_at, done.lease_until) == (
        "succeeded", "done", 300.0, None)
    assert done.artifact == artifact
    assert json.loads(done.problems or "") == {"errors": [], "warnings": [], "error_count": 0,
                                               "warning_count": 0}


def test_a_failed_build_keeps_the_step_it_failed_in(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    store.set_step(build.build_id, "runner-a", "validate", 201.0)
    failed = store.finish(build.build_id, "runner-a", "failed", 202.0, error="3 problems")
    assert (failed.status, failed.step, failed.error) == ("failed", "validate", "3 problems")


def test_a_finished_build_cannot_be_claimed_or_finished_again(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    store.finish(build.build_id, "runner-a", "failed", 202.0, error="boom")
    with pytest.raises(ClaimConflict, match="it is failed"):
        store.claim(build.build_id, "runner-b", 10_000.0, LEASE)
    with pytest.raises(ClaimConflict):
        store.finish(build.build_id, "runner-a", "succeeded", 203.0)


def test_finish_needs_a_terminal_status(store: BuildStore) -> None:
    with pytest.raises(ValueError, match="finish needs one of"):
        store.finish("build-0001", "runner-a", "running", 1.0)


def test_cancelling_a_queued_build_ends_it_at_once(store: BuildStore) -> None:
    build = queued(store)
    cancelled = store.request_cancel(build.build_id, 150.0)
    assert (cancelled.status, cancelled.finished_at) == ("cancelled", 150.0)
    with pytest.raises(ClaimConflict, match="it is cancelled"):
        store.claim(build.build_id, "runner-a", 200.0, LEASE)


def test_cancelling_a_running_build_asks_its_runner_to_stop(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    asked = store.request_cancel(build.build_id, 210.0)
    assert (asked.status, asked.cancel_requested) == ("running", True)
    stopped = store.finish(build.build_id, "runner-a", "cancelled", 220.0)
    assert stopped.status == "cancelled"


def test_cancelling_a_finished_build_changes_nothing(store: BuildStore) -> None:
    build = queued(store)
    store.claim(build.build_id, "runner-a", 200.0, LEASE)
    done = store.finish(build.build_id, "runner-a", "succeeded", 300.0)
    assert store.request_cancel(build.build_id, 400.0) == done


def test_cancelling_an_unknown_build_says_so(store: BuildStore) -> None:
    with pytest.raises(BuildNotFound):
        store.request_cancel("missing-build", 1.0)


def test_keeps_the_aws_error_code_when_the_table_is_missing(
    aws: tuple[Settings, AwsClients],
) -> None:
    _, clients = aws
    with pytest.raises(StoreError) as caught:
        BuildStore(clients.dynamodb, "no-such-table").get("build-0001")
    assert caught.value.code == "ResourceNotFoundException"


def test_discards_a_build_only_while_it_is_still_queued(store: BuildStore) -> None:
    build = queued(store)
    assert store.discard_queued(build.build_id) is True
    with pytest.raises(BuildNotFound):
        store.get(build.build_id)
    running = queued(store, "build-0002")
    store.claim(running.build_id, "runner-1", 101.0, LEASE)
    assert store.discard_queued(running.build_id) is False
    assert store.get(running.build_id).status == "running"
