"""The generator: an Open Event export in, a signed and verified APK out.

Steps: extract → validate → normalize → images (``source.load_event``) → webapp → package →
align → sign → verify, each in ``log.step(name)``; ``cancelled()`` is checked between steps and
polled while a tool runs. A :class:`Generator` keeps what is costly to prepare warm across
builds: the assembled ``classes.dex``, the signing key and the signer JVM. Call order::

    generator = Generator(GeneratorConfig.from_settings(settings))
    result = generator.generate(source, out_apk, GenerateOptions(), log)   # as often as needed
    generator.close()

``generate`` raises InputError (the upload or an option is wrong), ToolchainError (a tool
failed or the APK did not verify) or BuildCancelled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import ImageColor

from build_runner.errors import InputError, ToolchainError, disk_full, is_disk_full
from build_runner.generate.apk import aapt, align, dex, identity, keys, resources, signing, verify
from build_runner.generate.apk.tools import Cancelled, check_cancelled
from build_runner.generate.limits import Limits
from build_runner.generate.model import EventModel
from build_runner.generate.problems import Problem, Problems
from build_runner.generate.source import load_event
from build_runner.generate.webapp import DEFAULT_THEME, Theme, write_webapp
from build_runner.logs import BuildLog

if TYPE_CHECKING:
    from apkgen_core.settings import Settings

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "apkgen"
# Settings.work_dir's default; any other value moves the cache under it.
DEFAULT_WORK_DIR = "/tmp/apkgen-work"


@dataclass(frozen=True)
class GenerateOptions:
    """What the organizer may choose; None means derived from the event."""

    package_name: str | None = None
    app_name: str | None = None
    primary_color: str | None = None
    accent_color: str | None = None
    version_name: str | None = None
    version_code: int | None = None


@dataclass(frozen=True)
class GenerateResult:
    """The APK built, what it says about itself, and the report stored as report.json."""

    apk_path: Path
    package: str
    label: str
    version_code: int
    version_name: str
    size: int
    sha256: str
    report: dict[str, Any]


@dataclass(frozen=True)
class GeneratorConfig:
    """Where the generator works and caches, and which key signs. ``repr`` hides passwords."""

    work_dir: Path = Path(DEFAULT_WORK_DIR)
    cache_dir: Path = DEFAULT_CACHE_DIR
    keystore_path: Path | None = None
    keystore_password: str | None = field(default=None, repr=False)
    key_alias: str = "apkgen"
    key_password: str | None = field(default=None, repr=False)
    framework_res: Path | None = None
    limits: Limits = field(default_factory=Limits)
    warm_signer: bool = True
    java: str | None = None  # the JVM of the warm signer; None: ``java`` on PATH
    keep_work: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> GeneratorConfig:
        """The config from the runner's settings (``APKGEN_WORK_DIR``, ``APKGEN_KEYSTORE_*``).

        The cache lives in ``~/.cache/apkgen`` unless ``APKGEN_WORK_DIR`` is set to something
        else than its default, in which case it is ``<work_dir>/cache``. ``overrides`` replace
        any field (tests pass ``cache_dir=tmp_path``).
        """
        work_dir = Path(settings.work_dir)
        cache_dir = DEFAULT_CACHE_DIR if settings.work_dir == DEFAULT_WORK_DIR else (
            work_dir / "cache")
        values: dict[str, Any] = {
            "work_dir": work_dir,
            "cache_dir": cache_dir,
            "keystore_path": Path(settings.keystore_path) if settings.keystore_path else None,
            "keystore_password": settings.keystore_password,
            "key_alias": settings.key_alias,
            "key_password": settings.key_password,
            "limits": Limits(allow_private_hosts=settings.fetch_private_hosts),
        }
        values.update(overrides)
        return cls(**values)

    def key(self, log: BuildLog | None) -> keys.KeyConfig:
        """The signing key: the configured keystore, or the development one (created once)."""
        if self.keystore_path is None:
            return keys.ensure_dev_keystore(self.cache_dir, log)
        if not self.keystore_password:
            raise ToolchainError("apksigner", "APKGEN_KEYSTORE_PATH is set but "
                                 "APKGEN_KEYSTORE_PASSWORD is not; set both or neither")
        return keys.KeyConfig(self.keystore_path, self.key_alias, self.keystore_password,
                              self.key_password)


def _option_problem(field_name: str, value: Any, message: str, hint: str) -> InputError:
    return InputError(f"option {field_name} {value!r} {message}",
                      [Problem("error", "options", field_name, message, value, hint)])


def resolve_theme(options: GenerateOptions) -> Theme:
    """The web app's colors from the options; InputError naming a color that is not #rrggbb."""
    primary = options.primary_color or DEFAULT_THEME.primary_color
    accent = options.accent_color or DEFAULT_THEME.accent_color
    for name, value in (("primary_color", primary), ("accent_color", accent)):
        try:
            Theme(**{name: value})
        except ValueError as exc:
            raise _option_problem(name, value, "is not a color",
                                  "write it as #rrggbb, like #1e88e5") from exc
    return Theme(primary_color=primary, accent_color=accent)


def validate_options(options: GenerateOptions) -> Theme:
    """Check every option before any work is done; InputError for the first bad one."""
    if options.package_name is not None:
        identity.validate_package(options.package_name)
    identity.validate_version(options.version_code, options.version_name)
    if options.app_name is not None and not identity.clean_label(options.app_name):
        raise _option_problem("app_name", options.app_name, "is empty",
                              "give the app a visible name or leave the option out")
    return resolve_theme(options)


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def deliver(signed: Path, out_apk: Path) -> None:
    """Put the APK at ``out_apk`` atomically (a reader never sees half a file).

    ToolchainError (tool ``output``) saying why when the destination cannot be written.
    """
    partial = out_apk.with_name(f".{out_apk.name}.partial")
    try:
        out_apk.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(signed, partial)
        partial.replace(out_apk)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise disk_full(exc, f"writing the APK to {out_apk}") from exc
        raise ToolchainError("output", f"cannot write the APK to {out_apk}: "
                             f"{exc.strerror or exc}") from exc


class Generator:
    """Builds APKs, keeping the dex, the key and the signer JVM warm. Safe to share between
    threads: each build works in a folder of its own, the dex and the framework are only read,
    and the warm signer takes one request at a time."""

    def __init__(self, config: GeneratorConfig, *, log: BuildLog | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        """Prepare the warm resources; ToolchainError if a tool or the key is unusable."""
        self.config = config
        self._clock = clock
        config.work_dir.mkdir(parents=True, exist_ok=True)
        config.cache_dir.mkdir(parents=True, exist_ok=True)
        self._framework_res = aapt.find_framework_res(config.framework_res)
        self._dex = dex.ensure_dex(config.cache_dir, log)
        self._signer = signing.open_signer(config.key(log), config.cache_dir, log,
                                           warm=config.warm_signer, java=config.java)

    @property
    def signer_name(self) -> str:
        """Which signer is in use: the warm JVM or the apksigner command."""
        return self._signer.name

    def generate(self, source: str | Path, out_apk: Path, options: GenerateOptions,
                 log: BuildLog, cancelled: Cancelled = lambda: False) -> GenerateResult:
        """Build ``source`` (a zip path or an API URL) into a verified APK at ``out_apk``."""
        check_cancelled(cancelled, "before it started")
        theme = validate_options(options)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=self.config.work_dir))
        try:
            assets = work / "app" / "assets"
            loaded = load_event(source, work / "input", assets, log, self.config.limits,
                                cancelled=cancelled)
            return self._build(loaded.model, loaded.problems, loaded.logo_path, work,
                               out_apk, options, theme, log, cancelled)
        finally:
            if not self.config.keep_work:
                shutil.rmtree(work, ignore_errors=True)

    def build_model(self, model: EventModel, out_apk: Path, options: GenerateOptions,
                    log: BuildLog, cancelled: Cancelled = lambda: False, *,
                    images_dir: Path | None = None, logo_path: Path | None = None,
                    problems: Problems | None = None) -> GenerateResult:
        """Build an already loaded event (webapp → verify). ``images_dir`` is copied into the
        assets as ``images/``; same errors as :meth:`generate`."""
        check_cancelled(cancelled, "before it started")
        theme = validate_options(options)
        work = Path(tempfile.mkdtemp(prefix="build-", dir=self.config.work_dir))
        try:
            assets = work / "app" / "assets"
            assets.mkdir(parents=True)
            if images_dir is not None:
                shutil.copytree(images_dir, assets / "images")
            return self._build(model, problems or Problems(), logo_path, work, out_apk,
                               options, theme, log, cancelled)
        finally:
            if not self.config.keep_work:
                shutil.rmtree(work, ignore_errors=True)

    def _build(self, model: EventModel, problems: Problems, logo_path: Path | None, work: Path,
               out_apk: Path, options: GenerateOptions, theme: Theme, log: BuildLog,
               cancelled: Cancelled) -> GenerateResult:
        if problems.error_count:
            raise InputError(f"the event has {problems.error_count} error(s)", problems.errors)
        app = work / "app"
        who = identity.resolve_identity(
            event_id=model.event.id, event_name=model.event.name, now=self._clock(),
            package_name=options.package_name, app_name=options.app_name,
            version_code=options.version_code, version_name=options.version_name,
        )
        if options.app_name:
            # The web app titles itself with the configured app name: the option wins there too.
            model = dataclasses.replace(
                model, config=dataclasses.replace(model.config, app_name=who.label))
        check_cancelled(cancelled, "before the web app step")
        with log.step("webapp"):
            written = write_webapp(model, app / "assets", theme)
            log.info(f"web app: {len(written)} files, {len(model.sessions)} sessions, "
                     f"{len(model.speakers)} speakers")
        check_cancelled(cancelled, "before the package step")
        unaligned = work / "unaligned.apk"
        with log.step("package"):
            log.info(f"package {who.package}, label {who.label!r}, "
                     f"version {who.version_name} ({who.version_code})")
            icon = resources.IconSource(logo_path, who.label,
                                        ImageColor.getrgb(theme.primary_color)[:3])
            manifest, warnings = resources.write_resources(app / "res", who, icon)
            for warning in warnings:
                log.warning(warning)
                problems.warning("images", "logo", warning, str(logo_path),
                                 "use a PNG or JPEG logo")
            aapt.package(manifest=manifest, res_dir=app / "res", assets_dir=app / "assets",
                         framework_res=self._framework_res, package_name=who.package,
                         out_apk=unaligned, log=log, cancelled=cancelled)
            aapt.add_dex(unaligned, self._dex)
        check_cancelled(cancelled, "before the align step")
        aligned = work / "aligned.apk"
        with log.step("align"):
            align.align(unaligned, aligned, log, cancelled)
        check_cancelled(cancelled, "before the sign step")
        signed = work / "signed.apk"
        with log.step("sign"):
            self._signer.sign(aligned, signed, log, cancelled)
        check_cancelled(cancelled, "before the verify step")
        with log.step("verify"):
            verify.verify_apk(signed, who, self._signer, log, cancelled)
            size, sha256 = file_digest(signed)
            deliver(signed, out_apk)
            log.info(f"APK written: {out_apk} ({size} bytes, sha256 {sha256})")
        summary = {
            "package": who.package, "label": who.label, "version_code": who.version_code,
            "version_name": who.version_name, "size": size, "sha256": sha256,
            "warnings": problems.warning_count,
        }
        return GenerateResult(
            apk_path=out_apk, package=who.package, label=who.label,
            version_code=who.version_code, version_name=who.version_name, size=size,
            sha256=sha256, report={"summary": summary, **problems.report()},
        )

    def close(self) -> None:
        """Stop the signer JVM. The generator must not be used afterwards."""
        self._signer.close()

    def __enter__(self) -> Generator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def generate(source: str | Path, out_apk: Path, options: GenerateOptions | None = None,
             log: BuildLog | None = None, *, config: GeneratorConfig | None = None,
             cancelled: Cancelled = lambda: False) -> GenerateResult:
    """One build with a generator of its own (started and stopped around it).

    For many builds keep one :class:`Generator` instead: it stays warm. Same errors as
    :meth:`Generator.generate`.
    """
    log = log or BuildLog()
    with Generator(config or GeneratorConfig(), log=log) as generator:
        return generator.generate(source, out_apk, options or GenerateOptions(), log, cancelled)
