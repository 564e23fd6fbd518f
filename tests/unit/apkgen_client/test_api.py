"""The zip check and the multipart body of the presigned POST (apkgen_client.api)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from apkgen_client.api import check_zip, multipart_parts
from apkgen_client.errors import UsageError


def make_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("event", "{}")
    return path


def test_accepts_a_zip_and_returns_its_size(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip")
    assert check_zip(path) == path.stat().st_size


def test_rejects_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "e.zip"
    path.write_text("just text")
    with pytest.raises(UsageError, match="is not a zip file"):
        check_zip(path)


def test_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        check_zip(tmp_path / "nope.zip")


def test_rejects_a_zip_over_the_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "e.zip")
    with pytest.raises(UsageError, match="over the 10-byte upload limit"):
        check_zip(path, max_bytes=10)


def test_puts_policy_fields_first_and_the_file_last() -> None:
    head, tail = multipart_parts({"key": "uploads/1.zip", "policy": "p"}, 'a"b.zip', "XX")
    text = head.decode()
    assert text.index('name="key"') < text.index('name="policy"') < text.index('name="file"')
    assert 'filename="a_b.zip"' in text
    assert text.endswith("Content-Type: application/zip\r\n\r\n")
    assert tail == b"\r\n--XX--\r\n"
