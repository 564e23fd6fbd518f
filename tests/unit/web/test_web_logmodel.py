"""The page's log logic (web/logmodel.js): dedup, gaps, completion, steps, search, checks."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def run(page: Page, body: str, arg: Any = None) -> Any:
    """Evaluate ``body`` (statements ending in ``return``) with ``L`` = ApkgenLog."""
    return page.evaluate(f"arg => {{ const L = ApkgenLog; {body} }}", arg)


def test_drops_duplicates_and_holds_lines_after_a_hole_until_it_is_filled(js_page: Page) -> None:
    out = run(js_page, """
        const t = new L.LogTracker();
        const ls = s => s.map(n => ({seq: n, text: 't' + n}));
        const a = t.add(ls([1, 2, 3])).map(l => l.seq);
        const b = t.add(ls([2, 3, 6, 7])).map(l => l.seq);
        const ask1 = t.resumeAfter(), ask2 = t.resumeAfter();
        const c = t.add(ls([4, 5])).map(l => l.seq);
        return [a, b, ask1, ask2, c, t.hasGap(), t.lastSeq];""")
    assert out == [[1, 2, 3], [], 3, None, [4, 5, 6, 7], False, 7]


def test_resumes_after_the_last_line_on_reconnect_and_asks_for_a_gap_once(js_page: Page) -> None:
    out = run(js_page, """
        const f = new L.FollowState();
        const first = f.onOpen();
        const a = f.onMessage({type: 'log', lines: [{seq: 1}, {seq: 2}, {seq: 9}]});
        const b = f.onMessage({type: 'log', lines: [{seq: 10}]});
        return [first, a.lines.length, a.resumeAfter, b.resumeAfter, f.onOpen()];""")
    assert out == [0, 2, 2, None, 2]


def test_sends_a_refused_resume_again_after_the_wait_the_server_names(js_page: Page) -> None:
    out = run(js_page, """
        const f = new L.FollowState();
        f.onOpen();
        const a = f.onMessage({type: 'error', message: 'too many resumes', retry_after: 1.5});
        return [a.retryResumeMs, a.reconnect, a.done];""")
    assert out == [1500, False, False]


def test_opens_a_new_connection_when_the_server_no_longer_knows_this_one(js_page: Page) -> None:
    out = run(js_page, """
        const f = new L.FollowState();
        f.onOpen();
        const a = f.onMessage({type: 'error',
            message: 'this connection watches no build: reconnect with ?build=<build id>'});
        return [a.reconnect, a.retryResumeMs, a.error];""")
    assert out == [True, None, "this connection watches no build: reconnect with ?build=<build id>"]


def test_is_done_when_finished_and_every_line_up_to_last_seq_arrived(js_page: Page) -> None:
    out = run(js_page, """
        const f = new L.FollowState();
        f.onMessage({type: 'log', lines: [{seq: 1}]});
        const a = f.onMessage({type: 'status', status: 'running', last_seq: 1}).done;
        const b = f.onMessage({type: 'status', status: 'failed', last_seq: 2}).done;
        const c = f.onMessage({type: 'log', lines: [{seq: 2}]}).done;
        return [a, b, c];""")
    assert out == [False, False, True]


def test_asks_for_a_finished_builds_missing_tail_at_most_three_times(js_page: Page) -> None:
    out = run(js_page, """
        const f = new L.FollowState();
        f.onMessage({type: 'status', status: 'succeeded', last_seq: 4});
        const asked = [];
        for (let i = 0; i < 5; i++) {
          asked.push(f.onMessage({type: 'resumed', last_seq: 4}).resumeAfter);
        }
        return [asked, f.done(), f.missingTail()];""")
    assert out == [[0, 0, 0, None, None], True, True]


def test_groups_lines_by_step_with_marks_durations_and_counts(js_page: Page) -> None:
    out = run(js_page, """
        const g = new L.StepGrouper();
        const items = g.add([
          {seq: 1, step: 'extract', level: 'info', text: '▶ extract', ts: 10},
          {seq: 2, step: 'extract', level: 'warning', text: 'odd file', ts: 11},
          {seq: 3, step: 'extract', level: 'info', text: '✓ extract done in 2.00s', ts: 12},
          {seq: 4, step: 'validate', level: 'error', text: 'sessions[0].starts-at bad', ts: 13},
        ]);
        const [a, b] = g.groups;
        return [items.map(i => i.isNew), L.groupMark(a), a.warnings,
                L.formatDuration(a.lastTs - a.firstTs), L.groupMark(b), b.errors,
                g.groups.length];""")
    assert out == [[True, False, False, True], "✓", 1, "2.0s", "✗", 1, 2]


def test_a_running_step_shows_an_ellipsis_until_it_ends(js_page: Page) -> None:
    out = run(js_page, """
        const g = new L.StepGrouper();
        g.add([{seq: 1, step: 'package', level: 'info', text: '▶ package', ts: 1}]);
        const before = L.groupMark(g.groups[0]);
        g.finish('succeeded');
        return [before, L.groupMark(g.groups[0])];""")
    assert out == ["…", "✓"]


def test_search_finds_lines_case_insensitively_and_splits_text_for_highlighting(
        js_page: Page) -> None:
    out = run(js_page, """
        const lines = [{seq: 1, text: 'Signing APK'}, {seq: 2, text: 'apk signed'},
                       {seq: 3, text: 'x'}];
        return [L.findMatches(lines, 'APK'), L.findMatches(lines, ''),
                L.splitMatches('an Apk and apk', 'apk')];""")
    assert out == [[1, 2], [], [
        {"text": "an ", "match": False}, {"text": "Apk", "match": True},
        {"text": " and ", "match": False}, {"text": "apk", "match": True}]]


def test_raw_log_has_one_tab_separated_line_per_log_line(js_page: Page) -> None:
    out = run(js_page, """
        return L.rawLog([{seq: 1, ts: 0, level: 'info', step: 'queue', text: '<b>hi</b>'}]);""")
    assert out == "1\t1970-01-01T00:00:00.000Z\tinfo\tqueue\t<b>hi</b>\n"


@pytest.mark.parametrize(("path", "expected"), [
    ("/", {"base": "", "buildId": None}),
    ("/b/AbC_d-9", {"base": "", "buildId": "AbC_d-9"}),
    ("/api/b/xyz", {"base": "/api", "buildId": "xyz"}),
    ("/api/", {"base": "/api", "buildId": None}),
])
def test_reads_the_api_prefix_and_build_id_from_the_page_path(
        js_page: Page, path: str, expected: dict[str, Any]) -> None:
    assert run(js_page, "return L.parsePath(arg);", path) == expected


def test_takes_the_websocket_url_from_the_create_answer_then_status_then_meta(
        js_page: Page) -> None:
    out = run(js_page, """
        return [L.wsUrlFor('b1', {ws_url: 'ws://a?build=b1'}, {ws_url: 'ws://b?build=b1'}, 'ws://c'),
                L.wsUrlFor('b1', null, {ws_url: 'ws://b?build=b1'}, 'ws://c'),
                L.wsUrlFor('b 1', null, {}, 'ws://c/x'),
                L.wsUrlFor('b1', null, null, '')];""")
    assert out == ["ws://a?build=b1", "ws://b?build=b1", "ws://c/x?build=b%201", None]


def test_reconnect_delay_doubles_up_to_eight_seconds(js_page: Page) -> None:
    assert run(js_page, "return [1, 2, 3, 6, 7, 20].map(L.backoffMs);") == [
        250, 500, 1000, 8000, 8000, 8000]


def test_explains_why_a_picked_file_cannot_be_uploaded(js_page: Page) -> None:
    out = run(js_page, """
        const zip = [0x50, 0x4b, 0x03, 0x04];
        return [L.checkUpload('event.zip', 10, zip, 100),
                L.checkUpload('event.pdf', 10, zip, 100),
                L.checkUpload('event.zip', 10, [0x25, 0x50, 0x44, 0x46], 100),
                L.checkUpload('event.zip', 3 * 1024 * 1024, zip, 1024 * 1024)];""")
    assert out[0] is None
    assert "is not a .zip file" in out[1]
    assert "is not a zip archive" in out[2]
    assert "3.0 MB, over the 1.0 MB upload limit" in out[3]


def test_explains_a_pasted_url_that_is_not_http(js_page: Page) -> None:
    out = run(js_page, "return [L.checkApiUrl('https://api.x.org/v1/events/1'), "
                       "L.checkApiUrl('ftp://x')];")
    assert out[0] is None and "is not an http(s) URL" in out[1]


def test_reads_problems_sent_as_json_text_or_as_an_object(js_page: Page) -> None:
    out = run(js_page, """
        return [L.parseProblems('{"errors": [{"path": "sessions[1].starts-at"}]}').errors[0].path,
                L.parseProblems({errors: []}).errors.length,
                L.parseProblems('not json').errors[0].message,
                L.showValue('2017-13-45'), L.showValue(null)];""")
    assert out == ["sessions[1].starts-at", 0, "not json", '"2017-13-45"', ""]
