"""Where the web app may connect (webapp_live) and what write_webapp adds for it: the page's
policy, the API's meta tags, the scripts made of their source files, the dark-scheme colors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from build_runner.generate.model import AppConfig, Event, EventModel
from build_runner.generate.webapp import (
    ASSETS_DIR,
    DARK_BACKGROUNDS,
    LIGHT_BACKGROUNDS,
    SCRIPTS,
    SOURCE_FILES,
    Theme,
    contrast_ratio,
    render_index_html,
    write_webapp,
)
from build_runner.generate.webapp_live import (
    LiveSource,
    content_security_policy,
    live_source,
    origin_of,
)


def model(api_link: str = "") -> EventModel:
    return EventModel(event=Event("1", "Fest", "2026-05-01T09:00:00+02:00",
                                  "2026-05-01T18:00:00+02:00"),
                      config=AppConfig(api_link=api_link))


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://api.eventyay.com/v1/events/b8324ae2", "https://api.eventyay.com"),
        ("HTTPS://API.Example.org:443/x", "https://api.example.org"),
        ("http://127.0.0.1:8080/v1/events/7/", "http://127.0.0.1:8080"),
        ("http://[::1]:5000/v1", "http://[::1]:5000"),
        ("https://api.example.org:8443", "https://api.example.org:8443"),
    ],
)
def test_the_origin_of_an_http_url_is_its_scheme_host_and_port(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    ["", "javascript:alert(1)", "file:///etc/passwd", "ftp://x.example", "https://",
     "https://user:pw@api.example.org/", "https://api.example.org:99999/",
     "https://a b.example/", "https://x.example/'; script-src *", "https://-bad-.example/",
     "https://x.example/\"><script>", "//api.example.org/v1", "https://x.example,y.example/"],
)
def test_anything_else_has_no_origin(url: str) -> None:
    assert origin_of(url) is None


def test_the_live_source_is_the_api_without_query_or_trailing_slash() -> None:
    found = live_source("https://api.eventyay.com/v1/events/abc/?x=1#y",
                        ["https://images.example.org/path", "data:x", "https://api.eventyay.com"])
    assert found == LiveSource(api="https://api.eventyay.com/v1/events/abc",
                               origin="https://api.eventyay.com",
                               image_origins=("https://api.eventyay.com",
                                              "https://images.example.org"))
    assert live_source("") is None
    assert live_source("null") is None


def test_without_an_api_the_policy_allows_no_connection_at_all() -> None:
    policy = content_security_policy(None)
    assert policy == ("default-src 'none'; script-src 'self'; style-src 'self'; "
                      "img-src 'self' data:; base-uri 'none'; form-action 'none'")
    assert "connect-src" not in policy


def test_with_an_api_the_policy_allows_its_origin_only() -> None:
    policy = content_security_policy(live_source("https://api.example.org/v1/events/7",
                                                 ["https://img.example.org"]))
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == "https://api.example.org"
    assert directives["img-src"] == "'self' data: https://api.example.org https://img.example.org"
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'none'"


def test_index_html_carries_the_policy_and_the_api_only_when_there_is_one() -> None:
    page = render_index_html(model("https://api.example.org/v1/events/7"), Theme(),
                             ["https://img.example.org"])
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None and "connect-src https://api.example.org;" in policy.group(1)
    assert '<meta name="apkgen-api" content="https://api.example.org/v1/events/7">' in page
    assert ('<meta name="apkgen-images" content="https://api.example.org '
            'https://img.example.org">') in page
    offline = render_index_html(model(), Theme())
    assert "apkgen-api" not in offline and "connect-src" not in offline
    assert "{{" not in page and "{{" not in offline


def test_each_script_is_its_source_files_in_order(tmp_path: Path) -> None:
    write_webapp(model(), tmp_path)
    for name, parts in SCRIPTS.items():
        expected = "\n".join((ASSETS_DIR / p).read_text(encoding="utf-8") for p in parts)
        assert (tmp_path / name).read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("source", SOURCE_FILES)
def test_no_script_source_uses_innerhtml_eval_or_document_write(source: str) -> None:
    code = re.sub(r"/\*.*?\*/", "", (ASSETS_DIR / source).read_text(encoding="utf-8"), flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function"):
        assert sink not in code, f"{source} uses {sink}"


@pytest.mark.parametrize("color", ["#1e88e5", "#ffeb3b", "#000000", "#212121", "#ff7043",
                                   "#00e5ff", "#ffffff", "#6a1b9a"])
def test_links_and_stars_reach_aa_on_every_background_of_both_schemes(color: str) -> None:
    variables = Theme(primary_color=color, accent_color=color).css_variables()
    for name in ("--link-text", "--accent-text"):
        assert all(contrast_ratio(variables[name], bg) >= 4.5 for bg in LIGHT_BACKGROUNDS), name
    for name in ("--primary-text-dark", "--accent-text-dark"):
        assert all(contrast_ratio(variables[name], bg) >= 4.5 for bg in DARK_BACKGROUNDS), name
