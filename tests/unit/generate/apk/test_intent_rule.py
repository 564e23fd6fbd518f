"""The shell's allow-list, stated in Python: each URL of the table decided as the table says, and
``intent:`` URLs read as Android's ``Intent.parseUri`` reads them."""

from __future__ import annotations

import pytest

from build_runner.generate.apk.intent_rule import (
    INSERT,
    INTENTS,
    SEND,
    VIEW_SCHEMES,
    Decision,
    Launch,
    Refuse,
    decide,
    parse_intent_uri,
)
from tests.shell_intents import CASES


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[url[:70] for url, _ in CASES])
def test_each_url_of_the_table_is_decided_as_the_table_says(url: str, expected: Decision) -> None:
    decided = decide(url)
    if isinstance(expected, Refuse):
        assert isinstance(decided, Refuse), decided
        assert decided.reason.startswith(expected.reason), decided.reason
    else:
        assert decided == expected


def test_a_missing_url_is_refused() -> None:
    assert decide(None) == Refuse("no URL")


def test_the_allow_list_is_the_calendar_the_share_and_view_of_four_schemes() -> None:
    assert [(a.action, a.type) for a in INTENTS] == [
        (INSERT, "vnd.android.cursor.dir/event"), (SEND, "text/plain")]
    assert VIEW_SCHEMES == ("geo", "http", "https", "mailto")


def test_every_allowed_intent_of_the_table_is_a_fresh_one_without_target_or_flags() -> None:
    launched = [d for _, d in CASES if isinstance(d, Launch)]
    assert {d.action for d in launched} == {INSERT, SEND, "android.intent.action.VIEW"}
    for decision in launched:
        allowed = {a.action: a for a in INTENTS}.get(decision.action)
        if allowed is None:  # a VIEW of a plain URL, for the apps that call themselves browsable
            assert decision.categories == ("android.intent.category.BROWSABLE",)
            assert decision.data and decision.data.split(":")[0] in VIEW_SCHEMES
        else:
            assert decision.data is None and decision.categories == ()
            assert {k for k, _ in decision.extras} <= set(allowed.strings + allowed.longs)


def test_reads_an_intent_uri_as_android_parse_uri_does() -> None:
    parsed = parse_intent_uri(
        "intent://host/path?x=1#Intent;scheme=https;package=com.x;category=a.b;"
        "launchFlags=0x10000000;S.s=caf%C3%A9;l.n=-5;i.i=7;B.b=TRUE;d.d=1.5f;c.c=xy;"
        "s.short=300;S.odd%3Bname=v;end")
    assert (parsed.action, parsed.data, parsed.package) == (
        "android.intent.action.VIEW", "https://host/path?x=1", "com.x")
    assert (parsed.categories, parsed.flags, parsed.selector) == (["a.b"], 0x10000000, False)
    assert parsed.extras == {"s": ("S", "café"), "n": ("l", -5), "i": ("i", 7), "b": ("B", True),
                             "d": ("d", 1.5), "c": ("c", "x"), "short": ("s", 300),
                             "odd;name": ("S", "v")}


def test_a_selector_is_kept_only_when_the_intent_names_no_package() -> None:
    sel = "intent:#Intent;action=android.intent.action.SEND;SEL;action=x.Y;S.k=v;end"
    parsed = parse_intent_uri(sel)
    assert parsed.selector and parsed.action == SEND and parsed.extras == {}
    assert not parse_intent_uri(sel.replace(";SEL", ";package=p;SEL")).selector


@pytest.mark.parametrize(("flags", "value"), [("0x10", 16), ("%2310", 16), ("010", 8), ("10", 10),
                                              ("-0x80000000", -(2 ** 31)), ("0", 0)])
def test_launch_flags_are_read_as_javas_integer_decode(flags: str, value: int) -> None:
    # (A raw "#" would end the #Intent part: Android looks for the last one; %23 is "#".)
    assert parse_intent_uri(f"intent:#Intent;launchFlags={flags};end").flags == value


@pytest.mark.parametrize("item", ["launchFlags=0x80000000", "launchFlags=08", "launchFlags=0x-1",
                                  "l.n=9223372036854775808", "b.n=128", "i.n=1.0", "l.n=",
                                  "d.n=1e", "c.n=", "Q.n=1", "S.=v;x", "noequals"])
def test_what_android_cannot_read_is_an_error(item: str) -> None:
    with pytest.raises(ValueError):
        parse_intent_uri(f"intent:#Intent;{item};end")


def test_a_long_that_is_long_min_value_stands_for_none_as_in_the_smali() -> None:
    url = ("intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/event;"
           "l.beginTime=-9223372036854775808;l.endTime=-9223372036854775807;end")
    assert decide(url) == Launch(INSERT, type="vnd.android.cursor.dir/event",
                                 extras=(("endTime", -(2 ** 63) + 1),))
