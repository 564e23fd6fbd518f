"""The organizer reads no runner path, tool location or internal address."""

from __future__ import annotations

from build_runner.redact import Redactor

REDACT = Redactor.of({"/tmp/apkgen-work": "<work>", "/root/.cache/apkgen": "<cache>"},
                     ["http://127.0.0.1:5000", "http://127.0.0.1:8002/local", None])


def test_the_runners_folders_become_labels() -> None:
    assert REDACT("APK written: /tmp/apkgen-work/b1/app.apk (5 bytes)") == (
        "APK written: <work>/b1/app.apk (5 bytes)")
    assert REDACT("Built apk into: /root/.cache/apkgen/shell-1/shell.apk") == (
        "Built apk into: <cache>/shell-1/shell.apk")


def test_a_tools_path_inside_a_builds_scratch_folder_reads_as_the_tool_meant_it() -> None:
    assert REDACT("/tmp/apkgen-work/b1/build-x1y2/app/res/values/strings.xml:3: error: bad") == (
        "app/res/values/strings.xml:3: error: bad")


def test_any_other_absolute_path_keeps_only_its_last_part() -> None:
    assert REDACT("/usr/lib/jvm/java-17/bin/java -jar /opt/apksig.jar failed") == (
        "…/java -jar …/apksig.jar failed")


def test_internal_endpoints_are_hidden_but_public_urls_and_fractions_stay() -> None:
    assert REDACT('Could not connect to the endpoint URL: "http://127.0.0.1:5000/"') == (
        'Could not connect to the endpoint URL: "<internal>/"')
    assert REDACT("see https://example.org/tmp/x, 3/4 of a/b") == (
        "see https://example.org/tmp/x, 3/4 of a/b")


def test_reports_are_redacted_all_the_way_down() -> None:
    report = {"summary": "aapt failed", "output": ["/tmp/apkgen-work/x/build-1/res/a.xml: e"],
              "count": 1}
    assert REDACT.value(report) == {"summary": "aapt failed", "output": ["res/a.xml: e"],
                                    "count": 1}
