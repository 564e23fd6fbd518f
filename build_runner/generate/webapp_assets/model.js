/*
 * apkgen event app, part 2 of 3: the event data indexed, times in the event's timezone,
 * and the starred sessions kept in localStorage. No DOM here.
 *
 * Times: Intl.DateTimeFormat with timeZone = event.timezone when the WebView knows the zone,
 * else each ISO time is shown at its own UTC offset. Exposes window.EventApp.createModel(data)
 * and window.EventApp.createStarStore(eventId).
 */
(function (EventApp) {
  'use strict';

  var str = EventApp.safe.str;

  /** The times of one event: formatting and day keys in its timezone. */
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
    var formatters = {};

    function formatter(kind, zone) {
      var key = kind + '|' + zone;
      if (!formatters[key]) {
        var options = {
          day: { weekday: 'short', month: 'short', day: 'numeric' },
          longday: { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' },
          time: { hour: 'numeric', minute: '2-digit' },
          key: { year: 'numeric', month: '2-digit', day: '2-digit' }
        }[kind];
        options.timeZone = zone;
        formatters[key] = new Intl.DateTimeFormat(kind === 'key' ? 'en-US' : undefined, options);
      }
      return formatters[key];
    }

    /** The offset of an ISO 8601 time in minutes east of UTC (0 for Z or none). */
    function isoOffset(iso) {
      var match = /([+-])(\d\d):?(\d\d)$/.exec(iso);
      return match ? (match[1] === '-' ? -1 : 1) * (parseInt(match[2], 10) * 60 + parseInt(match[3], 10)) : 0;
    }

    /** {date, zone} to format an ISO time in the event's zone, or null if it is not a time. */
    function zoned(iso) {
      var text = str(iso);
      var ms = Date.parse(text);
      if (!text || isNaN(ms)) return null;
      if (ZONE) return { date: new Date(ms), zone: ZONE };
      return { date: new Date(ms + isoOffset(text) * 60000), zone: 'UTC' };
    }

    function fmt(kind, iso) {
      var z = zoned(iso);
      return z ? formatter(kind, z.zone).format(z.date) : '';
    }

    /** YYYY-MM-DD of an ISO time in the event's zone ('' when it is not a time). */
    function dayKey(iso) {
      var z = zoned(iso);
      if (!z) return '';
      var parts = {};
      formatter('key', z.zone).formatToParts(z.date).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + '-' + parts.month + '-' + parts.day;
    }

    function timeRange(session) {
      var start = fmt('time', session.starts_at);
      var end = fmt('time', session.ends_at);
      // Exports without times give sessions the same start and end: show one time then.
      return start && end && session.ends_at !== session.starts_at ? start + ' – ' + end : start;
    }

    function epoch(iso) {
      var ms = Date.parse(str(iso));
      return isNaN(ms) ? Infinity : ms;
    }

    return { fmt: fmt, dayKey: dayKey, timeRange: timeRange, epoch: epoch };
  }

  /** The event data with lookups by id, sessions in time order, and the days they fall on. */
  function createModel(data) {
    var clock = createClock(data.event.timezone);
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
    var sessions = (data.sessions || []).slice().sort(function (a, b) {
      return (epoch(a.starts_at) - epoch(b.starts_at)) || (epoch(a.ends_at) - epoch(b.ends_at)) ||
        str(a.title).localeCompare(str(b.title));
    });
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

    return {
      event: data.event, config: data.config || {}, sponsors: data.sponsors || [],
      tracks: tracks, rooms: rooms, speakers: speakers, sessionTypes: sessionTypes,
      sessions: sessions, sessionsById: sessionsById, sessionsBySpeaker: sessionsBySpeaker,
      days: days, dayLabels: dayLabels, speakersOf: speakersOf,
      fmt: fmt, dayKey: dayKey, timeRange: clock.timeRange
    };
  }

  /**
   * The starred session ids of one event, saved in localStorage under a key namespaced by the
   * event id. Without localStorage (it can be switched off) stars last until the app closes.
   */
  function createStarStore(eventId) {
    var key = 'apkgen.' + str(eventId) + '.starred';
    var storage = (function () {
      try {
        var probe = 'apkgen.probe';
        window.localStorage.setItem(probe, probe);
        window.localStorage.removeItem(probe);
        return window.localStorage;
      } catch (e) {
        console.warn('localStorage is not available; stars last until the app closes.', e);
        return null;
      }
    })();

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
  EventApp.createStarStore = createStarStore;
})(window.EventApp = window.EventApp || {});
