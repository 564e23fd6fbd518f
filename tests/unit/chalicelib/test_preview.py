"""The preview's pure parts: which paths are the web app's, the app's own policy as a header,
one APK's files read out of its zip, and the per-container cache bounded in bytes."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

import pytest

from chalicelib.errors import FileNotFound
from chalicelib.preview import (
    DEFAULT_CSP,
    MAX_FILE_BYTES,
    AppCache,
    AppFiles,
    NoPreview,
    app_csp,
    asset_name,
)

APP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "base-uri 'none'; form-action 'none'")
INDEX = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv='
         f'"Content-Security-Policy" content="{APP_CSP}"><title>Conf</title></head>'
         '<body><script src="app.js"></script></body></html>').encode()


def apk(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


SHAPED = {"AndroidManifest.xml": b"\x03\x00manifest", "classes.dex": b"dex\n035",
          "resources.arsc": b"arsc", "assets/index.html": INDEX,
          "assets/app.js": "console.log('café');".encode(),
          "assets/images/speakers/12.jpg": b"\xff\xd8\xff\xe0jpeg", "assets/images/": b""}


@pytest.mark.parametrize(("parts", "name"), [
    (["index.html"], "assets/index.html"),
    (["app.js"], "assets/app.js"),
    (["images", "logo.png"], "assets/images/logo.png"),
    (["images", "speakers", "12.jpg"], "assets/images/speakers/12.jpg"),
    (["images", "sponsors", "A_b-c.JPEG"], "assets/images/sponsors/A_b-c.JPEG"),
])
def test_names_the_zip_entry_of_a_web_asset(parts: list[str], name: str) -> None:
    assert asset_name(parts) == name


@pytest.mark.parametrize("parts", [
    [], [""], [".."], ["..", "AndroidManifest.xml"], ["images", "..", "index.html"],
    ["a..js"], [".hidden.js"], ["%2e%2e", "x.js"], ["..%2Fclasses.dex"], ["images\\x.png"],
    ["classes.dex"], ["AndroidManifest.xml"], ["resources.arsc"], ["index"], ["x.php"],
    ["a", "b", "c", "d.png"], ["x" * 101 + ".js"], ["images", "", "x.png"], ["/etc/passwd.txt"],
])
def test_refuses_anything_that_is_not_a_file_of_the_web_app(parts: list[str]) -> None:
    with pytest.raises(FileNotFound, match="in the app's web assets"):
        asset_name(parts)


def test_the_header_is_the_policy_the_apps_page_declares_and_a_sandbox() -> None:
    assert app_csp(INDEX) == APP_CSP + "; sandbox allow-scripts"


def test_the_policy_is_read_whatever_the_attributes_order_and_case() -> None:
    page = b"<META CONTENT=\"default-src 'self';\" HTTP-EQUIV=content-security-policy>"
    assert app_csp(page) == "default-src 'self'; sandbox allow-scripts"


@pytest.mark.parametrize("page", [None, b"<html><head></head></html>",
                                  b'<meta http-equiv="Content-Security-Policy" content="">',
                                  b'<meta http-equiv="Content-Security-Policy" '
                                  b'content="default-src *&#10;X-Evil: 1">'])
def test_a_missing_or_unsafe_policy_becomes_the_strict_default(page: bytes | None) -> None:
    assert app_csp(page) == DEFAULT_CSP + "; sandbox allow-scripts"


def test_reads_a_file_with_its_type_and_headers_out_of_the_apk() -> None:
    app = AppFiles(apk(SHAPED))
    index = app.file("assets/index.html")
    assert index.body == INDEX.decode()
    assert index.headers == {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": APP_CSP + "; sandbox allow-scripts",
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    assert app.file("assets/app.js").body == "console.log('café');"
    photo = app.file("assets/images/speakers/12.jpg")
    assert photo.body == b"\xff\xd8\xff\xe0jpeg" and photo.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("name", ["assets/missing.js", "assets/images/", "assets/classes.dex"])
def test_a_file_the_web_assets_do_not_hold_is_not_found(name: str) -> None:
    with pytest.raises(FileNotFound):
        AppFiles(apk(SHAPED)).file(name)


def test_a_file_too_big_for_a_lambda_answer_is_refused() -> None:
    app = AppFiles(apk({**SHAPED, "assets/data.js": b" " * (MAX_FILE_BYTES + 1)}))
    with pytest.raises(NoPreview, match="bigger than"):
        app.file("assets/data.js")


def test_an_apk_that_is_not_a_zip_cannot_be_previewed() -> None:
    with pytest.raises(NoPreview, match="not a readable zip"):
        AppFiles(b"PK not really")


def test_an_apk_without_a_page_gets_the_default_policy() -> None:
    app = AppFiles(apk({"assets/app.js": b"1"}))
    assert app.csp == DEFAULT_CSP + "; sandbox allow-scripts"


def test_the_cache_loads_an_app_once_and_drops_the_least_recently_used_beyond_its_bound() -> None:
    loads: list[str] = []
    noise = random.Random(0).randbytes(4000)  # does not compress: every app is as big

    def load(name: str) -> Callable[[], AppFiles]:
        def make() -> AppFiles:
            loads.append(name)
            return AppFiles(apk({"assets/pad.bin": noise, "assets/n.txt": name.encode()}))
        return make

    cache = AppCache(max_bytes=3 * load("size")().size)
    loads.clear()
    a = cache.get(("a",), load("a"))
    assert cache.get(("a",), load("a")) is a
    cache.get(("b",), load("b"))
    cache.get(("a",), load("a"))  # a is now more recent than b
    cache.get(("c",), load("c"))
    cache.get(("d",), load("d"))  # four apps: one goes
    assert loads == ["a", "b", "c", "d"]
    assert ("b",) not in cache and all((k,) in cache for k in "acd")
    assert cache.held_bytes <= cache.max_bytes


def test_the_cache_keeps_one_app_even_bigger_than_its_bound() -> None:
    cache = AppCache(max_bytes=10)
    app = cache.get(("big",), lambda: AppFiles(apk({"assets/x.txt": b"x" * 100})))
    assert ("big",) in cache and cache.held_bytes == app.size
