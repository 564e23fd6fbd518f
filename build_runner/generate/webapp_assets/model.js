/*
 * apkgen event app, part 2 of 3 (first of model.js, live.js, actions.js): the event data
 * indexed, times in the event's timezone (or the device's, when the attendee asks), conflicts
 * between sessions, "now", and the starred sessions kept in localStorage. No DOM here.
 *
 * Times: each ISO time becomes its "wall time" (the clock on the venue's wall) and the UTC
 * offset that goes with it: from Intl with timeZone = event.timezone when the WebView knows
 * the zone, else the offset written in the ISO time itself. Times are shown with a label of
 * that offset ("GMT+8", "GMT-7", "GMT+5:30", "GMT"), so the label is right across a DST
 * change and for events whose zone is only known from their offsets.
 * A session's ends_at may be "" (the export had an end before the start): it has a start only.
 * A session that starts and ends at midnight (in the event's zone) is a placeholder: its time
 * is to be announced.
 * Exposes window.EventApp.createModel(data, options), createStarStore(eventId),
 * openStorage(), conflicts(), sortSpeakers() and sponsorGroups().
 */
(function (EventApp) {
  'use strict';

  var str = EventApp.safe.str;
  var TBA = 'Time to be announced';

  /** "GMT", "GMT+8", "GMT-7", "GMT+5:30" for an offset in minutes east of UTC. */
  function offsetLabel(minutes) {
    if (!minutes) return 'GMT';
    var abs = Math.abs(minutes);
    var mins = abs % 60;
    return 'GMT' + (minutes < 0 ? '-' : '+') + Math.floor(abs / 60) + (mins ? ':' + (mins < 10 ? '0' : '') + mins : '');
  }

  /** The times of one event: formatting, day keys and zone labels in its timezone. */
  function createClock(timezone) {
    function timezoneWorks(tz) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz }).format(new Date(0));
        return true;
      } catch (e) {
        return false;
      }
    }

    // The event's IANA zone when the WebView knows it; else each time's own UTC offset.
    var ZONE = timezone && timezoneWorks(timezone) ? timezone : null;
    var zoneParts = ZONE ? new Intl.DateTimeFormat('en-US', {
      timeZone: ZONE, hour12: false, year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric'
    }) : null;
    var formatters = {};

    // Wall times are formatted as UTC: their clock fields already are the venue's.
    function formatter(kind) {
      if (!formatters[kind]) {
        var options = {
          day: { weekday: 'short', month: 'short', day: 'numeric' },
          longday: { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' },
          time: { hour: 'numeric', minute: '2-digit' }
        }[kind];
        options.timeZone = 'UTC';
        formatters[kind] = new Intl.DateTimeFormat(undefined, options);
      }
      return formatters[kind];
    }

    /** The offset of an ISO 8601 time in minutes east of UTC (0 for Z or none). */
    function isoOffset(iso) {
      var match = /([+-])(\d\d):?(\d\d)$/.exec(iso);
      return match ? (match[1] === '-' ? -1 : 1) * (parseInt(match[2], 10) * 60 + parseInt(match[3], 10)) : 0;
    }

    // Offsets change at whole quarter hours of UTC: one lookup per quarter hour is enough.
    var offsets = new Map();

    /** The offset of ZONE at an instant, in minutes east of UTC. */
    function zoneOffset(ms) {
      var quarter = Math.floor(ms / 900000);
      if (!offsets.has(quarter)) offsets.set(quarter, exactOffset(quarter * 900000));
      return offsets.get(quarter);
    }

    function exactOffset(ms) {
      var parts = {};
      zoneParts.formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
      var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
      return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
    }

    var cache = new Map();
    /** {ms, offset, wall} of an ISO time (wall: a Date whose UTC fields are the local clock). */
    function moment(iso) {
      var text = str(iso);
      if (cache.has(text)) return cache.get(text);
      var ms = text ? Date.parse(text) : NaN;
      var result = null;
      if (!isNaN(ms)) {
        var offset = ZONE ? zoneOffset(ms) : isoOffset(text);
        result = { ms: ms, offset: offset, wall: new Date(ms + offset * 60000) };
      }
      cache.set(text, result);
      return result;
    }

    function fmt(kind, iso) {
      var m = moment(iso);
      return m ? formatter(kind).format(m.wall) : '';
    }

    /** The zone label of an ISO time ("GMT-7"), '' when it is not a time. */
    function zoneLabel(iso) {
      var m = moment(iso);
      return m ? offsetLabel(m.offset) : '';
    }

    function pad(n) {
      return (n < 10 ? '0' : '') + n;
    }

    /** YYYY-MM-DD of an ISO time in the event's zone ('' when it is not a time). */
    function dayKey(iso) {
      var m = moment(iso);
      if (!m) return '';
      return m.wall.getUTCFullYear() + '-' + pad(m.wall.getUTCMonth() + 1) + '-' + pad(m.wall.getUTCDate());
    }

    function epoch(iso) {
      var m = moment(iso);
      return m ? m.ms : Infinity;
    }

    /** Whether the session has an end after its start ('' and an end at the start do not). */
    function hasEnd(session) {
      var start = moment(session.starts_at);
      var end = moment(session.ends_at);
      return !!(start && end && end.ms > start.ms);
    }

    /** A zero-length session at midnight: real exports' placeholder for "no time yet". */
    function isPlaceholder(session) {
      var start = moment(session.starts_at);
      var end = moment(session.ends_at);
      return !!(start && end && start.ms === end.ms && start.wall.getTime() % 86400000 === 0);
    }

    /**
     * "9:00 AM – 9:45 AM", the start alone when there is no end, with the zone label when
     * ``withZone`` (and always on both ends when a DST change falls inside the session).
     */
    function timeRange(session, withZone) {
      if (isPlaceholder(session)) return TBA;
      var start = fmt('time', session.starts_at);
      if (!start) return '';
      var startZone = zoneLabel(session.starts_at);
      if (!hasEnd(session)) return withZone ? start + ' ' + startZone : start;
      var end = fmt('time', session.ends_at);
      var endZone = zoneLabel(session.ends_at);
      if (endZone !== startZone) return start + ' ' + startZone + ' – ' + end + ' ' + endZone;
      return start + ' – ' + end + (withZone ? ' ' + endZone : '');
    }

    /** The one zone label of all these sessions' times, or '' when they differ (DST). */
    function commonZone(sessions) {
      var labels = {};
      sessions.forEach(function (s) {
        if (isPlaceholder(s)) return;
        [s.starts_at, hasEnd(s) ? s.ends_at : ''].forEach(function (iso) {
          var label = zoneLabel(iso);
          if (label) labels[label] = true;
        });
      });
      var found = Object.keys(labels);
      return found.length === 1 ? found[0] : '';
    }

    return {
      fmt: fmt, dayKey: dayKey, timeRange: timeRange, epoch: epoch, hasEnd: hasEnd,
      isPlaceholder: isPlaceholder, zoneLabel: zoneLabel, commonZone: commonZone
    };
  }

  // Words that name no tier: "Gold Sponsors", "Gold sponsor" and "Gold Level" are one tier.
  // "Sponser" is how real exports (SparkSummit17) spell it next to "Sponsor".
  var TIER_NOISE = /\b(?:sponsors?|sponsers?|sponsorship|partners?|level|tier)\b/g;

  function tierKey(type) {
    var words = str(type).toLowerCase().replace(/[\s.,:;!?()\[\]'"\u2019_-]+/g, ' ').trim();
    return words.replace(TIER_NOISE, ' ').replace(/\s+/g, ' ').trim() ||
      words.replace(/(\w)s\b/g, '$1');
  }

  /**
   * Sponsors in groups, the highest level (the largest number) first: one group per type
   * (types spelled alike are one), placed by its highest level; sponsors without a type are
   * grouped by level. Each group: {heading, typed, items}, items by level then name. The
   * heading is the type as most sponsors of the group spell it; untyped groups are "Sponsors"
   * (or "Other sponsors" when other groups have a type).
   */
  function sponsorGroups(sponsors) {
    var byKey = new Map();
    (sponsors || []).forEach(function (s, i) {
      var type = str(s.type).trim();
      var level = Number(s.level) || 0;
      var key = type ? 'type:' + tierKey(type) : 'level:' + level;
      if (!byKey.has(key)) byKey.set(key, { typed: !!type, first: i, top: level, spellings: new Map(), items: [] });
      var group = byKey.get(key);
      group.top = Math.max(group.top, level);
      if (type) group.spellings.set(type, (group.spellings.get(type) || 0) + 1);
      group.items.push({ s: s, level: level });
    });
    var groups = Array.from(byKey.values()).sort(function (a, b) {
      return b.top - a.top || a.first - b.first;
    });
    var anyTyped = groups.some(function (g) { return g.typed; });
    return groups.map(function (g) {
      var spellings = Array.from(g.spellings.keys()).sort(function (a, b) {
        return g.spellings.get(b) - g.spellings.get(a) || /sponser/i.test(a) - /sponser/i.test(b);
      });
      return {
        heading: spellings[0] || (anyTyped ? 'Other sponsors' : 'Sponsors'),
        typed: g.typed,
        items: g.items.sort(function (a, b) {
          return b.level - a.level || str(a.s.name).localeCompare(str(b.s.name));
        }).map(function (item) { return item.s; })
      };
    });
  }

  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** The device's IANA zone ('' when the WebView does not say). */
  function deviceZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) {
      return '';
    }
  }

  /**
   * The event data with lookups by id, sessions in time order, and the days they fall on.
   * ``options.zone``: the IANA zone to show times in (default: the event's).
   */
  function createModel(data, options) {
    var eventClock = createClock(data.event.timezone);
    var zone = options && options.zone;
    var clock = zone && zone !== data.event.timezone ? createClock(zone) : eventClock;
    var fmt = clock.fmt;
    var dayKey = clock.dayKey;
    var epoch = clock.epoch;

    function index(list) {
      var map = new Map();
      (list || []).forEach(function (item) { map.set(str(item.id), item); });
      return map;
    }

    var tracks = index(data.tracks);
    var rooms = index(data.rooms);
    var speakers = index(data.speakers);
    var sessionTypes = index(data.session_types);
    // By day, a day's placeholders after its timed sessions, then start, end and title.
    var sessions = (data.sessions || []).map(function (s) {
      var day = dayKey(s.starts_at);
      var start = epoch(s.starts_at);
      return { s: s, day: day || '\uffff', tba: eventClock.isPlaceholder(s) ? 1 : 0, start: start,
        end: clock.hasEnd(s) ? epoch(s.ends_at) : start, title: str(s.title) };
    }).sort(function (a, b) {
      return compare(a.day, b.day) || a.tba - b.tba || compare(a.start, b.start) ||
        compare(a.end, b.end) || a.title.localeCompare(b.title);
    }).map(function (k) { return k.s; });
    var sessionsById = index(sessions);
    var sessionsBySpeaker = new Map();
    sessions.forEach(function (s) {
      (s.speaker_ids || []).forEach(function (id) {
        var key = str(id);
        if (!sessionsBySpeaker.has(key)) sessionsBySpeaker.set(key, []);
        sessionsBySpeaker.get(key).push(s);
      });
    });
    var days = [];
    sessions.forEach(function (s) {
      var key = dayKey(s.starts_at);
      if (days.indexOf(key) === -1) days.push(key);
    });
    var dayLabels = {};
    sessions.forEach(function (s) {
      var key = dayKey(s.starts_at);
      if (!(key in dayLabels)) dayLabels[key] = key ? fmt('day', s.starts_at) : 'Unscheduled';
    });

    function speakersOf(session) {
      return (session.speaker_ids || []).map(function (id) { return speakers.get(str(id)); }).filter(Boolean);
    }

    /** [start ms, end ms] of a timed session (end = start without an end); null for TBA. */
    function span(session) {
      if (eventClock.isPlaceholder(session)) return null;
      var start = clock.epoch(session.starts_at);
      if (!isFinite(start)) return null;
      return [start, clock.hasEnd(session) ? clock.epoch(session.ends_at) : start];
    }

    /**
     * Where "now" is in the schedule: {day, id} of the first session of today (in the zone
     * shown) that has not ended at ``nowMs`` (on now or next), or {day, id: null} when today's
     * sessions are over; null when today is not a day of the event.
     */
    function nowTarget(nowMs) {
      var today = dayKey(new Date(nowMs).toISOString());
      if (!today || days.indexOf(today) === -1) return null;
      for (var i = 0; i < sessions.length; i++) {
        var s = sessions[i];
        if (dayKey(s.starts_at) !== today) continue;
        var t = span(s);
        if (t && (t[1] > nowMs || (t[0] === t[1] && t[0] >= nowMs))) return { day: today, id: str(s.id) };
      }
      return { day: today, id: null };
    }

    return {
      event: data.event, config: data.config || {}, sponsors: data.sponsors || [],
      tracks: tracks, rooms: rooms, speakers: speakers, sessionTypes: sessionTypes,
      sessions: sessions, sessionsById: sessionsById, sessionsBySpeaker: sessionsBySpeaker,
      days: days, dayLabels: dayLabels, speakersOf: speakersOf,
      fmt: fmt, dayKey: dayKey, timeRange: clock.timeRange, zoneLabel: clock.zoneLabel,
      commonZone: clock.commonZone, isPlaceholder: eventClock.isPlaceholder, TBA: TBA,
      sponsorGroups: sponsorGroups(data.sponsors), span: span, nowTarget: nowTarget,
      epoch: clock.epoch, zone: clock === eventClock ? data.event.timezone : zone,
      eventZoneLabel: eventClock.zoneLabel
    };
  }

  /**
   * Which of these sessions overlap in time: a Map from each overlapping session's id to the
   * sessions it overlaps, in time order. ``span(session)`` gives [start, end] in ms or null
   * (not timed: it overlaps nothing). Sessions that only touch (one ends as the next starts)
   * do not overlap; a session without an end overlaps the sessions running at its start.
   */
  function conflicts(list, span) {
    var timed = [];
    list.forEach(function (s) {
      var t = span(s);
      if (t) timed.push({ s: s, start: t[0], end: t[1] });
    });
    timed.sort(function (a, b) { return a.start - b.start || a.end - b.end; });
    var found = new Map();
    function add(a, b) {
      var key = str(a.s.id);
      if (!found.has(key)) found.set(key, []);
      found.get(key).push(b.s);
    }
    var open = [];
    timed.forEach(function (item) {
      open = open.filter(function (o) { return o.end > item.start || (o.start === o.end && o.start === item.start); });
      open.forEach(function (o) {
        var overlaps = o.end > item.start || o.start === item.start;
        if (overlaps) {
          add(o, item);
          add(item, o);
        }
      });
      open.push(item);
    });
    found.forEach(function (others) {
      others.sort(function (a, b) { return span(a)[0] - span(b)[0]; });
    });
    return found;
  }

  /** Speakers by name, or by organisation (then name; those without one last). */
  function sortSpeakers(list, by) {
    function name(p) { return str(p.name).trim(); }
    function org(p) { return str(p.organisation).trim(); }
    return list.slice().sort(function (a, b) {
      if (by === 'organisation') {
        var oa = org(a);
        var ob = org(b);
        if (!oa !== !ob) return oa ? -1 : 1;
        var byOrg = oa.localeCompare(ob, undefined, { sensitivity: 'base' });
        if (byOrg) return byOrg;
      }
      return name(a).localeCompare(name(b), undefined, { sensitivity: 'base' });
    });
  }

  /**
   * The starred session ids of one event, saved in localStorage under a key namespaced by the
   * event id. Without localStorage (it can be switched off) stars last until the app closes.
   */
  var storageChecked = false;
  var storageFound = null;

  /** window.localStorage when it works, else null (it can be switched off). */
  function openStorage() {
    if (storageChecked) return storageFound;
    storageChecked = true;
    try {
      var probe = 'apkgen.probe';
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      storageFound = window.localStorage;
    } catch (e) {
      console.warn('localStorage is not available; stars and updates last until the app closes.', e);
    }
    return storageFound;
  }

  function createStarStore(eventId) {
    var key = 'apkgen.' + str(eventId) + '.starred';
    var storage = openStorage();

    function load() {
      if (!storage) return new Set();
      try {
        var value = JSON.parse(storage.getItem(key) || '[]');
        return new Set(Array.isArray(value) ? value.map(str) : []);
      } catch (e) {
        console.warn('The saved starred sessions were unreadable and are reset.', e);
        return new Set();
      }
    }

    var starred = load();
    return {
      key: key,
      has: function (id) { return starred.has(str(id)); },
      set: function (id, on) {
        if (on) starred.add(str(id)); else starred.delete(str(id));
        if (!storage) return;
        try {
          storage.setItem(key, JSON.stringify(Array.from(starred)));
        } catch (e) {
          console.warn('Could not save the starred sessions.', e);
        }
      }
    };
  }

  EventApp.createModel = createModel;
  EventApp.deviceZone = deviceZone;
  EventApp.conflicts = conflicts;
  EventApp.sortSpeakers = sortSpeakers;
  EventApp.openStorage = openStorage;
  EventApp.sponsorGroups = sponsorGroups;
  EventApp.createStarStore = createStarStore;
})(window.EventApp = window.EventApp || {});
