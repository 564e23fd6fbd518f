"""The per-event Android resources: the manifest, the label string and the launcher icons.

Pure text building (manifest, ``strings.xml`` with aapt's escaping) is kept apart from the one
thing that touches files, :func:`write_resources`. The label may hold any character an
organizer can type; it goes through two escapings: aapt's (quotes, backslashes, a leading ``@``
or ``?``, newlines, repeated spaces) and then XML's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from build_runner.generate.apk.dex import MAIN_ACTIVITY, SHELL_PACKAGE
from build_runner.generate.apk.identity import Identity

MIN_SDK = 21
TARGET_SDK = 33
# Launcher icon sizes in pixels per density bucket.
ICON_SIZES: dict[str, int] = {
    "mdpi": 48, "hdpi": 72, "xhdpi": 96, "xxhdpi": 144, "xxxhdpi": 192,
}
# Share of the icon's side the logo may fill (the rest is transparent margin).
LOGO_FILL = 0.92
# Fonts tried for the default icon's initials (Debian's fonts-dejavu-core).
ICON_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),)

MANIFEST_TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="{shell_package}"
    android:versionCode="{version_code}"
    android:versionName={version_name}>
    <uses-sdk android:minSdkVersion="{min_sdk}" android:targetSdkVersion="{target_sdk}"/>
    <uses-permission android:name="android.permission.INTERNET"/>
    <application
        android:label="@string/app_name"
        android:icon="@mipmap/ic_launcher"
        android:allowBackup="true"
        android:theme="@android:style/Theme.DeviceDefault.Light.NoActionBar">
        <activity
            android:name="{activity}"
            android:exported="true"
            android:configChanges="orientation|screenSize|keyboardHidden">
            <intent-filter>
                <action android:name="android.intent.action.MAIN"/>
                <category android:name="android.intent.category.LAUNCHER"/>
            </intent-filter>
        </activity>
    </application>
</manifest>
"""


def manifest_xml(identity: Identity) -> str:
    """The AndroidManifest.xml text. The package stays the shell's; aapt renames it."""
    return MANIFEST_TEMPLATE.format(
        shell_package=SHELL_PACKAGE,
        version_code=identity.version_code,
        version_name=quoteattr(identity.version_name),
        min_sdk=MIN_SDK,
        target_sdk=TARGET_SDK,
        activity=MAIN_ACTIVITY,
    )


def aapt_escape(text: str) -> str:
    """Escape ``text`` so aapt stores it unchanged as a string resource (before XML escaping).

    aapt treats ``'`` and ``"`` as quoting, ``\\`` as an escape, a leading ``@`` or ``?`` as a
    reference, and collapses runs of whitespace; all of these are escaped away. ``%`` needs no
    escape: :func:`strings_xml` marks the string ``formatted="false"``.
    """
    out: list[str] = []
    previous = ""
    for index, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "'\"":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "@?" and index == 0:
            out.append("\\" + ch)
        elif ch == " " and (index == 0 or previous in " \n\t" or index == len(text) - 1):
            out.append("\\u0020")
        else:
            out.append(ch)
        previous = ch
    return "".join(out)


def strings_xml(label: str) -> str:
    """``res/values/strings.xml`` with ``app_name`` set to ``label`` exactly.

    ``formatted="false"``: a label is never a format string, so aapt must not read ``50% off,
    20% discount`` or ``%s %d`` as substitutions (it refuses several non-positional ones).
    """
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<resources>\n'
        f'    <string name="app_name" formatted="false">{escape(aapt_escape(label))}</string>\n'
        '</resources>\n'
    )


def initials(label: str) -> str:
    """Up to two initials (the first letter or digit of each word), for the default icon.

    Empty when the label has no letter or digit at all (the icon is then a plain disc).
    """
    firsts = [next((ch for ch in word if ch.isalnum()), "")
              for word in label.replace("-", " ").split()]
    return "".join(ch for ch in firsts if ch)[:2].upper()


def icon_font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold font for the initials: DejaVu Sans Bold when installed, else Pillow's own."""
    for path in ICON_FONTS:
        if path.is_file():
            return ImageFont.truetype(str(path), size=round(size))
    return ImageFont.load_default(size=size)


def default_icon(label: str, color: tuple[int, int, int], size: int) -> Image.Image:
    """A round icon of ``color`` with the label's initials in black or white, whichever reads."""
    scale = 4  # drawn large, then downscaled: smooth edges without antialiasing support
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=(*color, 255))
    luminance = 0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2]
    ink = (0, 0, 0, 255) if luminance > 150 else (255, 255, 255, 255)
    text = initials(label)
    if text:
        font = icon_font(big * (0.42 if len(text) > 1 else 0.5))
        draw.text((big / 2, big / 2), text, fill=ink, font=font, anchor="mm")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo_icon(logo: Image.Image, size: int) -> Image.Image:
    """The logo fitted into a transparent square of ``size`` pixels, centered."""
    inner = max(1, round(size * LOGO_FILL))
    fitted = ImageOps.contain(logo, (inner, inner), Image.Resampling.LANCZOS)
    square = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    square.paste(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
    return square


def load_logo(path: Path) -> Image.Image:
    """The logo as RGBA, decoded at a reduced size when the format allows (fast for big JPEGs)."""
    largest = max(ICON_SIZES.values())
    with Image.open(path) as image:
        image.draft("RGB", (largest * 2, largest * 2))
        return image.convert("RGBA")


@dataclass(frozen=True)
class IconSource:
    """Where the launcher icon comes from: the event's logo, else initials on the color."""

    logo_path: Path | None
    label: str
    color: tuple[int, int, int]


def icon_images(source: IconSource) -> tuple[dict[str, Image.Image], str | None]:
    """One image per density, and a warning if the logo could not be used."""
    largest = max(ICON_SIZES.values())
    warning = None
    base: Image.Image | None = None
    if source.logo_path is not None:
        try:
            base = logo_icon(load_logo(source.logo_path), largest)
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            warning = (f"the logo {source.logo_path.name} could not be read ({exc}); "
                       "the app icon shows the event's initials instead")
    if base is None:
        base = default_icon(source.label, source.color, largest)
    images = {
        density: base if size == largest else base.resize((size, size), Image.Resampling.LANCZOS)
        for density, size in ICON_SIZES.items()
    }
    return images, warning


def write_resources(res_dir: Path, identity: Identity, icon: IconSource) -> tuple[Path, list[str]]:
    """Write ``res/`` and the manifest beside it; return the manifest path and any warnings."""
    values = res_dir / "values"
    values.mkdir(parents=True, exist_ok=True)
    (values / "strings.xml").write_text(strings_xml(identity.label), encoding="utf-8")
    images, warning = icon_images(icon)
    for density, image in images.items():
        folder = res_dir / f"mipmap-{density}"
        folder.mkdir(exist_ok=True)
        image.save(folder / "ic_launcher.png", optimize=False, compress_level=6)
    manifest = res_dir.parent / "AndroidManifest.xml"
    manifest.write_text(manifest_xml(identity), encoding="utf-8")
    return manifest, [warning] if warning else []
