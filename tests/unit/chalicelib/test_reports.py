"""The problems summary a build item keeps is bounded, whatever the report."""

from __future__ import annotations

import json

from chalicelib import reports

DATA_URI = "data:image/jpeg;base64," + "A" * 8000


def photo_warning(index: int) -> dict[str, object]:
    return {"severity": "warning", "file": "speakers", "path": f"speakers[{index}].photo",
            "message": "is neither a path inside the upload nor an http(s) address",
            "value": DATA_URI, "hint": "", "text": f"speakers[{index}].photo: {DATA_URI} is …"}


def test_keeps_a_small_report_as_it_is() -> None:
    report = {"summary": "built", "errors": [], "warnings": [{"text": "no logo"}],
              "error_count": 0, "warning_count": 1}
    assert reports.summarize(report) == report


def test_cuts_every_quoted_data_uri_and_keeps_the_counts_of_the_whole_report() -> None:
    report = {"errors": [], "warnings": [photo_warning(i) for i in range(60)],
              "error_count": 0, "warning_count": 60}
    assert reports.encoded_size(report) > 400 * 1024
    summary = reports.summarize(report)
    assert summary is not None
    assert reports.encoded_size(summary) <= reports.MAX_SUMMARY_BYTES
    assert (summary["error_count"], summary["warning_count"], summary["complete"]) == (0, 60, False)
    first = summary["warnings"][0]
    assert first["path"] == "speakers[0].photo"
    assert len(first["value"]) == reports.MAX_VALUE_CHARS and first["value"].endswith("…")
    assert len(summary["warnings"]) <= reports.MAX_LISTED


def test_stays_within_its_byte_budget_for_a_report_of_any_size() -> None:
    long = "é" * 100_000
    report = {"summary": long, "output": long, "tool": "aapt", "extra": long,
              "errors": [{"message": long, "hint": long, "value": {"deep": [long]}}] * 5000,
              "warnings": [long] * 5000, "error_count": 5000, "warning_count": 5000}
    summary = reports.summarize(report)
    assert summary is not None
    assert reports.encoded_size(summary) <= reports.MAX_SUMMARY_BYTES
    assert (summary["error_count"], summary["warning_count"]) == (5000, 5000)
    assert summary["tool"] == "aapt" and "extra" not in summary
    assert summary["output"].startswith("…") and len(summary["output"]) == reports.MAX_OUTPUT_CHARS


def test_counts_the_listed_problems_when_the_report_has_no_counts() -> None:
    summary = reports.summarize({"errors": [{"text": "a"}, {"text": "b"}]})
    assert summary is not None
    assert (summary["error_count"], summary["warning_count"]) == (2, 0)


def test_reads_a_report_given_as_json_text_and_keeps_other_text_short() -> None:
    assert reports.summarize(json.dumps({"errors": []})) == {
        "error_count": 0, "warning_count": 0, "errors": [], "warnings": []}
    assert reports.summarize("x" * 9000) == {"text": "x" * 499 + "…", "complete": False}
    assert reports.summarize(None) is None
