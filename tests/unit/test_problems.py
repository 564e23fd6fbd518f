"""Problems say where (file, JSON path, value), what and how to fix; the list is capped."""

from __future__ import annotations

from build_runner.generate.problems import Problem, Problems


def test_problem_text_names_path_value_message_and_hint() -> None:
    problem = Problem(
        "error", "sessions", "sessions[12].starts-at", "is not an ISO 8601 date-time",
        "2017-13-40T10:00", "expected e.g. 2017-06-15T10:00:00+08:00",
    )
    assert str(problem) == (
        'sessions[12].starts-at: "2017-13-40T10:00" is not an ISO 8601 date-time '
        "(expected e.g. 2017-06-15T10:00:00+08:00)"
    )


def test_problem_without_value_says_only_what_is_missing() -> None:
    problem = Problem("error", "event", "event.name", "is missing", has_value=False)
    assert str(problem) == "event.name: is missing"


def test_long_values_are_shortened_in_the_text() -> None:
    problem = Problem("warning", "speakers", "speakers[0].photo", "not in the zip", "x" * 500)
    assert len(str(problem)) < 120
    assert "…" in str(problem)


def test_problems_keeps_the_first_ones_and_counts_the_rest() -> None:
    problems = Problems(limit=2)
    for i in range(5):
        problems.error("sessions", f"sessions[{i}].title", "is missing", has_value=False)
    problems.warning("speakers", "speakers[0].photo", "not in the zip", "/images/a.jpg")
    report = problems.report()
    assert [p["path"] for p in report["errors"]] == ["sessions[0].title", "sessions[1].title"]
    assert report["error_count"] == 5
    assert report["warning_count"] == 1
    assert report["warnings"][0]["text"] == 'speakers[0].photo: "/images/a.jpg" not in the zip'
