"""The web page's files are served by plain name only; traversal and hidden files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.errors import FileNotFound
from chalicelib.static import content_type, read_static


@pytest.fixture
def web(tmp_path: Path) -> Path:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("<h1>apkgen</h1>")
    (tmp_path / "web" / "app.js").write_text("console.log(1)")
    (tmp_path / "web" / ".secret.js").write_text("no")
    (tmp_path / "web" / "sub").mkdir()
    (tmp_path / "settings.js").write_text("outside")
    return tmp_path / "web"


def test_serves_a_file_with_its_content_type(web: Path) -> None:
    assert read_static("index.html", web) == (b"<h1>apkgen</h1>", "text/html; charset=utf-8")
    assert read_static("app.js", web)[1] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize(
    "name", ["../settings.js", "..%2Fsettings.js", "/etc/passwd", ".secret.js", "sub",
             "missing.js", "index.html/", "app.exe", "", "a" * 200 + ".js"]
)
def test_refuses_anything_but_a_plain_file_in_the_web_directory(web: Path, name: str) -> None:
    with pytest.raises(FileNotFound, match="no file"):
        read_static(name, web)


def test_knows_the_content_types_the_page_needs() -> None:
    assert content_type("style.css") == "text/css; charset=utf-8"
    assert content_type("logo.svg") == "image/svg+xml"
    assert content_type("x.bin") == "application/octet-stream"
