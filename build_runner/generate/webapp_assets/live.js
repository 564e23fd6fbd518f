/*
 * apkgen event app, model part 2 (live.js): the schedule kept up to date from the event's
 * Open Event (eventyay) API, offline first, and what changed since the attendee last looked.
 * No DOM here; the network and localStorage are used only by createUpdater and
 * createLiveStore, everything else is pure.
 *
 * The API is the one the app was built from (<meta name="apkgen-api">; an app without it never
 * touches the network). Its sessions are read as the generator reads them
 * (build_runner/generate/eventyay.py): /sessions?include=track,microlocation,session-type,
 * speakers&page[size]=500&sort=id, every page by links.next (relative, on the same origin), and
 * published by the generator's rule (publish.py): state accepted or confirmed (every session
 * when none has a state), not deleted, with a start time. A wrong answer (an HTTP error, not
 * JSON:API, pages that do not add up to meta.count, a page elsewhere) changes nothing: the
 * last good data stays, in localStorage, with the time it was fetched.
 *
 * Changes are against a snapshot of what the attendee last looked at (kept until they mark the
 * changes as seen): a new session, a new time, a new room, a removed session ("cancelled").
 * Exposes window.EventApp.live.
 */
(function (EventApp) {
  'use strict';

  var str = EventApp.safe.str;
  var PAGE_SIZE = 500;
  var MAX_PAGES = 40;
  var TIMEOUT_MS = 20000;
  var REFRESH_MS = 15 * 60 * 1000;
  var TICK_MS = 60 * 1000;
  var INCLUDES = ['track', 'microlocation', 'session-type', 'speakers'];
  var PUBLIC_STATES = { accepted: true, confirmed: true };
  var UNTITLED = 'Untitled session';
  var DEFAULT_TRACK_COLOR = '#607d8b';

  /** A wrong or missing answer from the API; ``message`` says what, for the status line. */
  function LiveError(message) {
    this.message = message;
  }
  LiveError.prototype.toString = function () { return this.message; };

  // ---------------------------------------------------------------- reading the API (pure)

  /** The first page of the event's sessions, as the generator asks for it. */
  function sessionsUrl(api) {
    var query = new URLSearchParams([['include', INCLUDES.join(',')],
      ['page[size]', String(PAGE_SIZE)], ['sort', 'id']]);
    return str(api).replace(/\/+$/, '') + '/sessions?' + query.toString();
  }

  /** The next page's absolute URL from a page's links.next, or null; a LiveError for one
   * on another origin. */
  function nextPageUrl(doc, currentUrl) {
    var next = doc && doc.links && doc.links.next;
    if (!next) return null;
    var url;
    try {
      url = new URL(str(next), currentUrl);
    } catch (e) {
      throw new LiveError('the server sent an unreadable next page link');
    }
    if (url.origin !== new URL(currentUrl).origin) throw new LiveError('the server sent a next page on another site');
    return url.href;
  }

  /** Checks one page of a JSON:API list; a LiveError saying what is wrong with it. */
  function checkPage(doc) {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new LiveError('the server did not send a JSON:API document');
    if (Array.isArray(doc.errors) && doc.errors.length) {
      var first = doc.errors[0] || {};
      throw new LiveError('the server said: ' + (str(first.detail || first.title) || 'error'));
    }
    if (!Array.isArray(doc.data)) throw new LiveError('the server sent no list of sessions');
    return doc;
  }

  function attr(resource, name) {
    var attributes = resource && resource.attributes;
    return attributes && typeof attributes === 'object' ? attributes[name] : undefined;
  }

  function text(value) {
    return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  }

  function related(resource, name) {
    var rel = resource && resource.relationships && resource.relationships[name];
    return rel && typeof rel === 'object' ? rel.data : undefined;
  }

  var ISO_TIME = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?))?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

  /** Minutes east of UTC of the IANA ``zone`` at ``ms`` (0 when the WebView lacks it). */
  function zoneOffset(zone, ms) {
    try {
      var parts = {};
      new Intl.DateTimeFormat('en-US', { timeZone: zone || 'UTC', hour12: false, year: 'numeric',
        month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
        .formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
      var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
      return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
    } catch (e) {
      return 0;
    }
  }

  function offsetText(minutes) {
    var abs = Math.abs(minutes);
    var h = Math.floor(abs / 60);
    var m = abs % 60;
    return (minutes < 0 ? '-' : '+') + (h < 10 ? '0' : '') + h + ':' + (m < 10 ? '0' : '') + m;
  }

  /**
   * An ISO 8601 time as the generator reads one (fields.parse_datetime: a date, a date-time,
   * with or without an offset), written with its offset: a time without one is on the
   * event's clock (``zone``), as the generator localizes it. null when it is not a time.
   */
  function normalizeTime(value, zone) {
    var m = typeof value === 'string' ? ISO_TIME.exec(value.trim()) : null;
    if (!m || !validFields(m[1], m[2])) return null;
    var local = m[1] + 'T' + (m[2] ? (m[2].length === 5 ? m[2] + ':00' : m[2]) : '00:00:00');
    var offset;
    if (m[3]) {
      var sign = m[3].charAt(0);
      var digits = m[3].replace(/[^0-9]/g, '');
      offset = m[3].toUpperCase() === 'Z' ? '+00:00' : sign + digits.slice(0, 2) + ':' + (digits.slice(2) || '00');
    } else {
      var guess = Date.parse(local + 'Z');
      if (isNaN(guess)) return null;
      // The offsets before and after a change near this time; a wall time that happens twice
      // takes the first (Python's fold=0), one that a change skips the offset before it.
      var before = zoneOffset(zone, guess - 86400000);
      var after = zoneOffset(zone, guess + 86400000);
      var fits = [before, after].filter(function (c) { return zoneOffset(zone, guess - c * 60000) === c; });
      offset = offsetText(fits.length ? fits[0] : before);
    }
    return isNaN(Date.parse(local + offset)) ? null : local + offset;
  }

  /** Whether a date and a time of day name a real day and clock time (not June 31, 25:00). */
  function validFields(date, time) {
    var d = date.split('-').map(Number);
    var day = new Date(Date.UTC(d[0], d[1] - 1, d[2]));
    if (day.getUTCFullYear() !== d[0] || day.getUTCMonth() !== d[1] - 1 || day.getUTCDate() !== d[2]) return false;
    var t = (time || '00:00:00').split(':').map(Number);
    return t[0] <= 23 && t[1] <= 59 && (t.length < 3 || t[2] < 60);
  }

  function isTime(value) {
    return normalizeTime(value, 'UTC') !== null;
  }

  function number(value) {
    var n = typeof value === 'string' && value.trim() ? Number(value) : value;
    return typeof n === 'number' && isFinite(n) ? n : null;
  }

  function floorOf(value) {
    var n = number(value);
    return n === null ? null : Math.round(n);
  }

  function color(value) {
    var t = text(value);
    return /^#[0-9a-fA-F]{6}$/.test(t) || /^#[0-9a-fA-F]{3}$/.test(t) ? t : DEFAULT_TRACK_COLOR;
  }

  function truthy(value) {
    if (typeof value === 'string') return /^(true|1|yes|y)$/i.test(value.trim());
    return value === true || value === 1;
  }

  /** Why a session is not public (publish.py's rule), or null when it is. */
  function whyNotPublic(resource, withStates) {
    if (text(attr(resource, 'deleted-at'))) return 'deleted';
    if (withStates) {
      var state = text(attr(resource, 'state')).toLowerCase();
      if (!state) return 'without a state';
      if (!PUBLIC_STATES[state]) return state;
    }
    return isTime(attr(resource, 'starts-at')) ? null : 'unscheduled';
  }

  /**
   * The event's public sessions and what they point to from the pages of the session list:
   * {sessions, tracks, rooms, session_types, speakers} in the shapes of data.js (speakers'
   * photos are the API's URLs; times without an offset are on the clock of ``zone``, the
   * event's). A LiveError when the pages do not hold every session
   * meta.count announces, or hold no session list at all.
   */
  function readSessions(pages, zone) {
    if (!pages.length) throw new LiveError('the server sent nothing');
    var included = new Map();
    var resources = [];
    pages.forEach(function (doc) {
      checkPage(doc);
      doc.data.forEach(function (r) {
        if (r && typeof r === 'object' && r.type === 'session' && r.id !== undefined && r.id !== null) resources.push(r);
      });
      (Array.isArray(doc.included) ? doc.included : []).forEach(function (r) {
        if (r && typeof r === 'object' && r.id !== undefined && r.id !== null) included.set(r.type + ':' + str(r.id), r);
      });
    });
    var count = pages[0].meta && pages[0].meta.count;
    if (typeof count === 'number' && resources.length < count) {
      throw new LiveError('the server sent ' + resources.length + ' of its ' + count + ' sessions');
    }
    var withStates = resources.some(function (r) { return !!text(attr(r, 'state')); });
    var tracks = new Map();
    var rooms = new Map();
    var types = new Map();
    var speakers = new Map();
    var seen = {};

    function find(kind, ref) {
      if (!ref || typeof ref !== 'object' || ref.id === undefined || ref.id === null) return null;
      return included.get(kind + ':' + str(ref.id)) || null;
    }

    var sessions = [];
    resources.forEach(function (r) {
      var id = str(r.id);
      if (seen[id] || whyNotPublic(r, withStates)) return;
      seen[id] = true;
      var start = normalizeTime(attr(r, 'starts-at'), zone);
      var end = normalizeTime(attr(r, 'ends-at'), zone);
      var track = find('track', related(r, 'track'));
      if (track && text(attr(track, 'name'))) {
        tracks.set(str(track.id), { id: str(track.id), name: text(attr(track, 'name')),
          color: color(attr(track, 'color')), description: text(attr(track, 'description')) });
      } else {
        track = null;
      }
      var room = find('microlocation', related(r, 'microlocation'));
      if (room && text(attr(room, 'name')) && !truthy(attr(room, 'hidden-in-scheduler'))) {
        rooms.set(str(room.id), { id: str(room.id), name: text(attr(room, 'name')),
          floor: floorOf(attr(room, 'floor')), latitude: number(attr(room, 'latitude')),
          longitude: number(attr(room, 'longitude')) });
      } else {
        room = null;
      }
      var type = find('session-type', related(r, 'session-type'));
      if (type && text(attr(type, 'name'))) {
        types.set(str(type.id), { id: str(type.id), name: text(attr(type, 'name')), length: text(attr(type, 'length')) });
      } else {
        type = null;
      }
      var speakerIds = [];
      var refs = related(r, 'speakers');
      (Array.isArray(refs) ? refs : []).forEach(function (ref) {
        var p = find('speaker', ref);
        if (!p || !text(attr(p, 'name')) || text(attr(p, 'deleted-at'))) return;
        var pid = str(p.id);
        if (speakerIds.indexOf(pid) === -1) speakerIds.push(pid);
        speakers.set(pid, { id: pid, name: text(attr(p, 'name')), organisation: text(attr(p, 'organisation')),
          position: text(attr(p, 'position')), short_biography: text(attr(p, 'short-biography')),
          long_biography: text(attr(p, 'long-biography')), photo: text(attr(p, 'photo-url')) || null,
          website: text(attr(p, 'website')), twitter: text(attr(p, 'twitter')),
          linkedin: text(attr(p, 'linkedin')), github: text(attr(p, 'github')), country: text(attr(p, 'country')) });
      });
      sessions.push({
        id: id,
        title: text(attr(r, 'title')) || UNTITLED,
        starts_at: start,
        ends_at: end && Date.parse(end) >= Date.parse(start) ? end : '',
        subtitle: text(attr(r, 'subtitle')),
        short_abstract: text(attr(r, 'short-abstract')),
        long_abstract: text(attr(r, 'long-abstract')),
        track_id: track ? str(track.id) : null,
        room_id: room ? str(room.id) : null,
        session_type_id: type ? str(type.id) : null,
        speaker_ids: speakerIds,
        level: text(attr(r, 'level')),
        language: text(attr(r, 'language')),
        slides_url: text(attr(r, 'slides-url')),
        video_url: text(attr(r, 'video-url')),
        audio_url: text(attr(r, 'audio-url')),
        signup_url: text(attr(r, 'signup-url'))
      });
    });
    // As the generator does: floors only when they tell the rooms apart.
    var floors = {};
    rooms.forEach(function (room) { if (room.floor !== null) floors[room.floor] = true; });
    if (Object.keys(floors).length < 2) rooms.forEach(function (room) { room.floor = null; });
    return { sessions: sessions, tracks: Array.from(tracks.values()), rooms: Array.from(rooms.values()),
      session_types: Array.from(types.values()), speakers: Array.from(speakers.values()) };
  }

  function byId(list) {
    var map = new Map();
    (list || []).forEach(function (item) { map.set(str(item.id), item); });
    return map;
  }

  /** Fields of ``fresh`` that have a value, over ``old`` (the build's richer entry). */
  function overlay(old, fresh, keepFromOld) {
    if (!old) return fresh;
    var out = Object.assign({}, old);
    Object.keys(fresh).forEach(function (key) {
      if (keepFromOld.indexOf(key) !== -1 && old[key]) return;
      var value = fresh[key];
      if (value !== null && value !== undefined && value !== '') out[key] = value;
    });
    return out;
  }

  /**
   * The app's data with the API's sessions in place of the build's: tracks, rooms, types and
   * speakers are the ones the sessions use, the build's entries updated with the API's
   * (photos placed in the app stay), new ones as the API has them.
   */
  function merge(base, fetched) {
    function combine(name, used, keep) {
      var old = byId(base[name]);
      var fresh = byId(fetched[name]);
      var out = [];
      var ids = Array.from(old.keys()).concat(Array.from(fresh.keys()).filter(function (id) { return !old.has(id); }));
      ids.forEach(function (id) {
        if (!used[id]) return;
        out.push(fresh.has(id) ? overlay(old.get(id), fresh.get(id), keep) : old.get(id));
      });
      return out;
    }
    var used = { track_id: {}, room_id: {}, session_type_id: {}, speakers: {} };
    fetched.sessions.forEach(function (s) {
      ['track_id', 'room_id', 'session_type_id'].forEach(function (key) { if (s[key]) used[key][s[key]] = true; });
      s.speaker_ids.forEach(function (id) { used.speakers[id] = true; });
    });
    var out = Object.assign({}, base);
    out.sessions = fetched.sessions;
    out.tracks = combine('tracks', used.track_id, []);
    out.rooms = combine('rooms', used.room_id, ['latitude', 'longitude']);
    out.session_types = combine('session_types', used.session_type_id, []);
    out.speakers = combine('speakers', used.speakers, ['photo']);
    return out;
  }

  // ---------------------------------------------------------------- changes (pure)

  /** What the attendee has seen of each session: title, times, room, track. */
  function snapshot(data) {
    var rooms = byId(data.rooms);
    var sessions = {};
    (data.sessions || []).forEach(function (s) {
      var room = rooms.get(str(s.room_id));
      sessions[str(s.id)] = { t: str(s.title), s: str(s.starts_at), e: str(s.ends_at), r: str(s.room_id),
        rn: room ? str(room.name) : '', k: str(s.track_id) };
    });
    return { v: 1, sessions: sessions };
  }

  function sameTime(a, b) {
    if (a === b) return true;
    var x = Date.parse(a);
    var y = Date.parse(b);
    return !isNaN(x) && x === y;
  }

  /**
   * What changed from the ``seen`` snapshot to ``data``: {byId: {id: {time, room, added,
   * was}}, removed: [{id, t, s, e, r, rn, k}], counts: {added, time, room, removed}, total}.
   */
  function changes(seen, data) {
    var before = (seen && seen.sessions) || {};
    var byIdOut = {};
    var counts = { added: 0, time: 0, room: 0, removed: 0 };
    var present = {};
    (data.sessions || []).forEach(function (s) {
      var id = str(s.id);
      present[id] = true;
      var was = before[id];
      if (!was) {
        byIdOut[id] = { added: true, time: false, room: false, was: null };
        counts.added++;
        return;
      }
      var time = !sameTime(was.s, str(s.starts_at)) || !sameTime(was.e, str(s.ends_at));
      var room = was.r !== str(s.room_id);
      if (time || room) {
        byIdOut[id] = { added: false, time: time, room: room, was: was };
        if (time) counts.time++;
        if (room) counts.room++;
      }
    });
    var removed = Object.keys(before).filter(function (id) { return !present[id]; }).map(function (id) {
      return Object.assign({ id: id }, before[id]);
    });
    counts.removed = removed.length;
    return { byId: byIdOut, removed: removed, counts: counts,
      total: Object.keys(byIdOut).length + removed.length };
  }

  /** "2 new sessions, 1 new time, 1 cancelled" ('' for none). */
  function changeSummary(counts) {
    function n(count, one, many) { return count ? count + ' ' + (count === 1 ? one : many) : ''; }
    return [n(counts.added, 'new session', 'new sessions'), n(counts.time, 'new time', 'new times'),
      n(counts.room, 'new room', 'new rooms'), n(counts.removed, 'cancelled', 'cancelled')]
      .filter(Boolean).join(', ');
  }

  /** A short fingerprint of the build's sessions: a cached update of another build is dropped. */
  function fingerprint(data) {
    var h = 2166136261;
    var textOf = JSON.stringify([str(data.event && data.event.id), (data.sessions || []).map(function (s) {
      return [s.id, s.starts_at, s.ends_at, s.room_id, s.title];
    })]);
    for (var i = 0; i < textOf.length; i++) {
      h ^= textOf.charCodeAt(i);
      h = Math.imul(h, 16777619) >>> 0;
    }
    return h.toString(36) + '.' + textOf.length.toString(36);
  }

  // ---------------------------------------------------------------- storage

  /**
   * The last good data from the API and the snapshot the attendee last looked at, in
   * localStorage under keys namespaced by the event id; in memory when it is unavailable.
   */
  function createLiveStore(eventId, build) {
    var storage = EventApp.openStorage();
    var prefix = 'apkgen.' + str(eventId) + '.';
    var memory = {};
    var stamp = fingerprint(build);

    function read(name) {
      var raw = storage ? storage.getItem(prefix + name) : memory[name];
      if (!raw) return null;
      try {
        return JSON.parse(raw);
      } catch (e) {
        console.warn('Saved ' + name + ' data was unreadable and is dropped.', e);
        return null;
      }
    }
    function write(name, value) {
      var raw = JSON.stringify(value);
      memory[name] = raw;
      if (!storage) return;
      try {
        storage.setItem(prefix + name, raw);
      } catch (e) {
        console.warn('Could not save the ' + name + ' data; it lasts until the app closes.', e);
      }
    }

    return {
      /** {at: ms, data} of the last good update of this build, or null. */
      loadUpdate: function () {
        var saved = read('live');
        return saved && saved.build === stamp && saved.data && Array.isArray(saved.data.sessions) &&
          typeof saved.at === 'number' ? saved : null;
      },
      saveUpdate: function (at, data) {
        write('live', { build: stamp, at: at, data: { sessions: data.sessions, tracks: data.tracks,
          rooms: data.rooms, session_types: data.session_types, speakers: data.speakers } });
      },
      loadSeen: function () {
        var seen = read('seen');
        return seen && seen.build === stamp && seen.sessions ? seen : null;
      },
      saveSeen: function (seen) {
        write('seen', Object.assign({ build: stamp }, seen));
      },
      /** Notes that the attendee looked at the app while ``at`` was the latest update. */
      saveLastCheck: function (at, error) { write('check', { at: at, error: error || '' }); },
      loadLastCheck: function () { return read('check'); }
    };
  }

  /** The build's data with a saved update applied over it. */
  function withUpdate(build, update) {
    return update ? Object.assign({}, build, update.data) : build;
  }

  // ---------------------------------------------------------------- the network

  /**
   * Refreshes the data from ``options.api`` at start, every 15 minutes while the page is
   * visible and online (checked each minute), when it comes back online or visible and an update is due, and on
   * refresh(). Calls ``options.onData(data, at)`` with each good update (saved first) and
   * ``options.onStatus({busy, at, error, offline})`` as its state changes. ``options.fetch``
   * and ``options.now`` default to the browser's.
   */
  function createUpdater(options) {
    var api = options.api;
    var fetchImpl = options.fetch || window.fetch.bind(window);
    var now = options.now || Date.now;
    var state = { busy: false, at: options.at || null, error: '', offline: false };
    var lastTry = 0;
    var timer = null;

    function status(patch) {
      Object.assign(state, patch);
      options.onStatus(Object.assign({}, state));
    }

    function getJson(url) {
      var controller = typeof AbortController === 'function' ? new AbortController() : null;
      var timeout = setTimeout(function () { if (controller) controller.abort(); }, TIMEOUT_MS);
      return fetchImpl(url, { headers: { Accept: 'application/vnd.api+json, application/json' },
        credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', mode: 'cors',
        signal: controller ? controller.signal : undefined })
        .then(function (response) {
          if (!response.ok) throw new LiveError('the server answered ' + response.status);
          return response.json().catch(function () { throw new LiveError('the server did not send JSON'); });
        }, function (e) {
          if (e instanceof LiveError) throw e;
          throw new LiveError(controller && controller.signal.aborted ? 'the server took too long to answer' : 'the server could not be reached');
        })
        .finally(function () { clearTimeout(timeout); });
    }

    function allPages(url) {
      var pages = [];
      var visited = {};
      function step(at) {
        if (visited[at]) return Promise.reject(new LiveError('the server sent pages that repeat'));
        if (pages.length >= MAX_PAGES) return Promise.reject(new LiveError('the server sent too many pages'));
        visited[at] = true;
        return getJson(at).then(function (doc) {
          pages.push(checkPage(doc));
          var next = nextPageUrl(doc, at);
          return next ? step(next) : pages;
        });
      }
      return step(url);
    }

    function refresh() {
      if (state.busy) return Promise.resolve(false);
      lastTry = now();
      if (typeof navigator !== 'undefined' && navigator.onLine === false) {
        status({ offline: true, error: '' });
        return Promise.resolve(false);
      }
      status({ busy: true });
      return allPages(sessionsUrl(api)).then(function (pages) {
        var fetched = readSessions(pages, options.zone);
        var at = now();
        options.onData(fetched, at);
        status({ busy: false, at: at, error: '', offline: false });
        return true;
      }).catch(function (e) {
        var message = e instanceof LiveError ? e.message : 'the update could not be read';
        if (!(e instanceof LiveError)) console.warn('The schedule update failed.', e);
        status({ busy: false, error: message, offline: typeof navigator !== 'undefined' && navigator.onLine === false });
        return false;
      });
    }

    function due() {
      return !document.hidden && now() - lastTry >= REFRESH_MS;
    }

    return {
      refresh: refresh,
      start: function () {
        refresh();
        timer = setInterval(function () { if (due()) refresh(); }, TICK_MS);
        window.addEventListener('online', function () { status({ offline: false }); refresh(); });
        window.addEventListener('offline', function () { status({ offline: true }); });
        document.addEventListener('visibilitychange', function () { if (due()) refresh(); });
      },
      stop: function () { if (timer) clearInterval(timer); },
      state: function () { return Object.assign({}, state); }
    };
  }

  EventApp.live = {
    REFRESH_MS: REFRESH_MS, sessionsUrl: sessionsUrl, nextPageUrl: nextPageUrl, readSessions: readSessions,
    whyNotPublic: whyNotPublic, normalizeTime: normalizeTime, merge: merge, snapshot: snapshot, changes: changes,
    changeSummary: changeSummary, fingerprint: fingerprint, createLiveStore: createLiveStore,
    withUpdate: withUpdate, createUpdater: createUpdater, LiveError: LiveError
  };
})(window.EventApp = window.EventApp || {});
