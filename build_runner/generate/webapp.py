"""The offline event web app that goes inside the APK: index.html, app.css, scripts, data.js.

The Android activity shows ``file:///android_asset/index.html`` in a WebView with no network,
so everything the app needs is a file next to it: the event data is a script (``data.js``,
assigning ``window.EVENT_DATA``) rather than a JSON file the page would have to fetch.
The page loads three scripts, each made of hand-written files in ``webapp_assets/`` (see
:data:`SCRIPTS`): ``safe.js`` (DOM building and the rich-text allow-list), ``model.js`` (no DOM:
``model.js`` the data indexed, times, stars, conflicts; ``live.js`` the refresh from the event's
API and the changes since the attendee last looked; ``actions.js`` calendar, share and
directions links) and ``app.js`` (views and router). This module adds what depends on the
event: the theme colors, the page title, the network policy (:mod:`.webapp_live`), the data.

An app whose model has an API address (``config.api_link``: the generator sets it for an app
built from an eventyay API) refreshes its sessions from that API while open and online; its
page may connect to that origin only. Any other app makes no network request at all.

Untrusted event text reaches the page only through ``data.js``. It is encoded so that no string
can end the script element or start an HTML comment (``<``, ``>``, ``&`` become ``\\u``
escapes) nor end a JavaScript line (U+2028, U+2029), and the page's Content-Security-Policy
forbids inline scripts, so even a broken-out string could not run. ``app.js`` builds the DOM
with ``textContent`` and ``safe.js`` copies rich text through a strict allow-list.

Call order: the images step has placed the images under ``assets_dir/images``; then
:func:`write_webapp` writes its files next to them. Raises ``ValueError`` for a bad
:class:`Theme` color and for event data that is not JSON (NaN coordinates).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build_runner.generate.model import EventModel
from build_runner.generate.webapp_live import LiveSource, content_security_policy, live_source

ASSETS_DIR = Path(__file__).with_name("webapp_assets")
# The scripts the page loads, in order, and the source files each is made of.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "safe.js": ("safe.js",),
    "model.js": ("model.js", "live.js", "actions.js"),
    "app.js": ("app.js",),
}
STATIC_FILES = tuple(SCRIPTS)
SOURCE_FILES = tuple(name for parts in SCRIPTS.values() for name in parts)
DATA_JS_NAME = "data.js"
DATA_JS_PREFIX = "window.EVENT_DATA = "
DATA_JS_SUFFIX = ";\n"

WHITE = "#ffffff"
DARK = "#121212"
# The light and dark schemes' page and card backgrounds (app.css): links and stars on them
# are darkened or lightened until they reach AA on each.
LIGHT_BACKGROUNDS = ("#ffffff", "#f3f4f6")
DARK_BACKGROUNDS = ("#121316", "#1f2126")
AA_CONTRAST = 4.5
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Characters that could end a <script> element, open an HTML comment or end a JS line.
_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")
# Template placeholders in webapp_assets/index.html and app.css.
_TITLE_MARK = "{{TITLE}}"
_THEME_COLOR_MARK = "{{THEME_COLOR}}"
_CSP_MARK = "{{CSP}}"
_LIVE_MARK = "{{LIVE_META}}"
_THEME_VARS_MARK = "/* {{THEME_VARS}} */"


@dataclass(frozen=True)
class Theme:
    """The app's colors, as ``#rrggbb``. The text colors on them are derived for contrast."""

    primary_color: str = "#1e88e5"
    accent_color: str = "#ff7043"

    def __post_init__(self) -> None:
        for name in ("primary_color", "accent_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _HEX_COLOR.fullmatch(value):
                raise ValueError(
                    f"{name} must be a color written as #rrggbb (six hex digits, like "
                    f"'#1e88e5'), got {value!r}"
                )

    def css_variables(self) -> dict[str, str]:
        """The CSS custom properties the stylesheet reads (``--primary`` and friends).

        ``--primary`` is the bar/button color: the organizer's color, darkened a little when
        that lets white text on it reach WCAG AA (4.5:1), as Material's darker shade would;
        colors too light for white text keep their hue and get dark text. ``--primary-text``
        is the color for text on white (always 4.5:1 or better); ``--link-text`` and
        ``--accent-text`` reach 4.5:1 on every light-scheme background (links, the current
        tab, stars), ``--primary-text-dark`` and ``--accent-text-dark`` on the dark scheme's.
        """
        primary = self.primary_color.lower()
        primary_text = darken_for_white_text(primary)
        surface = primary_text if contrast_ratio(primary, WHITE) >= 3.0 else primary
        accent = self.accent_color.lower()
        return {
            "--primary": surface,
            "--on-primary": text_color_on(surface),
            "--primary-text": primary_text,
            "--accent": accent,
            "--on-accent": text_color_on(accent),
            "--link-text": darken_for_light_backgrounds(primary),
            "--accent-text": darken_for_light_backgrounds(accent),
            "--primary-text-dark": lighten_for_dark_backgrounds(primary),
            "--accent-text-dark": lighten_for_dark_backgrounds(accent),
        }


DEFAULT_THEME = Theme()


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` color, 0 (black) to 1 (white)."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two ``#rrggbb`` colors (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color_on(background: str) -> str:
    """White when it reaches WCAG AA (4.5:1) on ``background``, else whichever reads better."""
    if contrast_ratio(background, WHITE) >= AA_CONTRAST:
        return WHITE
    return WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, DARK) else DARK


def _stepped_until_readable(color: str, backgrounds: Iterable[str],
                            step: Callable[[int], int]) -> str:
    """``color`` with ``step`` applied to each channel until it reaches 4.5:1 on every one of
    ``backgrounds``."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    current = color.lower()
    while min(contrast_ratio(current, bg) for bg in backgrounds) < AA_CONTRAST:
        r, g, b = (step(c) for c in (r, g, b))
        current = f"#{r:02x}{g:02x}{b:02x}"
    return current


def _darker(channel: int) -> int:
    return int(channel * 0.95)


def _lighter(channel: int) -> int:
    return min(255, channel + max(1, (255 - channel) // 10))


def darken_for_white_text(color: str) -> str:
    """``color`` darkened in small steps until white text on it reaches 4.5:1 (at most black)."""
    return _stepped_until_readable(color, (WHITE,), _darker)


def darken_for_light_backgrounds(color: str) -> str:
    """``color`` darkened in small steps until it reaches 4.5:1 on every light-scheme
    background (at most black)."""
    return _stepped_until_readable(color, LIGHT_BACKGROUNDS, _darker)


def lighten_for_dark_backgrounds(color: str) -> str:
    """``color`` mixed with white in small steps until it reaches 4.5:1 on every dark-scheme
    background (at most white)."""
    return _stepped_until_readable(color, DARK_BACKGROUNDS, _lighter)


def js_safe_json(value: Any) -> str:
    """JSON text that is also safe inside an HTML ``<script>`` and in any JavaScript source.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc. (so ``</script>`` and ``<!--`` cannot appear),
    U+2028 and U+2029 become escapes (old JavaScript engines end a line there). The result
    still parses with ``json.loads`` to the same value.
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError as exc:
        raise ValueError(
            f"the event data cannot be written as JSON ({exc}); a number is NaN or infinite — "
            "fix the coordinates or numbers in the export, or leave them empty"
        ) from exc
    return _JS_UNSAFE_RE.sub(lambda m: _JS_UNSAFE[m.group(0)], text)


def render_data_js(model: EventModel) -> str:
    """``data.js``: the model's JSON assigned to ``window.EVENT_DATA``."""
    return DATA_JS_PREFIX + js_safe_json(model.to_json()) + DATA_JS_SUFFIX


def parse_data_js(text: str) -> Any:
    """The JSON value back from a ``data.js`` text (tests and the verify step use it)."""
    if not text.startswith(DATA_JS_PREFIX) or not text.endswith(DATA_JS_SUFFIX):
        raise ValueError(f"not a data.js file: it must start with {DATA_JS_PREFIX!r}")
    return json.loads(text[len(DATA_JS_PREFIX) : -len(DATA_JS_SUFFIX)])


def app_title(model: EventModel) -> str:
    """The app's title: the configured app name, else the event's name, else a default."""
    return (model.config.app_name or model.event.name or "Event").strip() or "Event"


def app_live_source(model: EventModel, image_origins: Iterable[str] = ()) -> LiveSource | None:
    """The API the app refreshes from (its model's ``config.api_link``), or None."""
    return live_source(model.config.api_link, image_origins)


def live_meta(live: LiveSource | None) -> str:
    """The ``<meta>`` elements telling the scripts the API and image origins ('' without)."""
    if live is None:
        return ""
    return (f'<meta name="apkgen-api" content="{html.escape(live.api)}">\n'
            f'<meta name="apkgen-images" content="{html.escape(" ".join(live.image_origins))}">')


def render_index_html(model: EventModel, theme: Theme, image_origins: Iterable[str] = ()) -> str:
    """``index.html`` from the template: the title, theme color, network policy and API."""
    template = (ASSETS_DIR / "index.html").read_text(encoding="utf-8")
    live = app_live_source(model, image_origins)
    # The policy holds origins only (no quotes or markup): its own quotes stay as written.
    policy = html.escape(content_security_policy(live), quote=False).replace('"', "&quot;")
    return (template.replace(_CSP_MARK, policy)
            .replace(_LIVE_MARK, live_meta(live))
            .replace(_TITLE_MARK, html.escape(app_title(model)))
            .replace(_THEME_COLOR_MARK, theme.primary_color.lower()))


def render_script(name: str) -> str:
    """One script of the page: its source files joined in order (see :data:`SCRIPTS`)."""
    return "\n".join((ASSETS_DIR / part).read_text(encoding="utf-8") for part in SCRIPTS[name])


def render_css(theme: Theme) -> str:
    """``app.css``: the static stylesheet with the theme's custom properties filled in."""
    template = (ASSETS_DIR / "app.css").read_text(encoding="utf-8")
    variables = "".join(f"  {name}: {value};\n" for name, value in theme.css_variables().items())
    if _THEME_VARS_MARK not in template:
        raise RuntimeError(f"webapp_assets/app.css lost its {_THEME_VARS_MARK} placeholder")
    return template.replace(_THEME_VARS_MARK, variables.strip())


def write_webapp(model: EventModel, assets_dir: Path, theme: Theme = DEFAULT_THEME, *,
                 image_origins: Iterable[str] = ()) -> list[Path]:
    """Writes ``index.html``, ``app.css``, the scripts and ``data.js`` into ``assets_dir``.

    ``assets_dir`` is created if missing; images already in it are left alone (the model's
    image fields are paths relative to it). ``image_origins``: where the API's images live
    besides its own origin (``https://images.example.org``), for speakers added after the
    build; ignored without an API. Returns the paths written, in that order.
    """
    assets_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        "index.html": render_index_html(model, theme, image_origins),
        "app.css": render_css(theme),
        **{name: render_script(name) for name in STATIC_FILES},
        DATA_JS_NAME: render_data_js(model),
    }
    written = []
    for name, text in outputs.items():
        path = assets_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
