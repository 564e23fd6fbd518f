/* The build page's pure logic: no DOM, no network. Tested in tests/unit/web.
 *
 * The same rules as the terminal client (apkgen_client/logstream.py):
 *   - a line whose seq was seen is dropped; lines after a hole wait until it is filled;
 *   - a hole asks once for {"action": "resume", "after": lastContiguousSeq};
 *   - the view is complete when the build is finished and every line up to last_seq is here.
 */
(function (root) {
  "use strict";

  var TERMINAL = { succeeded: true, failed: true, cancelled: true };
  var MAX_PENDING = 100000;
  var MAX_TAIL_RESUMES = 3;

  function LogTracker() {
    this.lastSeq = 0;
    this.pending = new Map();
    this.askedAfter = null;
  }

  /* Take lines in any order; return the ones that are now contiguous, in seq order. */
  LogTracker.prototype.add = function (lines) {
    for (var i = 0; i < lines.length; i++) {
      var seq = lines[i] && lines[i].seq;
      if (typeof seq !== "number" || !Number.isInteger(seq) || seq <= this.lastSeq) continue;
      this.pending.set(seq, lines[i]);
    }
    var out = [];
    while (this.pending.has(this.lastSeq + 1)) {
      this.lastSeq += 1;
      out.push(this.pending.get(this.lastSeq));
      this.pending.delete(this.lastSeq);
    }
    if (this.pending.size > MAX_PENDING) {
      var keys = Array.from(this.pending.keys()).sort(function (a, b) { return a - b; });
      for (var k = 0; k < keys.length - MAX_PENDING; k++) this.pending.delete(keys[k]);
    }
    return out;
  };

  LogTracker.prototype.hasGap = function () { return this.pending.size > 0; };

  /* The seq to resume after when a hole needs filling and nobody asked yet, else null. */
  LogTracker.prototype.resumeAfter = function () {
    if (this.pending.size === 0 || this.askedAfter === this.lastSeq) return null;
    this.askedAfter = this.lastSeq;
    return this.lastSeq;
  };

  LogTracker.prototype.markResumed = function () { this.askedAfter = null; };
  LogTracker.prototype.markAsked = function (after) { this.askedAfter = after; };

  /* Turns server messages into actions: {lines, status, resumeAfter, retryResumeMs,
   * reconnect, error, done}. An error with retry_after (a resume over the connection's budget)
   * asks to send the resume again then; one without it (the connection is no longer
   * registered) asks for a new connection, which registers again. */
  function FollowState() {
    this.tracker = new LogTracker();
    this.status = null;
    this.tailResumes = 0;
  }

  FollowState.prototype.onOpen = function () {
    this.tracker.markAsked(this.tracker.lastSeq);
    return this.tracker.lastSeq;
  };

  FollowState.prototype.onMessage = function (message) {
    var actions = { lines: [], status: null, resumeAfter: null, retryResumeMs: null,
                    reconnect: false, error: null, done: false };
    if (!message || typeof message !== "object") return actions;
    if (message.type === "error") {
      actions.error = String(message.message || "the log server refused a request");
      var retry = message.retry_after;
      if (typeof retry === "number" && isFinite(retry) && retry >= 0) {
        actions.retryResumeMs = Math.round(retry * 1000);
      } else {
        actions.reconnect = true;
      }
      return actions;
    }
    if (message.type === "log") {
      actions.lines = this.tracker.add(Array.isArray(message.lines) ? message.lines : []);
    } else if (message.type === "status") {
      this.status = message;
      actions.status = message;
    } else if (message.type === "resumed") {
      this.tracker.markResumed();
    }
    actions.resumeAfter = this.tracker.resumeAfter();
    if (actions.resumeAfter === null && message.type === "resumed" && this.finished() &&
        this.missingTail() && this.tailResumes < MAX_TAIL_RESUMES) {
      this.tailResumes += 1;
      this.tracker.markAsked(this.tracker.lastSeq);
      actions.resumeAfter = this.tracker.lastSeq;
    }
    actions.done = this.done();
    return actions;
  };

  FollowState.prototype.missingTail = function () {
    var last = this.status && this.status.last_seq;
    return typeof last === "number" && last > this.tracker.lastSeq;
  };

  FollowState.prototype.finished = function () {
    return !!(this.status && TERMINAL[this.status.status]);
  };

  FollowState.prototype.done = function () {
    if (!this.finished()) return false;
    var complete = !this.missingTail() && !this.tracker.hasGap();
    return complete || this.tailResumes >= MAX_TAIL_RESUMES;
  };

  /* Step groups: a new group starts each time a line's step differs from the previous line's. */
  function StepGrouper() {
    this.groups = [];
  }

  /* Returns [{group, line, isNew}] for each line; a group is
   * {index, step, firstSeq, firstTs, lastTs, errors, warnings, failed, done}. */
  StepGrouper.prototype.add = function (lines) {
    var out = [];
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var current = this.groups[this.groups.length - 1];
      var isNew = !current || current.step !== line.step;
      if (isNew) {
        if (current) current.done = true;
        current = { index: this.groups.length, step: String(line.step || ""), firstSeq: line.seq,
                    firstTs: line.ts, lastTs: line.ts, errors: 0, warnings: 0, failed: false,
                    done: false };
        this.groups.push(current);
      }
      current.lastTs = typeof line.ts === "number" ? line.ts : current.lastTs;
      if (line.level === "error") current.errors += 1;
      if (line.level === "warning") current.warnings += 1;
      var text = String(line.text || "");
      if (text.indexOf("\u2717 ") === 0) current.failed = true;   // "✗ step failed after …"
      if (text.indexOf("\u2713 ") === 0) current.done = true;     // "✓ step done in …"
      out.push({ group: current, line: line, isNew: isNew });
    }
    return out;
  };

  /* Close the last group when the build is over (so it shows ✓ or ✗, not "running"). */
  StepGrouper.prototype.finish = function (status) {
    var last = this.groups[this.groups.length - 1];
    if (!last) return;
    last.done = true;
    if (status === "failed" || status === "cancelled") last.failed = last.failed || last.errors > 0;
  };

  /* "✓", "✗" or "…" for a group. */
  function groupMark(group) {
    if (group.failed || group.errors > 0) return "\u2717";
    return group.done ? "\u2713" : "\u2026";
  }

  function formatDuration(seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds) || seconds < 0) seconds = 0;
    if (seconds < 60) return seconds.toFixed(1) + "s";
    var minutes = Math.floor(seconds / 60), rest = Math.floor(seconds % 60);
    return minutes + "m" + (rest < 10 ? "0" : "") + rest + "s";
  }

  function formatBytes(size) {
    if (typeof size !== "number") return "";
    if (size < 1024) return size + " B";
    if (size < 1024 * 1024) return (size / 1024).toFixed(1) + " KB";
    return (size / (1024 * 1024)).toFixed(1) + " MB";
  }

  /* HH:MM:SS.mmm in UTC. */
  function formatTime(ts) {
    if (typeof ts !== "number") return "";
    return new Date(ts * 1000).toISOString().slice(11, 23);
  }

  /* The downloadable raw log: "seq<TAB>time<TAB>level<TAB>step<TAB>text" per line. */
  function rawLog(lines) {
    var out = [];
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      var when = typeof l.ts === "number" ? new Date(l.ts * 1000).toISOString() : "";
      out.push(l.seq + "\t" + when + "\t" + l.level + "\t" + l.step + "\t" + l.text);
    }
    return out.join("\n") + (out.length ? "\n" : "");
  }

  /* Seqs of the lines whose text contains query (case-insensitive). */
  function findMatches(lines, query) {
    var q = String(query || "").toLowerCase();
    var out = [];
    if (!q) return out;
    for (var i = 0; i < lines.length; i++) {
      if (String(lines[i].text).toLowerCase().indexOf(q) !== -1) out.push(lines[i].seq);
    }
    return out;
  }

  /* Split text around case-insensitive matches: [{text, match}] (for building <mark>s). */
  function splitMatches(text, query) {
    var q = String(query || "").toLowerCase();
    if (!q) return [{ text: text, match: false }];
    var lower = text.toLowerCase(), parts = [], at = 0;
    for (var i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, at)) {
      if (i > at) parts.push({ text: text.slice(at, i), match: false });
      parts.push({ text: text.slice(i, i + q.length), match: true });
      at = i + q.length;
    }
    if (at < text.length) parts.push({ text: text.slice(at), match: false });
    return parts;
  }

  /* The API prefix and the build id of a page path: "/b/ID" -> {base: "", buildId: "ID"},
   * "/api/b/ID" -> {base: "/api", ...}, "/" -> {base: "", buildId: null}. */
  function parsePath(pathname) {
    var m = /^(.*)\/b\/([A-Za-z0-9_-]+)\/?$/.exec(pathname);
    if (m) return { base: m[1], buildId: m[2] };
    return { base: pathname.replace(/\/(index\.html)?$/, ""), buildId: null };
  }

  /* The WebSocket URL of a build from what is known: the create answer's ws_url, the status
   * answer's ws_url, or the page's <meta name="apkgen-ws-url"> base. */
  function wsUrlFor(buildId, created, status, metaBase) {
    if (created && created.ws_url) return created.ws_url;
    if (status && status.ws_url) return status.ws_url;
    if (metaBase) {
      return metaBase + (metaBase.indexOf("?") === -1 ? "?" : "&") + "build=" + encodeURIComponent(buildId);
    }
    return null;
  }

  /* Reconnect delay after `failures` failures in a row: 0.25 s doubling to 8 s. */
  function backoffMs(failures) {
    return Math.min(8000, 250 * Math.pow(2, Math.max(0, failures - 1)));
  }

  /* An error message for a picked file, or null when it may be uploaded. */
  function checkUpload(name, size, firstBytes, maxBytes) {
    if (!/\.zip$/i.test(name)) {
      return "\u201c" + name + "\u201d is not a .zip file. Export the event from Open Event as a zip and pick that file.";
    }
    var magic = [0x50, 0x4b, 0x03, 0x04];
    for (var i = 0; i < 4; i++) {
      if (!firstBytes || firstBytes[i] !== magic[i]) {
        return "\u201c" + name + "\u201d is named .zip but is not a zip archive (it does not start with PK\\x03\\x04). Export it again from Open Event.";
      }
    }
    if (typeof maxBytes === "number" && size > maxBytes) {
      return "\u201c" + name + "\u201d is " + formatBytes(size) + ", over the " + formatBytes(maxBytes) +
        " upload limit. Remove large images from the export, or paste the event's API URL instead.";
    }
    return null;
  }

  /* An error message for a pasted Open Event API URL, or null. */
  function checkApiUrl(url) {
    if (!/^https?:\/\/[^\s/]+\/\S*$/i.test(url)) {
      return "\u201c" + url + "\u201d is not an http(s) URL. Paste the event's Open Event API URL, e.g. https://api.eventyay.com/v1/events/123.";
    }
    return null;
  }

  /* The problems report as an object, whether it came as JSON text or an object. */
  function parseProblems(problems) {
    if (typeof problems === "string" && problems.trim()) {
      try { problems = JSON.parse(problems); } catch (e) {
        return { errors: [{ message: problems }], warnings: [] };
      }
    }
    return problems && typeof problems === "object" ? problems : { errors: [], warnings: [] };
  }

  function showValue(value) {
    if (value === null || value === undefined) return "";
    var text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value);
    return text.length > 120 ? text.slice(0, 119) + "\u2026" : text;
  }

  root.ApkgenLog = {
    LogTracker: LogTracker, FollowState: FollowState, StepGrouper: StepGrouper,
    groupMark: groupMark, formatDuration: formatDuration, formatBytes: formatBytes,
    formatTime: formatTime, rawLog: rawLog, findMatches: findMatches, splitMatches: splitMatches,
    parsePath: parsePath, wsUrlFor: wsUrlFor, backoffMs: backoffMs, checkUpload: checkUpload,
    checkApiUrl: checkApiUrl, parseProblems: parseProblems, showValue: showValue,
    TERMINAL: TERMINAL
  };
})(typeof window !== "undefined" ? window : globalThis);
