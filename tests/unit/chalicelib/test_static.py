"""The web page's files are served by plain name only; traversal and hidden files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.errors import FileNotFound
from chalicelib.static import content_type, page_html, read_static, stage_prefix


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


def rest_event(full_path: str, path: str | None, resource: str,
               parameters: dict[str, str] | None = None) -> dict[str, object]:
    event: dict[str, object] = {
        "requestContext": {"path": full_path, "resourcePath": resource},
        "pathParameters": parameters,
    }
    if path is not None:
        event["path"] = path
    return event


@pytest.mark.parametrize(
    ("event", "prefix"),
    [
        # API Gateway's own domain: every path starts with the stage.
        (rest_event("/api/b/Zx8k", "/b/Zx8k", "/b/{build_id}", {"build_id": "Zx8k"}), "/api"),
        (rest_event("/api/", "/", "/"), "/api"),
        (rest_event("/prod/v1/", "/", "/"), "/prod/v1"),
        # A custom domain without a base path, and chalice local (no top-level path).
        (rest_event("/b/Zx8k", "/b/Zx8k", "/b/{build_id}", {"build_id": "Zx8k"}), ""),
        (rest_event("/b/Zx8k", None, "/b/{build_id}", {"build_id": "Zx8k"}), ""),
        (rest_event("/", None, "/"), ""),
        # Nothing that could break out of an attribute value.
        (rest_event('/a"><script>/b/Zx8k', "/b/Zx8k", "/b/{build_id}"), ""),
        ({}, ""),
    ],
)
def test_the_stage_prefix_is_what_api_gateway_put_before_the_route(
    event: dict[str, object], prefix: str
) -> None:
    assert stage_prefix(event) == prefix


def test_the_page_names_its_files_under_the_stage_prefix() -> None:
    html = page_html("/api").decode()
    assert 'src="/api/static/app.js"' in html and 'href="/api/static/app.css"' in html
    assert '="/static/' not in html
    assert page_html("") == read_static("index.html")[0]


def test_the_page_refuses_a_prefix_that_is_not_a_path() -> None:
    with pytest.raises(ValueError, match="not a path prefix"):
        page_html('/x"onload="alert(1)')
