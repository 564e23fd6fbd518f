"""The input side of generation: an export zip or an Open Event API URL becomes a placed model.

:func:`load_event` is the one entry point. It runs the steps ``extract`` (which fetches the
documents when the source is an API URL), ``validate``, ``normalize`` and ``images``, each in
``log.step(name)``, logs every problem as it is found (errors at level error, warnings at level
warning, the text is ``str(problem)``), and raises :class:`InputError` when the input has
errors. Everything it writes is under ``work_dir`` (the extracted upload, removed again before it
returns) and ``assets_dir/images``; when it raises, whatever it wrote is removed.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from build_runner.errors import InputError
from build_runner.generate.eventapi import fetch_api
from build_runner.generate.eventyay import api_base
from build_runner.generate.extract import EXPORT_FILES, Upload, extract_upload
from build_runner.generate.fetch import Fetcher
from build_runner.generate.images import place_images
from build_runner.generate.jsonload import INVALID, load_json_file
from build_runner.generate.limits import Limits, human_size
from build_runner.generate.model import EventModel
from build_runner.generate.normalize import normalize
from build_runner.generate.problems import Problems
from build_runner.generate.repair import repair
from build_runner.generate.validate import REQUIRED_FILES, ignored, validate
from build_runner.logs import BuildLog

__all__ = ["Limits", "LoadedEvent", "is_url", "load_event", "summary"]


@dataclass(frozen=True)
class LoadedEvent:
    """The event, ready for the web app.

    ``model`` has its images placed (image fields are paths relative to ``assets_dir``),
    ``problems`` holds the warnings, ``logo_path`` is the placed logo file (for the launcher
    icon) or None.
    """

    model: EventModel
    problems: Problems
    logo_path: Path | None


def is_url(source: str | Path) -> bool:
    """Whether the source is an Open Event API base URL rather than a zip file."""
    return isinstance(source, str) and source.strip().lower().startswith(("http://", "https://"))


def summary(problems: Problems, what: str = "the upload") -> str:
    """``the upload has 3 errors: sessions[12].starts-at: ...`` (the first error in full)."""
    count = problems.error_count
    first = str(problems.errors[0]) if problems.errors else "unknown error"
    return f"{what} has {count} error{'' if count == 1 else 's'}: {first}"


@dataclass
class _Run:
    """One call's state: the problems, how many of them are logged, what was written."""

    log: BuildLog
    what: str
    problems: Problems = field(default_factory=Problems)
    logged_errors: int = 0
    logged_warnings: int = 0
    created: list[Path] = field(default_factory=list)

    def report(self) -> None:
        """Log the problems found since the last call; raise when there are errors."""
        for problem in self.problems.errors[self.logged_errors:]:
            self.log.error(str(problem))
        for problem in self.problems.warnings[self.logged_warnings:]:
            self.log.warning(str(problem))
        self.logged_errors = len(self.problems.errors)
        self.logged_warnings = len(self.problems.warnings)
        if self.problems.error_count:
            if self.problems.more_errors:
                self.log.error(f"… and {self.problems.more_errors} more errors")
            raise InputError(summary(self.problems, self.what), list(self.problems.errors))

    def make_dir(self, path: Path) -> Path:
        """Create ``path`` (and missing parents), remembering what to remove on failure."""
        missing = []
        for candidate in (path, *path.parents):
            if candidate.exists():
                break
            missing.append(candidate)
        path.mkdir(parents=True, exist_ok=True)
        self.created.extend(reversed(missing))
        return path

    def clean_up(self) -> None:
        for path in reversed(self.created):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=False)
            elif path.exists() or path.is_symlink():
                path.unlink()
        self.created.clear()


def _read_documents(upload: Upload, limits: Limits, problems: Problems) -> dict[str, Any]:
    """Every export file that can be read. A required file that cannot is an error; an
    optional one is ignored with a warning saying what the app lacks."""
    docs: dict[str, Any] = {}
    for name in EXPORT_FILES:
        path = upload.files.get(name)
        if path is None:
            continue
        if name in REQUIRED_FILES:
            value = load_json_file(path, name, limits, problems)
        else:
            found = Problems()
            value = load_json_file(path, name, limits, found)
            for problem in found.errors:
                problems.warning(problem.file, problem.path, f"{problem.message}; {ignored(name)}",
                                 problem.value, problem.hint, has_value=problem.has_value)
        if value is not INVALID:
            docs[name] = value
    return docs


_DEFAULT_LIMITS = Limits()


def load_event(source: str | Path, work_dir: Path, assets_dir: Path, log: BuildLog,
               limits: Limits = _DEFAULT_LIMITS, *, fetcher: Fetcher | None = None,
               cancelled: Callable[[], bool] = lambda: False) -> LoadedEvent:
    """Read, check and normalize the event, and place its images.

    ``source`` is a path to an export zip or an http(s) Open Event API base URL. Raises
    :class:`InputError` (its ``problems`` say what to fix) when the input cannot be built, and
    :class:`BuildCancelled` within a second of ``cancelled()`` turning true while the event or
    its images download; nothing it wrote is left behind then. ``fetcher`` replaces the default
    downloader (tests; it then polls its own cancel check).
    """
    url = is_url(source)
    run = _Run(log, "the event data" if url else "the upload")
    fetcher = fetcher or Fetcher(limits, cancelled=cancelled)
    work_dir, assets_dir = Path(work_dir), Path(assets_dir)
    extracted: Path | None = None
    try:
        run.make_dir(work_dir)
        with log.step("extract"):
            if url:
                base = str(source).strip()
                log.info(f"fetching the event from {base}")
                docs = fetch_api(base, fetcher, limits, run.problems)
                upload = None
                run.report()
            else:
                zip_path = Path(source)
                extracted = Path(tempfile.mkdtemp(prefix="upload-", dir=work_dir))
                run.created.append(extracted)
                upload = extract_upload(zip_path, extracted, limits, run.problems)
                run.report()
                assert upload is not None
                size = sum(p.stat().st_size for p in upload.root.rglob("*") if p.is_file())
                log.info(f"extracted {len(upload.files)} export files ({human_size(size)} in "
                         "all)")
        with log.step("validate"):
            if upload is not None:
                docs = _read_documents(upload, limits, run.problems)
            validate(docs, run.problems)
            docs = repair(docs, run.problems)
            run.report()
        with log.step("normalize"):
            normalized = normalize(docs, run.problems)
            run.report()
            model = normalized.model
            log.info(f"{model.event.name}: {len(model.sessions)} sessions, {len(model.speakers)} "
                     f"speakers, {len(model.tracks)} tracks, {len(model.rooms)} rooms, "
                     f"{len(model.sponsors)} sponsors")
            if left_out := normalized.left_out.summary():
                log.info(left_out)
        with log.step("images"):
            run.make_dir(assets_dir)
            images_dir = assets_dir / "images"
            run.make_dir(images_dir)
            placed = place_images(normalized, upload.root if upload else None, assets_dir,
                                  fetcher, limits, run.problems,
                                  base_url=str(source).strip() if url else None)
            if images_dir not in run.created:
                run.created.extend(placed.written)
            run.report()
            log.info(f"placed {len(placed.written)} images")
        if run.problems.more_warnings:
            log.warning(f"… and {run.problems.more_warnings} more warnings")
    except BaseException:
        run.clean_up()
        raise
    if extracted is not None:
        shutil.rmtree(extracted)
    model = placed.model
    if url and not model.config.api_link:
        # The app refreshes its schedule from where it was read (webapp_live).
        model = dataclasses.replace(model, config=dataclasses.replace(
            model.config, api_link=api_base(str(source))))
    return LoadedEvent(model=model, problems=run.problems, logo_path=placed.logo_path)
