/* apkgen's page: the upload form and the live build view. DOM and I/O only; the decisions are
 * in logmodel.js (ApkgenLog); the QR code is drawn by the server (GET /builds/{id}/qr.svg), the
 * app's preview served out of its APK (GET /builds/{id}/preview/index.html).
 * Every piece of data reaches the page through textContent or attributes, never innerHTML. */
(function () {
  "use strict";

  var L = window.ApkgenLog;
  var DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
  var MAX_LINES_PER_FRAME = 1500;
  var BOTTOM_SLACK_PX = 24;
  var MAX_HIGHLIGHTS = 2000;
  var LINES_PER_CHUNK = 200;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var page = L.parsePath(window.location.pathname);
  var API = page.base;

  /* JSON request to the apkgen API; rejects with an Error whose message says what to fix. */
  function api(method, path, body) {
    var init = { method: method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = null; }
        if (!resp.ok) {
          var message = (data && (data.Message || data.message)) || text || resp.statusText;
          var err = new Error(message + " (HTTP " + resp.status + ")");
          err.status = resp.status;
          throw err;
        }
        if (data === null) throw new Error("The server answered something that is not JSON: " + text.slice(0, 200));
        return data;
      });
    }, function (err) {
      throw new Error("Cannot reach the apkgen API (" + err.message + "). Check your connection and try again.");
    });
  }

  // ---------------------------------------------------------------------------------------
  // Upload view
  // ---------------------------------------------------------------------------------------

  var upload = { file: null, fileError: null, touched: { primary: false, accent: false }, busy: false };

  function showUploadError(message) {
    var box = $("upload-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function pickFile(file) {
    upload.file = null;
    upload.fileError = null;
    $("file-name").textContent = "";
    showUploadError("");
    if (!file) return Promise.resolve();
    return file.slice(0, 4).arrayBuffer().then(function (buf) {
      var problem = L.checkUpload(file.name, file.size, new Uint8Array(buf), DEFAULT_MAX_BYTES);
      if (problem) {
        upload.fileError = problem;
        showUploadError(problem);
        return;
      }
      upload.file = file;
      $("file-name").textContent = file.name + " (" + L.formatBytes(file.size) + ")";
      $("api-url").value = "";
    });
  }

  function postToStorage(presigned, file, onProgress) {
    return new Promise(function (resolve, reject) {
      var form = new FormData();
      var fields = presigned.fields || {};
      Object.keys(fields).forEach(function (name) { form.append(name, fields[name]); });
      form.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", presigned.url);
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) { onProgress(1, 1); resolve(presigned.upload_key); return; }
        var m = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
        reject(new Error("Storage refused the upload: " + (m ? m[1] : "HTTP " + xhr.status) + ". Try again."));
      };
      xhr.onerror = function () { reject(new Error("The upload was interrupted. Check your connection and try again.")); };
      xhr.send(form);
    });
  }

  function setProgress(loaded, total) {
    var pct = total > 0 ? Math.round((loaded / total) * 100) : 0;
    $("upload-progress-row").hidden = false;
    $("upload-progress").value = pct;
    $("upload-progress-text").textContent = pct + "%";
  }

  function buildOptions() {
    var options = {};
    var email = $("email").value.trim();
    var name = $("app-name").value.trim();
    var pkg = $("package-name").value.trim();
    if (email) {
      if (email.indexOf("@") < 1) throw new Error("\u201c" + email + "\u201d is not an email address.");
      options.email = email;
    }
    if (name) options.app_name = name;
    if (pkg) {
      if (!/^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+$/.test(pkg)) {
        throw new Error("\u201c" + pkg + "\u201d is not an Android package name: use two or more dot-separated parts of letters, digits and _, e.g. org.example.myevent.");
      }
      options.package_name = pkg;
    }
    if (upload.touched.primary) options.primary_color = $("primary-color").value;
    if (upload.touched.accent) options.accent_color = $("accent-color").value;
    return options;
  }

  function submitUpload(event) {
    event.preventDefault();
    if (upload.busy) return;
    showUploadError("");
    var url = $("api-url").value.trim();
    var payload;
    try {
      payload = buildOptions();
      if (!upload.file && !url) {
        throw new Error(upload.fileError || "Choose an Open Event export (.zip) or paste an Open Event API URL.");
      }
      if (!upload.file) {
        var urlProblem = L.checkApiUrl(url);
        if (urlProblem) throw new Error(urlProblem);
      }
    } catch (err) {
      showUploadError(err.message);
      return;
    }
    var button = $("generate");
    upload.busy = true;
    button.disabled = true;
    button.textContent = "Creating build\u2026";
    var ready;
    if (upload.file) {
      var file = upload.file;
      ready = api("POST", "/uploads", {}).then(function (presigned) {
        var problem = L.checkUpload(file.name, file.size, [0x50, 0x4b, 0x03, 0x04], presigned.max_bytes);
        if (problem) throw new Error(problem);
        setProgress(0, file.size);
        return postToStorage(presigned, file, setProgress);
      }).then(function (key) { payload.upload_key = key; });
    } else {
      payload.api_url = url;
      ready = Promise.resolve();
    }
    ready.then(function () {
      return api("POST", "/builds", payload);
    }).then(function (created) {
      history.pushState({ build: created.build_id }, "", API + "/b/" + encodeURIComponent(created.build_id));
      showBuild(created.build_id, created);
    }).catch(function (err) {
      showUploadError(err.message);
    }).then(function () {
      upload.busy = false;
      button.disabled = false;
      button.textContent = "Generate app";
    });
  }

  function setupUpload() {
    var zone = $("drop-zone");
    $("file-input").addEventListener("change", function (e) { pickFile(e.target.files[0]); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      var files = e.dataTransfer && e.dataTransfer.files;
      if (files && files.length > 1) { showUploadError("Drop one zip file at a time."); return; }
      pickFile(files && files[0]);
    });
    $("api-url").addEventListener("input", function () {
      if ($("api-url").value.trim()) {
        upload.file = null;
        $("file-input").value = "";
        $("file-name").textContent = "";
      }
    });
    $("primary-color").addEventListener("input", function () { upload.touched.primary = true; });
    $("accent-color").addEventListener("input", function () { upload.touched.accent = true; });
    $("upload-form").addEventListener("submit", submitUpload);
  }

  // ---------------------------------------------------------------------------------------
  // Build view
  // ---------------------------------------------------------------------------------------

  var view = null;

  function BuildView(buildId, created) {
    this.id = buildId;
    this.created = created;
    this.follow = new L.FollowState();
    this.grouper = new L.StepGrouper();
    this.lines = [];
    this.queue = [];
    this.frame = 0;
    this.groupEls = [];
    this.following = true;
    this.autoTop = 0;
    this.ws = null;
    this.failures = 0;
    this.resumedAfter = null;  // the seq a reconnect resumed after, until it is shown
    this.reconnected = false;
    this.stopped = false;
    this.timer = 0;
    this.tick = 0;
    this.info = null;
    this.finalShown = false;
    this.firstErrorSeq = null;
    this.targetSeq = null;
    this.search = { query: "", matches: [], index: -1, marked: [] };
    var hash = /^#L(\d+)$/.exec(window.location.hash);
    if (hash) { this.targetSeq = Number(hash[1]); this.following = false; }
  }

  BuildView.prototype.start = function () {
    var self = this;
    $("build-id").textContent = this.id;
    $("log").textContent = "";
    setStatus({ status: this.created ? this.created.status : "" });
    api("GET", "/builds/" + encodeURIComponent(this.id)).then(function (info) {
      if (self.stopped) return;
      self.info = info;
      self.onStatus(info);
      self.connect();
    }, function (err) {
      if (self.stopped) return;
      if (err.status === 404) {
        setStatus({ status: "unknown" });
        $("status").textContent = "not found";
        showConnection("There is no build " + self.id + ". Check the link, or start a new build.");
        return;
      }
      showConnection(err.message);
      self.connect();
    });
    this.tick = window.setInterval(function () { self.renderElapsed(); }, 1000);
  };

  BuildView.prototype.stop = function () {
    this.stopped = true;
    window.clearInterval(this.tick);
    window.clearTimeout(this.timer);
    if (this.frame) window.cancelAnimationFrame(this.frame);
    if (this.ws) { try { this.ws.close(); } catch (e) { showConnection(e.message); } }
  };

  // -- WebSocket ----------------------------------------------------------------------------

  BuildView.prototype.wsUrl = function () {
    var meta = document.querySelector('meta[name="apkgen-ws-url"]');
    return L.wsUrlFor(this.id, this.created, this.info, meta && meta.content);
  };

  BuildView.prototype.connect = function () {
    var self = this;
    if (this.stopped || this.follow.done()) return;
    var url = this.wsUrl();
    if (!url) {
      showConnection("The server did not say where the live log is; reload the page to try again.");
      return;
    }
    var ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = function () {
      var after = self.follow.onOpen();
      self.resumedAfter = self.failures > 0 ? after : null;
      ws.send(JSON.stringify({ action: "resume", after: after }));
    };
    ws.onmessage = function (event) {
      if (ws !== self.ws) return;
      self.failures = 0;
      if (self.resumedAfter !== null && self.resumedAfter !== undefined) {
        // Say so: the log below goes on from where it stopped, nothing was missed.
        showConnection("Live log reconnected; resumed after line " + self.resumedAfter + ".");
        self.resumedAfter = null;
        self.reconnected = true;
      } else if (!self.reconnected) {
        showConnection("");
      }
      var message;
      try { message = JSON.parse(event.data); } catch (e) {
        showConnection("The log server sent something that is not JSON; reconnecting.");
        ws.close();
        return;
      }
      var actions = self.follow.onMessage(message);
      if (actions.reconnect) {
        // The server no longer knows this connection: a new one registers again.
        showConnection("The log server lost this connection (" + actions.error + "); reconnecting.");
        ws.close();
        return;
      }
      if (actions.retryResumeMs !== null) {
        window.clearTimeout(self.timer);
        self.timer = window.setTimeout(function () {
          if (ws === self.ws && ws.readyState === 1) {
            ws.send(JSON.stringify({ action: "resume", after: self.follow.onOpen() }));
          }
        }, actions.retryResumeMs);
        return;
      }
      if (actions.lines.length) self.enqueue(actions.lines);
      if (actions.status) self.onStatus(actions.status);
      if (actions.resumeAfter !== null) ws.send(JSON.stringify({ action: "resume", after: actions.resumeAfter }));
      if (actions.done) {
        ws.onclose = null;
        ws.close();
        self.ws = null;
      }
    };
    ws.onclose = function () {
      if (ws !== self.ws || self.stopped) return;
      self.ws = null;
      if (self.follow.done()) return;
      self.failures += 1;
      self.reconnected = false;
      var delay = L.backoffMs(self.failures);
      showConnection("Live log disconnected; reconnecting in " + (delay / 1000).toFixed(1) + "s\u2026");
      self.timer = window.setTimeout(function () { self.connect(); }, delay);
    };
  };

  // -- Status -------------------------------------------------------------------------------

  BuildView.prototype.onStatus = function (status) {
    if (!status || this.stopped) return;
    var merged = this.info ? Object.assign({}, this.info) : {};
    Object.keys(status).forEach(function (k) {
      if (status[k] !== undefined && k !== "type") merged[k] = status[k];
    });
    this.info = merged;
    setStatus(merged);
    this.renderElapsed();
    var running = merged.status === "queued" || merged.status === "running";
    $("cancel").hidden = !running;
    if (L.TERMINAL[merged.status] && !this.finalShown) {
      this.finalShown = true;
      this.grouper.finish(merged.status);
      this.refreshGroups(this.grouper.groups);
      this.showFinal();
    }
  };

  BuildView.prototype.showFinal = function () {
    var self = this;
    // The status message may lack the presigned link and the problems: ask the API for them.
    api("GET", "/builds/" + encodeURIComponent(this.id)).then(function (info) {
      if (self.stopped) return;
      self.info = info;
      setStatus(info);
      self.renderElapsed();
      if (info.status === "succeeded") self.renderSuccess(info);
      else self.renderFailure(info);
      if (self.follow.missingTail()) self.fillFromHttp();
    }, function (err) { showConnection(err.message); });
  };

  BuildView.prototype.fillFromHttp = function () {
    var self = this;
    var after = this.follow.tracker.lastSeq;
    api("GET", "/builds/" + encodeURIComponent(this.id) + "/logs?after=" + after + "&limit=1000").then(function (page) {
      var lines = self.follow.tracker.add(page.lines || []);
      if (lines.length) self.enqueue(lines);
      if (page.more && lines.length) self.fillFromHttp();
    }, function (err) { showConnection(err.message); });
  };

  BuildView.prototype.renderElapsed = function () {
    var info = this.info || {};
    var start = info.started_at || (this.lines.length ? this.lines[0].ts : null);
    var now = Date.now() / 1000;
    if (typeof start !== "number") {
      var waiting = info.status === "queued" && typeof info.created_at === "number";
      $("elapsed").textContent = waiting ? "waiting " + L.formatDuration(now - info.created_at) : "";
      return;
    }
    var end = L.TERMINAL[info.status] && typeof info.finished_at === "number" ? info.finished_at : now;
    $("elapsed").textContent = L.formatDuration(end - start);
  };

  BuildView.prototype.renderSuccess = function (info) {
    var artifact = info.artifact || {};
    $("failure").hidden = true;
    $("success").hidden = false;
    var link = $("download-apk");
    var qr = $("qr");
    if (artifact.download_url) {
      link.href = artifact.download_url;
      link.setAttribute("download", (artifact.package || "app") + ".apk");
      // The code names the build's stable link (GET /builds/{id}/apk), which redirects to a
      // fresh presigned URL: it does not expire with the link above.
      qr.onerror = function () {
        qr.parentNode.hidden = true;
        showConnection("No QR code: the server did not draw it; reload the page to try again.");
      };
      qr.parentNode.hidden = false;
      qr.src = API + "/builds/" + encodeURIComponent(this.id) + "/qr.svg";
    } else {
      link.removeAttribute("href");
      link.textContent = "Download link unavailable; reload the page";
      qr.parentNode.hidden = true;
    }
    showPreview(this.id);
    var dl = $("app-details");
    dl.textContent = "";
    var rows = [
      ["App name", artifact.label],
      ["Package", artifact.package],
      ["Version", artifact.version_name ? artifact.version_name + (artifact.version_code ? " (" + artifact.version_code + ")" : "") : null],
      ["Size", L.formatBytes(artifact.size)],
      ["SHA-256", artifact.sha256]
    ];
    rows.forEach(function (row) {
      if (!row[1]) return;
      dl.appendChild(el("dt", "", row[0]));
      dl.appendChild(el("dd", row[0] === "SHA-256" ? "mono" : "", row[1]));
    });
  };

  /* The built app, served out of its APK into the sandboxed frame (loaded once per build, so a
   * status update never reloads it under the organizer's fingers). */
  function showPreview(buildId) {
    var frame = $("preview");
    var src = API + "/builds/" + encodeURIComponent(buildId) + "/preview/index.html";
    if (frame.getAttribute("src") !== src) frame.setAttribute("src", src);
    $("preview-box").hidden = false;
  }

  function setupPreview() {
    var buttons = document.querySelectorAll(".preview-sizes button");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        $("preview-device").dataset.device = button.dataset.device;
        Array.prototype.forEach.call(buttons, function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
      });
    });
  }

  BuildView.prototype.renderFailure = function (info) {
    $("success").hidden = true;
    $("failure").hidden = false;
    var heading = $("failure").querySelector("h2");
    heading.textContent = info.status === "cancelled" ? "The build was cancelled" : "What went wrong";
    $("failure-error").textContent = info.error || (info.status === "cancelled" ? "Cancelled on request." : "The build failed.");
    var list = $("problems");
    list.textContent = "";
    var report = L.parseProblems(info.problems);
    var errors = report.errors || [];
    errors.forEach(function (p) {
      var li = el("li");
      var where = [p.file, p.path].filter(Boolean).join(" \u203a ");
      if (where) li.appendChild(el("span", "where", where));
      var value = L.showValue(p.value);
      if (value) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("span", "value", value)); }
      li.appendChild(document.createTextNode(" " + (p.message || p.text || "")));
      if (p.hint) li.appendChild(el("span", "hint", "How to fix: " + p.hint));
      list.appendChild(li);
    });
    var more = (report.error_count || errors.length) - errors.length;
    if (more > 0) list.appendChild(el("li", "", "\u2026 and " + more + " more errors"));
    if (!errors.length && report.text) list.appendChild(el("li", "", report.text));
    this.updateFirstErrorLink();
  };

  BuildView.prototype.updateFirstErrorLink = function () {
    var link = $("first-error-link");
    link.hidden = this.firstErrorSeq === null;
    if (this.firstErrorSeq !== null) {
      link.href = "#L" + this.firstErrorSeq;
      link.textContent = "Go to the first error in the log (line " + this.firstErrorSeq + ")";
    }
  };

  // -- Log rendering ---------------------------------------------------------------------------

  BuildView.prototype.enqueue = function (lines) {
    for (var i = 0; i < lines.length; i++) this.queue.push(lines[i]);
    var self = this;
    if (!this.frame) this.frame = window.requestAnimationFrame(function () { self.flush(); });
  };

  /* Scroll to the last line, and again after layout (lines that come into view take their
   * real height then). autoTop remembers where we put the view: only a scroll above it is the
   * user's and stops the following. */
  BuildView.prototype.scrollToEnd = function () {
    var self = this, box = $("log");
    box.scrollTop = box.scrollHeight;
    this.autoTop = box.scrollTop;
    window.requestAnimationFrame(function () {
      if (!self.following || self.stopped) return;
      box.scrollTop = box.scrollHeight;
      self.autoTop = box.scrollTop;
    });
  };

  BuildView.prototype.atBottom = function () {
    var box = $("log");
    return box.scrollHeight - box.scrollTop - box.clientHeight <= BOTTOM_SLACK_PX;
  };

  BuildView.prototype.flush = function () {
    var self = this;
    this.frame = 0;
    if (this.stopped) return;
    var batch = this.queue.splice(0, MAX_LINES_PER_FRAME);
    var box = $("log");
    var touched = [];
    var items = this.grouper.add(batch);
    var group = null, ui = null;
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (item.group !== group) {
        group = item.group;
        if (!this.groupEls[group.index]) this.groupEls[group.index] = this.makeGroup(group, box);
        ui = this.groupEls[group.index];
        touched.push(group);
      }
      var line = item.line;
      this.lines.push(line);
      if (line.level === "error" && this.firstErrorSeq === null) {
        this.firstErrorSeq = line.seq;
        this.updateFirstErrorLink();
      }
      if (!ui.chunk || ui.chunkLines >= LINES_PER_CHUNK) {
        // Lines live in chunks the browser may skip laying out while off screen
        // (content-visibility), so a long log costs only what is in view.
        ui.chunk = el("div", "chunk");
        ui.chunkLines = 0;
        ui.body.appendChild(ui.chunk);
      }
      ui.chunk.appendChild(this.makeLine(line));
      ui.chunkLines += 1;
    }
    this.refreshGroups(touched);
    if (this.search.query) this.searchNewLines(batch);
    if (this.targetSeq !== null && $("L" + this.targetSeq)) {
      var target = $("L" + this.targetSeq);
      this.targetSeq = null;
      target.classList.add("target");
      openGroupOf(target);
      target.scrollIntoView({ block: "center" });
    } else if (this.following) {
      this.scrollToEnd();
    }
    this.renderElapsed();
    if (this.queue.length) this.frame = window.requestAnimationFrame(function () { self.flush(); });
  };

  BuildView.prototype.makeGroup = function (group, box) {
    var details = el("details", "step running");
    details.open = true;
    details.dataset.step = group.step;
    var summary = el("summary");
    var mark = el("span", "mark", "\u2026");
    var name = el("span", "name", group.step);
    var dur = el("span", "dur", "");
    var counts = el("span", "counts", "");
    summary.appendChild(mark);
    summary.appendChild(name);
    summary.appendChild(dur);
    summary.appendChild(counts);
    details.appendChild(summary);
    var body = el("div", "step-body");
    details.appendChild(body);
    box.appendChild(details);
    return { details: details, body: body, mark: mark, dur: dur, counts: counts, chunk: null,
             chunkLines: 0 };
  };

  BuildView.prototype.refreshGroups = function (groups) {
    // The step before the newest one has just finished: refresh it too.
    var all = this.grouper.groups;
    var list = all.length > 1 ? groups.concat([all[all.length - 2]]) : groups;
    for (var i = 0; i < list.length; i++) {
      var group = list[i];
      var ui = this.groupEls[group.index];
      if (!ui) continue;
      var mark = L.groupMark(group);
      ui.mark.textContent = mark;
      ui.details.className = "step " + (mark === "\u2717" ? "bad" : mark === "\u2713" ? "ok" : "running");
      if (typeof group.firstTs === "number" && typeof group.lastTs === "number") {
        ui.dur.textContent = L.formatDuration(group.lastTs - group.firstTs);
      }
      var parts = [];
      if (group.errors) parts.push(group.errors + (group.errors === 1 ? " error" : " errors"));
      if (group.warnings) parts.push(group.warnings + (group.warnings === 1 ? " warning" : " warnings"));
      ui.counts.textContent = parts.join(", ");
    }
  };

  BuildView.prototype.makeLine = function (line) {
    var row = el("div", "line " + (line.level || "info"));
    row.id = "L" + line.seq;
    var ln = el("a", "ln", line.seq);
    ln.href = "#L" + line.seq;
    ln.setAttribute("aria-label", "Line " + line.seq);
    ln.tabIndex = -1; // 50 000 links must not fill the tab order; the log itself is focusable
    row.appendChild(ln);
    row.appendChild(el("span", "ts", L.formatTime(line.ts)));
    row.appendChild(el("span", "msg", line.text));
    return row;
  };

  // -- Search ---------------------------------------------------------------------------------

  BuildView.prototype.clearMarks = function () {
    var marked = this.search.marked;
    for (var i = 0; i < marked.length; i++) {
      var row = $("L" + marked[i].seq);
      if (!row) continue;
      row.classList.remove("match", "current");
      row.querySelector(".msg").textContent = marked[i].text;
    }
    this.search.marked = [];
  };

  BuildView.prototype.mark = function (line) {
    if (this.search.marked.length >= MAX_HIGHLIGHTS) return;
    var row = $("L" + line.seq);
    if (!row) return;
    var msg = row.querySelector(".msg");
    msg.textContent = "";
    L.splitMatches(String(line.text), this.search.query).forEach(function (part) {
      msg.appendChild(part.match ? el("mark", "", part.text) : document.createTextNode(part.text));
    });
    row.classList.add("match");
    this.search.marked.push(line);
  };

  BuildView.prototype.runSearch = function (query) {
    this.clearMarks();
    this.search.query = query;
    this.search.matches = L.findMatches(this.lines, query);
    this.search.index = -1;
    var bySeq = {};
    this.lines.forEach(function (l) { bySeq[l.seq] = l; });
    for (var i = 0; i < this.search.matches.length; i++) this.mark(bySeq[this.search.matches[i]]);
    this.renderSearchCount();
  };

  BuildView.prototype.searchNewLines = function (lines) {
    var seqs = L.findMatches(lines, this.search.query);
    var self = this;
    lines.forEach(function (l) { if (seqs.indexOf(l.seq) !== -1) { self.search.matches.push(l.seq); self.mark(l); } });
    this.renderSearchCount();
  };

  BuildView.prototype.step = function (delta) {
    var matches = this.search.matches;
    if (!matches.length) return;
    var prev = $("L" + matches[this.search.index]);
    if (prev) prev.classList.remove("current");
    this.search.index = (this.search.index + delta + matches.length) % matches.length;
    var row = $("L" + matches[this.search.index]);
    if (row) {
      this.following = false;
      $("jump-latest").hidden = false;
      openGroupOf(row);
      row.classList.add("current");
      row.scrollIntoView({ block: "center" });
    }
    this.renderSearchCount();
  };

  BuildView.prototype.renderSearchCount = function () {
    var n = this.search.matches.length;
    $("search-count").textContent = !this.search.query ? "" :
      n === 0 ? "no matches" : (this.search.index + 1 > 0 ? (this.search.index + 1) + "/" : "") + n;
  };

  function openGroupOf(row) {
    var details = row.closest("details");
    if (details) details.open = true;
  }

  // -- Helpers for the build view -----------------------------------------------------------

  function setStatus(info) {
    var status = info.status || "";
    var badge = $("status");
    badge.dataset.status = status;
    badge.textContent = status || "loading";
    var step = info.step && (status === "running" || status === "queued") ? "step: " + info.step : "";
    $("status-step").textContent = step;
    document.title = (status ? status + " \u00b7 " : "") + "apkgen build";
  }

  function showConnection(message) {
    $("connection").textContent = message || "";
  }

  function setupBuildView() {
    var box = $("log");
    box.addEventListener("scroll", function () {
      if (!view) return;
      if (view.atBottom()) view.following = true;
      else if (box.scrollTop < view.autoTop - 4) view.following = false;
      $("jump-latest").hidden = view.following;
    });
    $("jump-latest").addEventListener("click", function () {
      if (!view) return;
      view.following = true;
      view.scrollToEnd();
      $("jump-latest").hidden = true;
    });
    $("cancel").addEventListener("click", function () {
      if (!view) return;
      var button = $("cancel");
      button.disabled = true;
      api("POST", "/builds/" + encodeURIComponent(view.id) + "/cancel", {}).then(function (status) {
        if (view) view.onStatus(status);
      }, function (err) { showConnection("Cancel failed: " + err.message); }).then(function () {
        button.disabled = false;
      });
    });
    $("show-ts").addEventListener("change", function (e) { box.classList.toggle("show-ts", e.target.checked); });
    $("download-log").addEventListener("click", function () {
      if (!view) return;
      var blob = new Blob([L.rawLog(view.lines)], { type: "text/plain;charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "apkgen-" + view.id + ".log";
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });
    var search = $("search");
    search.addEventListener("input", function () { if (view) view.runSearch(search.value.trim()); });
    $("search-form").addEventListener("submit", function (e) { e.preventDefault(); if (view) view.step(1); });
    $("search-prev").addEventListener("click", function () { if (view) view.step(-1); });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.shiftKey && view) { e.preventDefault(); view.step(-1); }
    });
    // After a resize Chromium can leave content-visibility chunks unpainted until the log
    // scrolls: nudge it by a pixel and back once the new layout is in.
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(function () {
        if (view && view.following) view.scrollToEnd();
        else box.scrollTop += box.scrollTop > 0 ? -1 : 1;
        box.dataset.laidOutWidth = String(box.clientWidth);
      }, 150);
    });
    window.addEventListener("hashchange", function () {
      var m = /^#L(\d+)$/.exec(window.location.hash);
      var row = m && $("L" + m[1]);
      if (row && view) {
        view.following = false;
        $("jump-latest").hidden = false;
        openGroupOf(row);
        row.scrollIntoView({ block: "center" });
      }
    });
  }

  // ---------------------------------------------------------------------------------------
  // Routing
  // ---------------------------------------------------------------------------------------

  function showBuild(buildId, created) {
    if (view) view.stop();
    $("upload-view").hidden = true;
    $("build-view").hidden = false;
    $("success").hidden = true;
    $("failure").hidden = true;
    $("preview").removeAttribute("src");
    $("search").value = "";
    $("search-count").textContent = "";
    $("jump-latest").hidden = true;
    showConnection("");
    view = new BuildView(buildId, created);
    window.apkgenView = view; // for the browser tests and for debugging
    view.start();
  }

  function showUpload() {
    if (view) { view.stop(); view = null; }
    $("build-view").hidden = true;
    $("upload-view").hidden = false;
    document.title = "apkgen: build your event's Android app";
  }

  function route() {
    var current = L.parsePath(window.location.pathname);
    if (current.buildId) showBuild(current.buildId, null);
    else showUpload();
  }

  function init() {
    $("home-link").href = API + "/";
    setupUpload();
    setupBuildView();
    setupPreview();
    window.addEventListener("popstate", route);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
