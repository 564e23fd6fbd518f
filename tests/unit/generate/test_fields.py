"""Text fields as real exports write them: entities encoded once, twice, or in HTML."""

from __future__ import annotations

from build_runner.generate.fields import has_markup, lookup, plain, rich


def test_plain_text_decodes_entities_however_often_they_were_encoded() -> None:
    assert plain("Python &amp; Django") == "Python & Django"
    assert plain("Python &amp;amp; Django") == "Python & Django"
    assert plain("caf&eacute; &#8211; &#x263A;") == "café – ☺"
    assert plain("  no entities  ") == "no entities"


def test_decoded_markup_stays_text_for_the_app_to_escape() -> None:
    assert plain("&lt;script&gt;alert(1)&lt;/script&gt;") == "<script>alert(1)</script>"


def test_rich_text_without_tags_is_decoded_like_plain_text() -> None:
    assert rich("Trey is a Python &amp; Django mentor") == "Trey is a Python & Django mentor"


def test_html_keeps_one_level_of_entities_for_the_sanitizer() -> None:
    assert rich("<p>Q&amp;amp;A &amp;lt;3</p>") == "<p>Q&amp;A &lt;3</p>"
    assert rich("<p>Q&amp;A</p>") == "<p>Q&amp;A</p>"
    assert has_markup("<p>x</p>") and not has_markup("a < b and c > d")


def test_owner_name_is_the_organizer_as_the_eventyay_api_spells_it() -> None:
    assert lookup({"owner-name": "FOSSASIA"}, "organizer_name") == ("owner-name", "FOSSASIA")
