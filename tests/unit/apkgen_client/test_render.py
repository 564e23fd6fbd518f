"""How the terminal client shows lines, problems and status (apkgen_client.render)."""

from __future__ import annotations

import json

from apkgen_client.render import (
    LogPrinter,
    clean,
    format_bytes,
    format_duration,
    format_failure,
    format_line,
    format_status,
    progress_bar,
)


def test_shows_seq_level_marker_and_text() -> None:
    assert format_line({"seq": 7, "level": "warning", "text": "tiny logo"}) == (
        "    7 WARN  tiny logo")
    assert format_line({"seq": 12, "level": "info", "text": "ok"}) == "   12 ok"


def test_colors_errors_only_when_asked() -> None:
    line = {"seq": 1, "level": "error", "text": "bad"}
    assert "\033[" not in format_line(line)
    assert format_line(line, color=True).startswith("\033[31;1m")


def test_shows_utc_time_of_day_when_timestamps_are_on() -> None:
    line = {"seq": 1, "level": "info", "text": "x", "ts": 3600 * 5 + 62.5}
    assert format_line(line, timestamps=True) == "    1 05:01:02 x"


def test_replaces_control_characters_so_a_line_cannot_drive_the_terminal() -> None:
    assert clean("a\033[2Jb\rc") == "a�[2Jb�c"


def test_neutralises_c1_controls_line_separators_and_bidi_overrides() -> None:
    assert clean("a\x85b\x9b2Jc\u2028d") == "a�b�2Jc�d"
    assert clean("file \u202egnp.exe \u2066x\u2069 \u200f") == "file �gnp.exe �x� �"
    assert clean("Zürich 東京 مرحبا\t🎉") == "Zürich 東京 مرحبا\t🎉"


def test_prints_a_header_each_time_the_step_changes() -> None:
    printer = LogPrinter()
    out = printer.render([
        {"seq": 1, "step": "extract", "level": "info", "text": "a"},
        {"seq": 2, "step": "extract", "level": "info", "text": "b"},
        {"seq": 3, "step": "validate", "level": "info", "text": "c"},
    ])
    assert [o for o in out if o.startswith("──")] == [
        "── extract " + "─" * 33, "── validate " + "─" * 32]
    assert len(out) == 5
    assert printer.render([{"seq": 4, "step": "validate", "text": "d"}]) == ["    4 d"]


def test_failure_summary_lists_each_problem_with_its_json_path_from_a_json_report() -> None:
    report = {"errors": [{"file": "sessions", "path": "sessions[3].starts-at",
                          "value": "2017-13-45", "message": "is not a date",
                          "text": 'sessions[3].starts-at: "2017-13-45" is not a date'}],
              "error_count": 4}
    out = format_failure({"status": "failed", "error": "1 error in the event data",
                          "problems": json.dumps(report)})
    assert out[0] == "Build failed: 1 error in the event data"
    assert out[1] == '  ✗ sessions[3].starts-at: "2017-13-45" is not a date'
    assert out[2] == "  … and 3 more errors"


def test_failure_summary_builds_the_text_when_a_problem_has_none() -> None:
    out = format_failure({"status": "failed", "error": "bad", "problems": {"errors": [
        {"path": "speakers[0].name", "value": None, "message": "is missing", "hint": "add it"}]}})
    assert out[1] == "  ✗ speakers[0].name: is missing (add it)"


def test_status_shows_the_artifact_of_a_succeeded_build() -> None:
    out = format_status({"build_id": "abc", "status": "succeeded", "step": "done",
                         "started_at": 100.0, "finished_at": 142.0,
                         "artifact": {"label": "Spark", "package": "org.spark", "size": 2048,
                                      "version_name": "1.0", "sha256": "ff",
                                      "download_url": "http://x/y.apk",
                                      "preview_url": "http://x/builds/abc/preview/index.html"}})
    assert "elapsed   42.0s" in out
    assert "size      2.0 KB" in out
    assert "download  http://x/y.apk" in out
    assert "preview   http://x/builds/abc/preview/index.html" in out


def test_status_ticks_elapsed_time_of_a_running_build_from_the_given_clock() -> None:
    out = format_status({"build_id": "a", "status": "running", "started_at": 10.0}, now=200.0)
    assert "elapsed   3m10s" in out


def test_formats_sizes_durations_and_progress() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 1024 * 1024) == "3.0 MB"
    assert format_duration(59.94) == "59.9s"
    assert format_duration(61) == "1m01s"
    assert progress_bar(1, 4, width=8) == "upload [##......]  25%  1 B / 4 B"
    assert progress_bar(0, 0, width=4).startswith("upload [####] 100%")
