"""Objects in the bucket: uploaded event exports, built APKs and their reports.

Keys (docs/contracts.md): ``uploads/{upload_id}.zip``, ``artifacts/{build_id}/{name}``,
``artifacts/{build_id}/report.json``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import StoreError, error_code

UPLOAD_KEY_RE = re.compile(r"uploads/[A-Za-z0-9_-]{8,64}\.zip")  # use fullmatch
APK_CONTENT_TYPE = "application/vnd.android.package-archive"
_SAFE_FILENAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


def new_upload_key() -> str:
    """A fresh, unguessable ``uploads/{random}.zip`` key."""
    return f"uploads/{secrets.token_urlsafe(18)}.zip"


def safe_filename(name: str) -> str:
    """``name`` reduced to characters safe in a Content-Disposition header."""
    cleaned = _SAFE_FILENAME_RE.sub("_", name).strip("._") or "download"
    return cleaned[:120]


class ObjectStore:
    """The bucket. Raises StoreError (with the AWS code) when S3 fails."""

    def __init__(self, s3_client: Any, bucket: str, *, presign_expiry_s: int = 3600) -> None:
        self._s3 = s3_client
        self.bucket = bucket
        self._expiry = presign_expiry_s

    def presigned_post(self, max_bytes: int) -> dict[str, Any]:
        """A presigned POST for one upload of at most ``max_bytes``:
        ``{"upload_key", "url", "fields", "max_bytes"}``. The browser sends ``fields`` then
        the file as ``file``; S3 refuses a bigger file (``content-length-range``)."""
        key = new_upload_key()
        try:
            post = self._s3.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Fields={"Content-Type": "application/zip"},
                Conditions=[
                    ["content-length-range", 1, max_bytes],
                    {"Content-Type": "application/zip"},
                ],
                ExpiresIn=self._expiry,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto("presign an upload", exc) from exc
        return {"upload_key": key, "url": post["url"], "fields": post["fields"],
                "max_bytes": max_bytes}

    def put_upload(self, data: bytes) -> str:
        """Store an export sent inline; returns its new key."""
        key = new_upload_key()
        self._put(key, data, "application/zip")
        return key

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists in the bucket."""
        try:
            self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StoreError.from_boto(f"look up {key}", exc) from exc
        except BotoCoreError as exc:
            raise StoreError.from_boto(f"look up {key}", exc) from exc
        return True

    def download(self, key: str, path: Path | str) -> Path:
        """Copy ``key`` to the local file ``path``; returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._s3.download_file(self.bucket, key, str(target))
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"download {key}", exc) from exc
        return target

    def put_artifact(self, build_id: str, path: Path | str, name: str) -> str:
        """Upload the built file ``path`` as ``artifacts/{build_id}/{name}``; returns the key."""
        key = f"artifacts/{build_id}/{safe_filename(name)}"
        content_type = APK_CONTENT_TYPE if name.endswith(".apk") else "application/octet-stream"
        try:
            self._s3.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"upload {key}", exc) from exc
        return key

    def put_report(self, build_id: str, report: dict[str, Any]) -> str:
        """Store the problems report as ``artifacts/{build_id}/report.json``; returns the key."""
        key = f"artifacts/{build_id}/report.json"
        body = json.dumps(report, ensure_ascii=False, indent=1).encode()
        self._put(key, body, "application/json")
        return key

    def get_json(self, key: str) -> Any:
        """Read a JSON object (a report)."""
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=key)
            return json.loads(answer["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"read {key}", exc) from exc

    def read(self, key: str, max_bytes: int) -> bytes | None:
        """The object's bytes, or None when it is bigger than ``max_bytes`` (nothing more than
        that is read)."""
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=key)
            body = answer["Body"]
            try:
                if int(answer.get("ContentLength") or 0) > max_bytes:
                    return None
                data: bytes = body.read(max_bytes + 1)
            finally:
                body.close()
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"read {key}", exc) from exc
        return None if len(data) > max_bytes else data

    def artifact_url(self, artifact: Mapping[str, Any] | None) -> str | None:
        """The download URL of a build's ``artifact`` (its APK, saved as ``<package>.apk``), or
        None when there is none. The one place it is made: the status answer, the status
        message and the ``/apk`` redirect all use it."""
        if not artifact or not artifact.get("key"):
            return None
        return self.presigned_get(str(artifact["key"]), f"{artifact.get('package') or 'app'}.apk")

    def presigned_get(self, key: str, filename: str) -> str:
        """A time-limited download URL for ``key`` that saves as ``filename``."""
        try:
            return str(
                self._s3.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": key,
                        "ResponseContentDisposition":
                            f'attachment; filename="{safe_filename(filename)}"',
                    },
                    ExpiresIn=self._expiry,
                )
            )
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"presign a download of {key}", exc) from exc

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise StoreError.from_boto(f"store {key}", exc) from exc
