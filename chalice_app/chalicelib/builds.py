"""Builds and their life cycle, stored in the builds table (see docs/contracts.md).

Life cycle::

    queued ──claim──▶ running ──finish──▶ succeeded | failed | cancelled
      │                  ▲ │
      │ request_cancel   │ └─ lease expired: another runner may claim again (attempts + 1)
      ▼                  │
    cancelled          (request_cancel on running sets cancel_requested; the runner stops)

Every transition is one conditional write, so two runners never both own a build.
Times are epoch seconds passed in by the caller (``now``): no clock is read here.

The item stays small whatever the build reports: ``finish`` keeps only the bounded summary of
the problems report (:func:`chalicelib.reports.summarize`, at most 24 KB) and the key of the
whole report in S3 (``report_key``), and cuts ``error`` to 1000 characters, so the final
status and the artifact always fit DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import dynamo, reports
from chalicelib.errors import BuildNotFound, ClaimConflict, StoreError, error_code

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED})


@dataclass
class Build:
    """One build, as stored. ``problems`` is the JSON summary of the report (a string; the
    whole report is the S3 object ``report_key``), ``artifact`` a map. How far its log goes
    is the logs table's to say (``LogStore.last_seq``), not the build's."""

    build_id: str
    created_at: float
    updated_at: float
    source: dict[str, str]
    options: dict[str, str] = field(default_factory=dict)
    status: str = QUEUED
    step: str = "queue"
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    problems: str | None = None
    report_key: str | None = None
    artifact: dict[str, Any] | None = None
    runner_id: str | None = None
    lease_until: float | None = None
    attempts: int = 0
    cancel_requested: bool = False

    @property
    def terminal(self) -> bool:
        """True once the build has succeeded, failed or been cancelled."""
        return self.status in TERMINAL

    def to_item(self) -> dict[str, Any]:
        return dynamo.to_item(asdict(self))

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Build:
        data = dynamo.from_item(item)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


class BuildStore:
    """The builds table through the low-level DynamoDB client.

    Raises :class:`BuildNotFound` for unknown ids, :class:`ClaimConflict` when a conditional
    write loses, :class:`StoreError` (with the AWS code) for anything else.
    """

    def __init__(self, dynamodb_client: Any, table: str) -> None:
        self._db = dynamodb_client
        self._table = table

    # -- reads and creation ------------------------------------------------------------------

    def create(self, build: Build) -> None:
        """Store a new build. Raises ClaimConflict if the id is already taken."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=build.to_item(),
                ConditionExpression="attribute_not_exists(build_id)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ClaimConflict(f"build {build.build_id!r} already exists") from exc
            raise StoreError.from_boto(f"create build {build.build_id}", exc) from exc
        except BotoCoreError as exc:
            raise StoreError.from_boto(f"create build {build.build_id}", exc) from exc

    def discard_queued(self, build_id: str) -> bool:
        """Delete a build that is still ``queued`` (its job could not be queued, so nothing will
        ever run it). Returns False when it was no longer queued (then it is kept). Raises
        StoreError."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key={"build_id": {"S": build_id}},
                ConditionExpression="#status = :queued",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":queued": {"S": QUEUED}},
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise StoreError.from_boto(f"discard build {build_id}", exc) from exc
        except BotoCoreError as exc:
            raise StoreError.from_boto(f"discard build {build_id}", exc) from exc
        return True

    def get(self, build_id: str) -> Build:
        """The build with this id (strongly consistent read). Raises BuildNotFound."""
        try:
            answer = self._db.get_item(
                TableName=self._table,
                Key={"build_id": {"S": build_id}},
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"get build {build_id}", exc) from exc
        if "Item" not in answer:
            raise BuildNotFound(build_id)
        return Build.from_item(answer["Item"])

    # -- the runner's transitions ------------------------------------------------------------

    def claim(self, build_id: str, runner_id: str, now: float, lease_s: float) -> Build:
        """Take the build for ``runner_id`` until ``now + lease_s``; returns the claimed build.

        Succeeds when the build is ``queued``, or ``running`` with an expired lease (its runner
        died). Increments ``attempts``. Raises ClaimConflict otherwise (another runner holds a
        valid lease, or the build is finished or cancelled) and BuildNotFound for unknown ids.
        """
        return self._update(
            build_id,
            "claim",
            "SET #status = :running, runner_id = :runner, lease_until = :lease, "
            "updated_at = :now, started_at = if_not_exists(started_at, :now), "
            "attempts = if_not_exists(attempts, :zero) + :one",
            "attribute_exists(build_id) AND (#status = :queued OR "
            "(#status = :running AND (attribute_not_exists(lease_until) OR lease_until < :now)))",
            {
                ":running": RUNNING,
                ":queued": QUEUED,
                ":runner": runner_id,
                ":lease": now + lease_s,
                ":now": now,
                ":zero": 0,
                ":one": 1,
            },
        )

    def renew_lease(self, build_id: str, runner_id: str, now: float, lease_s: float) -> Build:
        """Extend the lease of a build this runner holds; returns the build (check
        ``cancel_requested`` on it). Raises ClaimConflict if the runner lost the build."""
        return self._update(
            build_id,
            "renew the lease of",
            "SET lease_until = :lease, updated_at = :now",
            "runner_id = :runner AND #status = :running",
            {":runner": runner_id, ":running": RUNNING, ":lease": now + lease_s, ":now": now},
        )

    def set_step(self, build_id: str, runner_id: str, step: str, now: float) -> Build:
        """Record the step the runner is in. Raises ClaimConflict if it lost the build."""
        return self._update(
            build_id,
            "set the step of",
            "SET #step = :step, updated_at = :now",
            "runner_id = :runner AND #status = :running",
            {":runner": runner_id, ":running": RUNNING, ":step": step, ":now": now},
        )

    def finish(
        self,
        build_id: str,
        runner_id: str,
        status: str,
        now: float,
        error: str | None = None,
        problems: dict[str, Any] | str | None = None,
        artifact: dict[str, Any] | None = None,
        report_key: str | None = None,
    ) -> Build:
        """End a build this runner holds with ``succeeded``, ``failed`` or ``cancelled``.

        ``problems`` (the report, a dict or its JSON, any size) is stored as the JSON text of
        its bounded summary (:func:`chalicelib.reports.summarize`); ``report_key`` names the
        whole report in the bucket. ``error`` is cut to
        :data:`chalicelib.reports.MAX_ERROR_CHARS`. A succeeded build's step becomes ``done``;
        a failed one keeps the step it failed in. Raises ClaimConflict if the runner no longer
        holds the build, StoreError when DynamoDB fails, ValueError for a status that is not
        terminal.
        """
        if status not in TERMINAL:
            raise ValueError(f"finish needs one of {sorted(TERMINAL)}, not {status!r}")
        sets = ["#status = :status", "finished_at = :now", "updated_at = :now"]
        removes = ["lease_until"]  # names below go through ExpressionAttributeNames
        names_values: dict[str, Any] = {
            ":runner": runner_id,
            ":running": RUNNING,
            ":status": status,
            ":now": now,
        }
        if status == SUCCEEDED:
            sets.append("#step = :done")
            names_values[":done"] = "done"
        summary = reports.summarize(problems)
        for name, value in (
            ("error", None if error is None else reports.clip(error, reports.MAX_ERROR_CHARS)),
            ("problems", None if summary is None else json.dumps(summary, ensure_ascii=False)),
            ("artifact", artifact),
            ("report_key", report_key),
        ):
            if value is None:
                removes.append(f"#{name}")
            else:
                sets.append(f"#{name} = :{name}")
                names_values[f":{name}"] = value
        expression = "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes)
        return self._update(
            build_id,
            "finish",
            expression,
            "runner_id = :runner AND #status = :running",
            names_values,
        )

    # -- the viewer's requests ---------------------------------------------------------------

    def request_cancel(self, build_id: str, now: float) -> Build:
        """Cancel a build: a queued one is cancelled at once, a running one gets
        ``cancel_requested`` (its runner stops at the next step boundary). A finished build is
        returned unchanged. Raises BuildNotFound."""
        for _ in range(3):
            build = self.get(build_id)
            try:
                if build.status == QUEUED:
                    return self._update(
                        build_id,
                        "cancel",
                        "SET #status = :cancelled, finished_at = :now, updated_at = :now, "
                        "cancel_requested = :true, #error = :why",
                        "#status = :queued",
                        {
                            ":cancelled": CANCELLED,
                            ":queued": QUEUED,
                            ":now": now,
                            ":true": True,
                            ":why": "cancelled before it started",
                        },
                    )
                if build.status == RUNNING:
                    return self._update(
                        build_id,
                        "cancel",
                        "SET cancel_requested = :true, updated_at = :now",
                        "#status = :running",
                        {":running": RUNNING, ":now": now, ":true": True},
                    )
                return build
            except ClaimConflict:
                continue  # the status changed under us (claimed or finished): look again
        return self.get(build_id)

    # -- plumbing ----------------------------------------------------------------------------

    def _update(
        self,
        build_id: str,
        action: str,
        update: str,
        condition: str,
        expression_values: dict[str, Any],
    ) -> Build:
        names = {
            n: n[1:]
            for n in ("#status", "#step", "#error", "#problems", "#artifact", "#report_key")
            if n in update or n in condition
        }
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"build_id": {"S": build_id}},
            "UpdateExpression": update,
            "ConditionExpression": f"attribute_exists(build_id) AND ({condition})",
            "ExpressionAttributeValues": dynamo.values(expression_values),
            "ReturnValues": "ALL_NEW",
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        try:
            answer = self._db.update_item(**kwargs)
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise StoreError.from_boto(f"{action} build {build_id}", exc) from exc
            current = self.get(build_id)  # raises BuildNotFound for an unknown id
            holder = f", held by runner {current.runner_id!r}" if current.runner_id else ""
            raise ClaimConflict(
                f"cannot {action} build {build_id!r}: it is {current.status}{holder}",
                current.status,
            ) from exc
        except BotoCoreError as exc:
            raise StoreError.from_boto(f"{action} build {build_id}", exc) from exc
        return Build.from_item(answer["Attributes"])
