"""write_webapp and its pure parts: the safe data.js encoding, the theme, the templates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from build_runner.generate.model import AppConfig, Event, EventModel, Session, Speaker, Track
from build_runner.generate.webapp import (
    ASSETS_DIR,
    DATA_JS_PREFIX,
    STATIC_FILES,
    Theme,
    contrast_ratio,
    js_safe_json,
    parse_data_js,
    render_css,
    render_data_js,
    render_index_html,
    text_color_on,
    write_webapp,
)

HOSTILE = "</script><script>alert(1)</script><!-- \u2028\u2029 & <b>"


def model(**event_fields: object) -> EventModel:
    fields: dict[str, object] = {
        "id": "42",
        "name": "PyCon Test",
        "starts_at": "2026-05-01T09:00:00+02:00",
        "ends_at": "2026-05-02T18:00:00+02:00",
        "timezone": "Europe/Berlin",
    }
    fields.update(event_fields)
    return EventModel(
        event=Event(**fields),  # type: ignore[arg-type]
        tracks=(Track("t1", "Core", "#123456"),),
        speakers=(Speaker("s1", HOSTILE, photo="images/speakers/s1.jpg"),),
        sessions=(
            Session(
                "1",
                HOSTILE,
                "2026-05-01T09:00:00+02:00",
                "2026-05-01T09:30:00+02:00",
                long_abstract=HOSTILE,
                track_id="t1",
                speaker_ids=("s1",),
            ),
        ),
    )


def test_writes_the_app_files_and_returns_their_paths(tmp_path: Path) -> None:
    written = write_webapp(model(), tmp_path / "assets")
    names = [p.name for p in written]
    assert names == ["index.html", "app.css", "safe.js", "model.js", "app.js", "data.js"]
    for path in written:
        assert path.parent == tmp_path / "assets"
        assert path.stat().st_size > 0


def test_leaves_images_placed_by_the_loader_alone(tmp_path: Path) -> None:
    photo = tmp_path / "images" / "speakers" / "s1.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8jpeg")
    write_webapp(model(), tmp_path)
    assert photo.read_bytes() == b"\xff\xd8jpeg"


def test_data_js_parses_back_to_the_models_json(tmp_path: Path) -> None:
    event_model = model()
    write_webapp(event_model, tmp_path)
    text = (tmp_path / "data.js").read_text(encoding="utf-8")
    expected = json.loads(json.dumps(event_model.to_json()))  # tuples as JSON lists
    assert text.startswith(DATA_JS_PREFIX)
    assert json.loads(text[len(DATA_JS_PREFIX) :].rstrip().rstrip(";")) == expected
    assert parse_data_js(text) == expected


def test_data_js_escapes_everything_that_could_break_out_of_a_script(tmp_path: Path) -> None:
    text = render_data_js(model(description=HOSTILE))
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text, f"{forbidden!r} reached data.js unescaped"
    assert "\\u003c/script\\u003e" in text
    assert "\\u2028" in text and "\\u2029" in text
    assert parse_data_js(text)["event"]["description"] == HOSTILE


def test_js_safe_json_keeps_non_ascii_text_readable() -> None:
    assert js_safe_json({"name": "Café – 東京"}) == '{"name":"Café – 東京"}'


def test_js_safe_json_explains_nan_coordinates() -> None:
    with pytest.raises(ValueError, match="NaN or infinite"):
        js_safe_json({"latitude": float("nan")})


def test_parse_data_js_rejects_other_files() -> None:
    with pytest.raises(ValueError, match=r"not a data\.js file"):
        parse_data_js("var x = 1;\n")


@pytest.mark.parametrize("bad", ["red", "#fff", "#12345g", "1e88e5", "#1e88e5 ", "", "#1e88e5ff"])
def test_rejects_theme_colors_that_are_not_rrggbb(bad: str) -> None:
    with pytest.raises(ValueError, match=r"primary_color must be a color written as #rrggbb"):
        Theme(primary_color=bad)
    with pytest.raises(ValueError, match=r"accent_color .*got"):
        Theme(accent_color=bad)


def test_rejects_a_theme_color_that_is_not_a_string() -> None:
    with pytest.raises(ValueError, match="primary_color"):
        Theme(primary_color=None)  # type: ignore[arg-type]


def test_theme_colors_become_css_custom_properties() -> None:
    css = render_css(Theme(primary_color="#6A1B9A", accent_color="#FFCA28"))
    assert "--primary: #6a1b9a;" in css
    assert "--accent: #ffca28;" in css
    assert "--on-primary: #ffffff;" in css
    assert "--on-accent: #121212;" in css
    assert "{{" not in css


def test_a_mid_tone_primary_is_darkened_just_enough_for_white_text() -> None:
    variables = Theme(primary_color="#1e88e5").css_variables()
    assert variables["--on-primary"] == "#ffffff"
    assert 4.5 <= contrast_ratio(variables["--primary"], "#ffffff") < 5.5
    assert variables["--primary-text"] == variables["--primary"]


def test_a_light_primary_keeps_its_color_and_gets_dark_text() -> None:
    variables = Theme(primary_color="#ffeb3b").css_variables()
    assert variables["--primary"] == "#ffeb3b"
    assert variables["--on-primary"] == "#121212"
    assert contrast_ratio(variables["--primary-text"], "#ffffff") >= 4.5


@pytest.mark.parametrize("background", ["#1e88e5", "#ff7043", "#ffeb3b", "#000000", "#777777"])
def test_text_on_theme_colors_reaches_aa_or_is_the_better_choice(background: str) -> None:
    chosen = text_color_on(background)
    other = "#121212" if chosen == "#ffffff" else "#ffffff"
    assert contrast_ratio(background, chosen) >= min(4.5, contrast_ratio(background, other))


def test_index_html_escapes_the_title_and_loads_scripts_as_files() -> None:
    page = render_index_html(model(name="<b>Fest</b> & Co"), Theme())
    assert "<title>&lt;b&gt;Fest&lt;/b&gt; &amp; Co</title>" in page
    assert "{{" not in page
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    assert scripts == ["", "", "", ""], "inline scripts would be blocked by the CSP"
    order = [
        page.index(f'<script src="{name}"></script>')
        for name in ("data.js", "safe.js", "model.js", "app.js")
    ]
    assert order == sorted(order)


def test_index_html_has_the_csp_and_viewport() -> None:
    page = render_index_html(model(), Theme())
    assert ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:") in page
    assert 'name="viewport" content="width=device-width, initial-scale=1' in page


def test_app_name_from_config_wins_over_event_name() -> None:
    event_model = EventModel(event=model().event, config=AppConfig(app_name="My App"))
    assert "<title>My App</title>" in render_index_html(event_model, Theme())


@pytest.mark.parametrize("script", STATIC_FILES)
def test_scripts_never_use_innerhtml_or_eval(script: str) -> None:
    source = (ASSETS_DIR / script).read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ):
        assert sink not in code, f"{script} uses {sink}"
