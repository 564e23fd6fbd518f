"""Step ``extract``: unpack an Open Event export zip into the build's work folder, safely.

The zip is distrusted completely. Before anything is written, every entry's header is checked
(:func:`check_entries`): the path must stay inside the folder (no ``../``, no absolute path, no
drive letter), no symbolic links, no encryption, at most ``max_files`` entries, a declared total
size and a per-entry compression ratio within limits. Then the export's files are located
(:func:`locate_files`): at the zip's root or inside its one top-level folder, with or without
``.json``, in the right case. Only then are entries copied out one by one while their bytes are
counted (:func:`extract_upload`), because a forged header may lie about the size.

Problems go to a :class:`Problems`; the caller stops the build when it holds errors and removes
whatever was written. ``ZipFile.extractall`` is never used.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from build_runner.errors import disk_full, is_disk_full
from build_runner.generate.limits import RATIO_MIN_BYTES, Limits, human_size
from build_runner.generate.problems import Problems

# The files of an export, by the name used in problems and JSON paths.
REQUIRED_FILES: tuple[str, ...] = ("event", "sessions")
OPTIONAL_FILES: tuple[str, ...] = (
    "speakers",
    "tracks",
    "microlocations",
    "sponsors",
    "session_types",
    "forms",
    "meta",
)
CONFIG_FILE = "config.json"
EXPORT_FILES: tuple[str, ...] = (*REQUIRED_FILES, *OPTIONAL_FILES, CONFIG_FILE)

UPLOAD = "upload"
_JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 64 * 1024
_REZIP = "create the zip again from the exported folder"


@dataclass(frozen=True)
class Upload:
    """The export's files found in the zip, once extracted.

    ``root`` is the folder the export's files are in (image paths like ``/images/logo.jpg`` are
    relative to it); ``files`` maps each export file present (``sessions``) to its extracted path.
    """

    root: Path
    files: dict[str, Path]


def display_name(name: str, limit: int = 120) -> str:
    """An entry name safe to print on one log line: control characters escaped, length capped."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def safe_parts(name: str) -> tuple[str, ...] | str:
    """The path parts of a zip entry name, or why the name is refused.

    Backslashes count as separators (zips made on Windows use them), so ``..\\x`` is caught too.
    """
    unified = name.replace("\\", "/")
    if unified.startswith("/"):
        return "the path is absolute"
    if _DRIVE.match(unified):
        return "the path starts with a drive letter"
    parts = tuple(p for p in unified.split("/") if p not in ("", "."))
    if ".." in parts:
        return "the path leaves the upload folder"
    return parts


def is_junk(parts: tuple[str, ...]) -> bool:
    """macOS and Windows leave these in zips; they are never part of an export."""
    return (
        "__MACOSX" in parts
        or (bool(parts) and parts[-1] in _JUNK_NAMES)
        or (bool(parts) and parts[-1].startswith("._"))
    )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check_entries(infos: list[zipfile.ZipInfo], limits: Limits, problems: Problems) -> None:
    """Check every entry's header before anything is written. Pure: reads only the headers."""
    if not infos:
        problems.error(UPLOAD, "", "the zip is empty",
                       hint="export the event again; the zip must contain event and sessions")
        return
    if len(infos) > limits.max_files:
        problems.error(UPLOAD, "", f"the zip has {len(infos)} entries, more than the "
                       f"{limits.max_files} allowed", hint="remove files the app does not need")
        return
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        problems.error(UPLOAD, "", f"the files in the zip add up to {human_size(total)} "
                       f"uncompressed, more than the {human_size(limits.max_total_uncompressed)} "
                       "allowed",
                       hint="shrink or remove large images")
    seen: set[tuple[str, ...]] = set()
    for info in infos:
        shown = display_name(info.filename)
        parts = safe_parts(info.filename)
        if isinstance(parts, str):
            problems.error(shown, "", parts, hint="zip the export's files with relative paths only")
            continue
        if _is_symlink(info):
            problems.error(shown, "", "is a symbolic link, which an upload may not contain",
                           hint="zip the real files instead of links")
            continue
        if info.flag_bits & 0x1:
            problems.error(shown, "", "is encrypted", hint="upload a zip without a password")
            continue
        if not info.is_dir():
            if parts in seen:
                problems.error(shown, "", "appears twice in the zip", hint=_REZIP)
            seen.add(parts)
        if info.file_size > RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                problems.error(shown, "", f"compresses {ratio:.0f} to 1, more than the "
                               f"{limits.max_ratio} to 1 allowed; this looks like a zip bomb",
                               hint="remove this file from the zip")


def find_prefix(names: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Where the export's files are: the zip's root, or its one top-level folder."""
    files = [p for p in names if p and not is_junk(p)]
    known = {n.lower() for n in EXPORT_FILES} | {f"{n}.json" for n in EXPORT_FILES}
    if any(len(p) == 1 and p[0].lower() in known for p in files):
        return ()
    tops = {p[0] for p in files if len(p) > 1}
    if len(tops) == 1 and all(len(p) > 1 for p in files):
        return (tops.pop(),)
    return ()


def locate_files(
    names: Iterable[tuple[str, ...]], prefix: tuple[str, ...], problems: Problems
) -> dict[str, tuple[str, ...]]:
    """Map each export file present to its entry parts; report missing, doubled, miscased ones."""
    at_root: dict[str, tuple[str, ...]] = {}
    for parts in names:
        if len(parts) == len(prefix) + 1 and parts[: len(prefix)] == prefix and not is_junk(parts):
            at_root[parts[-1]] = parts
    found: dict[str, tuple[str, ...]] = {}
    where = "/".join(prefix) + "/" if prefix else ""
    for name in EXPORT_FILES:
        spellings = (name,) if name == CONFIG_FILE else (name, f"{name}.json")
        exact = [s for s in spellings if s in at_root]
        if len(exact) > 1:
            problems.error(f"{where}{exact[0]}", "", f"and {where}{exact[1]} are both in the "
                           "upload", hint="keep only one of them")
            continue
        if exact:
            found[name] = at_root[exact[0]]
            continue
        lowered = {s.lower() for s in spellings}
        miscased = sorted(n for n in at_root if n.lower() in lowered)
        if miscased:
            wrong = miscased[0]
            right = name if wrong.lower() == name.lower() else f"{name}.json"
            problems.error(display_name(f"{where}{wrong}"), "",
                           f'is named with the wrong case; the file must be named "{right}"',
                           hint=f'rename "{display_name(wrong)}" to "{right}"')
        elif name in REQUIRED_FILES:
            problems.error(name, "", "the file is missing from the upload",
                           hint=f"the zip must contain {name} or {name}.json at its root "
                           "or inside its one top-level folder")
    return found


def open_zip(zip_path: Path, limits: Limits, problems: Problems) -> zipfile.ZipFile | None:
    """Open the upload as a zip, or report why it is not one."""
    try:
        size = zip_path.stat().st_size
    except OSError as exc:
        problems.error(UPLOAD, "", f"cannot be read: {exc.strerror}", hint="upload the file again")
        return None
    if size > limits.max_zip_bytes:
        problems.error(UPLOAD, "", f"the zip is {human_size(size)}, more than the "
                       f"{human_size(limits.max_zip_bytes)} allowed",
                       hint="shrink or remove large images")
        return None
    if not zipfile.is_zipfile(zip_path):
        problems.error(UPLOAD, "", "the file is not a zip archive",
                       hint="upload the .zip file that Open Event exported")
        return None
    try:
        return zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        problems.error(UPLOAD, "", f"the zip is damaged: {exc}", hint=_REZIP)
        return None


def _copy_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int,
    problems: Problems,
) -> int:
    """Copy one entry, counting its bytes; returns how many were written (-1 on a problem)."""
    shown = display_name(info.filename)
    cap = min(info.file_size, budget)
    written = 0
    try:
        with archive.open(info) as src, target.open("xb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > cap:
                    if written > info.file_size:
                        problems.error(shown, "", "holds more data than its header declares; the "
                                       "zip is damaged or forged", hint=_REZIP)
                    else:
                        problems.error(UPLOAD, "", "the files in the zip add up to more than the "
                                       "allowed uncompressed size", hint="shrink or remove images")
                    return -1
                out.write(chunk)
    except NotImplementedError as exc:
        problems.error(shown, "", f"uses a compression method that cannot be read ({exc})",
                       hint="create the zip again with standard (Deflate) compression")
        return -1
    except OSError as exc:
        if is_disk_full(exc):  # the runner's disk, not the zip: never blame the upload
            raise disk_full(exc, f"extracting {shown}") from exc
        problems.error(shown, "", f"cannot be read: {exc}", hint=_REZIP)
        return -1
    except (zipfile.BadZipFile, EOFError, ValueError, RuntimeError) as exc:
        problems.error(shown, "", f"cannot be read: {exc}", hint=_REZIP)
        return -1
    return written


def extract_upload(zip_path: Path, dest: Path, limits: Limits, problems: Problems) -> Upload | None:
    """Check and extract the upload into ``dest`` (created when missing; it should be empty).

    Returns None when ``problems`` received errors; ``dest`` may then hold partial files and
    the caller removes it.
    """
    archive = open_zip(zip_path, limits, problems)
    if archive is None:
        return None
    with archive:
        infos = archive.infolist()
        check_entries(infos, limits, problems)
        if problems.error_count:
            return None
        entries: list[tuple[tuple[str, ...], zipfile.ZipInfo]] = []
        for info in infos:
            parts = safe_parts(info.filename)
            assert isinstance(parts, tuple)  # check_entries refused every other name
            entries.append((parts, info))
        file_parts = [parts for parts, info in entries if not info.is_dir()]
        prefix = find_prefix(file_parts)
        located = locate_files(file_parts, prefix, problems)
        if problems.error_count:
            return None
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        budget = limits.max_total_uncompressed
        for parts, info in entries:
            if info.is_dir() or is_junk(parts) or parts[: len(prefix)] != prefix:
                continue
            relative = parts[len(prefix):]
            target = root.joinpath(*relative)
            if not target.resolve().is_relative_to(root):  # defence in depth
                problems.error(display_name(info.filename), "", "the path leaves the upload folder",
                               hint="zip the export's files with relative paths only")
                return None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                clash = target.exists()
            except (FileExistsError, NotADirectoryError):
                clash = True
            if clash:
                problems.error(display_name(info.filename), "", "clashes with another entry: a "
                               "file and a folder have the same name", hint=_REZIP)
                return None
            written = _copy_entry(archive, info, target, budget, problems)
            if written < 0:
                return None
            budget -= written
    files = {name: root.joinpath(*parts[len(prefix):]) for name, parts in located.items()}
    return Upload(root=root, files=files)


def remove_tree(path: Path) -> None:
    """Remove what extraction wrote; a path that is already gone is fine."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)

