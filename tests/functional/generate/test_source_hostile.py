"""Hostile or broken uploads: a clear error each, nothing written outside, nothing left behind."""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from build_runner.errors import InputError
from build_runner.generate.fetch import Fetcher, FetchError
from build_runner.generate.limits import Limits
from build_runner.generate.source import load_event
from build_runner.logs import BuildLog
from tests.list_sink import ListSink

EVENT = {"id": 1, "name": "Camp", "starts-at": "2024-05-01T09:00:00+02:00",
         "ends-at": "2024-05-02T18:00:00+02:00", "timezone": "Europe/Berlin"}
SESSIONS = [{"id": 1, "title": "Opening", "starts-at": "2024-05-01T09:00:00+02:00",
             "ends-at": "2024-05-01T09:30:00+02:00"}]
GOOD: dict[str, bytes] = {"event": json.dumps(EVENT).encode(),
                          "sessions": json.dumps(SESSIONS).encode()}
REZIP = "(create the zip again from the exported folder)"
RELATIVE = "(zip the export's files with relative paths only)"


def offline(host: str) -> list[str]:
    raise FetchError(f"the host {host} cannot be resolved (tests run offline)")


def make_zip(entries: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]],
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in items:
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_headers(data: bytes, offset_local: int, offset_central: int, fmt: str,
                  value: int) -> bytes:
    """Rewrite one field in the (first) local header and central directory entry."""
    out = bytearray(data)
    struct.pack_into(fmt, out, out.find(b"PK\x03\x04") + offset_local, value)
    struct.pack_into(fmt, out, out.find(b"PK\x01\x02") + offset_central, value)
    return bytes(out)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def reject(tmp_path: Path, upload: bytes, limits: Limits | None = None) -> InputError:
    """Load ``upload`` and return the InputError, checking nothing is left anywhere."""
    outer = tmp_path / "outer"
    work = outer / "work"
    work.mkdir(parents=True)
    zip_path = tmp_path / "upload.zip"
    zip_path.write_bytes(upload)
    sink = ListSink()
    chosen = limits or Limits()
    with pytest.raises(InputError) as caught:
        load_event(zip_path, work, work / "assets", BuildLog(sink), chosen,
                   fetcher=Fetcher(chosen, resolver=offline))
    assert list(work.iterdir()) == []
    assert tree(tmp_path) == ["outer", "outer/work", "upload.zip"]
    errors = [r.text for r in sink.records if r.level == "error" and not r.text.startswith("✗")]
    assert errors == [str(p) for p in caught.value.problems]
    return caught.value


def only_error(error: InputError) -> str:
    assert len(error.problems) == 1, error.problems
    assert error.summary == f"the upload has 1 error: {error.problems[0]}"
    return str(error.problems[0])


def test_refuses_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    error = reject(tmp_path, b"event,sessions\n1,2\n")
    assert only_error(error) == ("upload: the file is not a zip archive (upload the .zip file "
                                 "that Open Event exported)")


def test_refuses_an_empty_zip(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({}))
    assert only_error(error) == ("upload: the zip is empty (export the event again; the zip must "
                                 "contain event and sessions)")


def test_refuses_a_zip_larger_than_allowed(tmp_path: Path) -> None:
    upload = make_zip(GOOD)
    error = reject(tmp_path, upload, Limits(max_zip_bytes=100))
    assert only_error(error) == (f"upload: the zip is {len(upload)} bytes, more than the 100 bytes "
                                 "allowed (shrink or remove large images)")


def test_refuses_an_encrypted_entry(tmp_path: Path) -> None:
    upload = patch_headers(make_zip({"event": GOOD["event"], "sessions": GOOD["sessions"]}),
                           6, 8, "<H", 0x1)
    error = reject(tmp_path, upload)
    assert only_error(error) == "event: is encrypted (upload a zip without a password)"


@pytest.mark.parametrize(("name", "text"), [
    ("../evil.txt", f"../evil.txt: the path leaves the upload folder {RELATIVE}"),
    ("images/../../../evil.txt",
     f"images/../../../evil.txt: the path leaves the upload folder {RELATIVE}"),
    ("..\\evil.txt", f"..\\evil.txt: the path leaves the upload folder {RELATIVE}"),
    ("/tmp/evil.txt", f"/tmp/evil.txt: the path is absolute {RELATIVE}"),
    ("C:\\evil.txt", f"C:\\evil.txt: the path starts with a drive letter {RELATIVE}"),
    ("C:/evil.txt", f"C:/evil.txt: the path starts with a drive letter {RELATIVE}"),
])
def test_refuses_paths_that_escape_the_work_folder(tmp_path: Path, name: str, text: str) -> None:
    error = reject(tmp_path, make_zip([*GOOD.items(), (name, b"owned")]))
    assert only_error(error) == text


def test_refuses_symbolic_links(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("images/logo.jpg")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = reject(tmp_path, make_zip([*GOOD.items(), (link, b"/etc/passwd")]))
    assert only_error(error) == ("images/logo.jpg: is a symbolic link, which an upload may not "
                                 "contain (zip the real files instead of links)")


def test_refuses_more_entries_than_allowed(tmp_path: Path) -> None:
    entries = [*GOOD.items(), *((f"images/{i}.png", b"x") for i in range(4))]
    error = reject(tmp_path, make_zip(entries), Limits(max_files=5))
    assert only_error(error) == ("upload: the zip has 6 entries, more than the 5 allowed (remove "
                                 "files the app does not need)")


def test_refuses_a_declared_total_size_beyond_the_limit(tmp_path: Path) -> None:
    entries = [*GOOD.items(), ("images/big.bin", b"x" * 3000)]
    total = sum(len(data) for _, data in entries)
    error = reject(tmp_path, make_zip(entries), Limits(max_total_uncompressed=2048))
    assert only_error(error) == (f"upload: the files in the zip add up to {total / 1024:.1f} KiB "
                                 "uncompressed, more than the 2.0 KiB allowed (shrink or remove "
                                 "large images)")


def test_refuses_a_zip_bomb_by_its_compression_ratio(tmp_path: Path) -> None:
    upload = make_zip([*GOOD.items(), ("images/zeros.bin", bytes(8 * 1024 * 1024))])
    info = zipfile.ZipFile(io.BytesIO(upload)).getinfo("images/zeros.bin")
    ratio = info.file_size / info.compress_size
    assert ratio > 100
    error = reject(tmp_path, upload)
    assert only_error(error) == (f"images/zeros.bin: compresses {ratio:.0f} to 1, more than the "
                                 "100 to 1 allowed; this looks like a zip bomb (remove this file "
                                 "from the zip)")


def test_counts_bytes_while_extracting_instead_of_trusting_a_forged_size(tmp_path: Path) -> None:
    # The sessions entry says it holds 10 bytes; it holds far more.
    forged = make_zip([("sessions", GOOD["sessions"]), ("event", GOOD["event"])],
                      zipfile.ZIP_STORED)
    forged = patch_headers(forged, 22, 24, "<I", 10)
    error = reject(tmp_path, forged)
    assert only_error(error) == f"sessions: cannot be read: Bad CRC-32 for file 'sessions' {REZIP}"


def test_refuses_a_json_file_larger_than_allowed(tmp_path: Path) -> None:
    sessions = json.dumps(SESSIONS * 3).encode()
    size = len(sessions)
    assert len(GOOD["event"]) < size - 1
    error = reject(tmp_path, make_zip({**GOOD, "sessions": sessions}),
                   Limits(max_json_bytes=size - 1))
    assert only_error(error) == (f"sessions: the file is {size} bytes, more than the {size - 1} "
                                 "bytes allowed for one JSON file (remove what the app does not "
                                 "need, such as unpublished sessions)")


@pytest.mark.parametrize("depth", [65, 100_000])
def test_refuses_deeply_nested_json(tmp_path: Path, depth: int) -> None:
    nested = b"[" * depth + b"]" * depth
    error = reject(tmp_path, make_zip({**GOOD, "sessions": nested}, zipfile.ZIP_STORED))
    assert only_error(error) == ("sessions: nests arrays and objects more than 64 levels deep (an "
                                 "Open Event export nests only a few levels; export the event "
                                 "again)")


def test_refuses_json_that_is_not_utf8(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({**GOOD, "event": '{"name": "Café"}'.encode("latin-1")}))
    assert only_error(error) == ("event: is not UTF-8 text (byte 0xe9 at offset 13) (save the file "
                                 "with UTF-8 encoding)")


def test_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({**GOOD, "sessions": b'[{"id": 1,'}))
    assert only_error(error) == ("sessions: is not valid JSON: Expecting property name enclosed in "
                                 "double quotes at line 1 column 11 (fix the JSON syntax or export "
                                 "the event again)")


def test_refuses_the_wrong_top_level_type(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({**GOOD, "sessions": b'{"sessions": []}'}))
    assert only_error(error) == ('sessions: expected an array of session objects at the top level, '
                                 'found an object (the file must look like [{"id": 1, ...}, ...])')


def test_names_the_miscased_file_and_the_expected_name(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({"EVENT": GOOD["event"], "Sessions": GOOD["sessions"]}))
    assert [str(p) for p in error.problems] == [
        'EVENT: is named with the wrong case; the file must be named "event" (rename "EVENT" to '
        '"event")',
        'Sessions: is named with the wrong case; the file must be named "sessions" (rename '
        '"Sessions" to "sessions")',
    ]
    assert error.summary.startswith("the upload has 2 errors: EVENT: is named with the wrong case")


def test_names_a_missing_required_file(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip({"event": GOOD["event"], "speakers": b"[]"}))
    assert only_error(error) == ("sessions: the file is missing from the upload (the zip must "
                                 "contain sessions or sessions.json at its root or inside its one "
                                 "top-level folder)")


def test_refuses_an_entry_that_appears_twice(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        upload = make_zip([*GOOD.items(), ("sessions", b"[]")])
    error = reject(tmp_path, upload)
    assert only_error(error) == f"sessions: appears twice in the zip {REZIP}"


def test_a_rejection_after_images_were_placed_leaves_nothing_behind(tmp_path: Path) -> None:
    # Errors found late (here in validate) still clean up what extract wrote.
    nameless = {k: v for k, v in EVENT.items() if k != "name"}
    error = reject(tmp_path, make_zip({**GOOD, "event": json.dumps(nameless).encode(),
                                       "images/notes.txt": b"hello"}))
    assert only_error(error) == "event.name: the event's name is missing (add the event's name)"


def test_refuses_a_file_and_a_folder_of_the_same_name(tmp_path: Path) -> None:
    error = reject(tmp_path, make_zip([*GOOD.items(), ("images", b"x"), ("images/a.png", b"y")]))
    assert only_error(error) == ("images/a.png: clashes with another entry: a file and a folder "
                                 f"have the same name {REZIP}")
