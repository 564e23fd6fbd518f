/*
 * apkgen event app, part 3 of 3: the views and the hash router. Reads window.EVENT_DATA
 * (data.js), the API it refreshes from (<meta name="apkgen-api">, absent: offline only), and
 * builds every node through EventApp.safe (safe.js).
 *
 * Routes (hash based, so the back button works): #/schedule?day=&track=&room=&type=,
 * #/starred, #/speakers?q=&sort=, #/speaker/ID, #/session/ID, #/tracks, #/track/ID, #/rooms,
 * #/room/ID, #/sponsors, #/about, #/search?q=.
 * Live data (live.js) replaces the sessions when it arrives; the page is drawn again in place.
 */
(function (EventApp) {
  'use strict';

  var safe = EventApp.safe;
  var actions = EventApp.actions;
  var live = EventApp.live;
  var el = safe.el;
  var str = safe.str;
  var safeUrl = safe.safeUrl;
  var safeAsset = safe.safeAsset;
  var safeColor = safe.safeColor;
  var textOn = safe.textOn;
  var externalLink = safe.externalLink;
  var route = safe.route;
  var richText = safe.richText;
  var plainText = safe.plainText;

  var main = document.getElementById('main');
  var titleEl = document.getElementById('page-title');
  var backButton = document.getElementById('back');
  var statusEl = document.getElementById('status');
  var toastEl = document.getElementById('toast');
  var topEl = document.querySelector('.top') || document.querySelector('.appbar');
  var subbar = document.getElementById('subbar');
  var built = window.EVENT_DATA;

  if (!built || !built.event) {
    main.textContent = '';
    main.appendChild(el('p', { class: 'empty', text: 'The event data (data.js) is missing.' }));
    return;
  }

  function meta(name) {
    var node = document.querySelector('meta[name="' + name + '"]');
    return node ? str(node.getAttribute('content')).trim() : '';
  }

  var API = safeUrl(meta('apkgen-api')) && /^https?:/i.test(meta('apkgen-api')) ? meta('apkgen-api') : '';
  var IMAGE_ORIGINS = meta('apkgen-images').split(/\s+/).filter(Boolean);
  var SHELL = actions.inShell(navigator.userAgent);
  var ROOM_SEARCH_MIN = 9;
  var eventId = str(built.event.id);
  var storage = EventApp.openStorage();
  var zoneKey = 'apkgen.' + eventId + '.zone';
  var stars = EventApp.createStarStore(eventId);
  var liveStore = API ? live.createLiveStore(eventId, built) : null;
  var saved = liveStore ? liveStore.loadUpdate() : null;

  // Everything below is (re)set by useData: the data shown and its model.
  var data, model, ev, APP_NAME, tracks, rooms, speakers, sessionTypes, sessions, sessionsById;
  var sessionsBySpeaker, days, dayLabels, speakersOf, fmt, dayKey, timeRange, commonZone;
  var isPlaceholder, seen, changed, removedById, searchIndex;
  var showDeviceZone = !!(storage && storage.getItem(zoneKey) === 'device');
  var DEVICE_ZONE = EventApp.deviceZone();

  function useData(next) {
    data = next;
    model = EventApp.createModel(data, { zone: showDeviceZone && DEVICE_ZONE ? DEVICE_ZONE : null });
    ev = model.event;
    APP_NAME = model.config.app_name || ev.name || 'Event';
    tracks = model.tracks;
    rooms = model.rooms;
    speakers = model.speakers;
    sessionTypes = model.sessionTypes;
    sessions = model.sessions;
    sessionsById = model.sessionsById;
    sessionsBySpeaker = model.sessionsBySpeaker;
    days = model.days;
    dayLabels = model.dayLabels;
    speakersOf = model.speakersOf;
    fmt = model.fmt;
    dayKey = model.dayKey;
    timeRange = model.timeRange;
    commonZone = model.commonZone;
    isPlaceholder = model.isPlaceholder;
    searchIndex = null;
    computeChanges();
  }

  function computeChanges() {
    changed = seen ? live.changes(seen, data) : { byId: {}, removed: [], counts: {}, total: 0 };
    removedById = new Map();
    changed.removed.forEach(function (r) {
      removedById.set(r.id, { id: r.id, title: r.t, starts_at: r.s, ends_at: r.e, room_id: r.r,
        room_name: r.rn, track_id: r.k, cancelled: true, speaker_ids: [] });
    });
  }

  useData(live.withUpdate(built, saved));
  if (liveStore) {
    seen = liveStore.loadSeen();
    if (!seen) {
      seen = live.snapshot(data);
      liveStore.saveSeen(seen);
    }
    computeChanges();
  }

  // Tracks and sponsors are tabs of their own when the event has any: one tap from anywhere.
  var hasSponsorsTab = model.sponsors.length > 0;
  var hasTracksTab = tracks.size > 0;
  document.querySelector('.tab[data-tab=sponsors]').hidden = !hasSponsorsTab;
  document.querySelector('.tab[data-tab=tracks]').hidden = !hasTracksTab;
  var searchLink = document.getElementById('search');

  // ---------------------------------------------------------------- small helpers

  function toast(text) {
    toastEl.textContent = text;
    toastEl.classList.add('shown');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { toastEl.classList.remove('shown'); }, 4000);
  }

  /** A photo placed in the app, or one on the API's image hosts; else null. */
  function safeImage(value) {
    var local = safeAsset(value);
    if (local) return local;
    var url = safeUrl(value);
    if (!url || !/^https?:/i.test(url)) return null;
    try {
      return IMAGE_ORIGINS.indexOf(new URL(url).origin) !== -1 ? url : null;
    } catch (e) {
      return null;
    }
  }

  function roomOf(session) {
    return rooms.get(str(session.room_id)) || null;
  }

  function roomName(session) {
    var room = roomOf(session);
    return room ? str(room.name) : str(session.room_name);
  }

  // ---------------------------------------------------------------- starred sessions

  function setStarred(id, on) {
    stars.set(id, on);
    Array.prototype.forEach.call(document.querySelectorAll('.star'), function (button) {
      if (button.getAttribute('data-session') === id) paintStar(button, on);
    });
  }

  function paintStar(button, on) {
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    var wide = button.classList.contains('star-wide');
    button.textContent = wide ? (on ? '★ In my schedule' : '☆ Add to my schedule') : (on ? '★' : '☆');
  }

  function starButton(session, wide) {
    var id = str(session.id);
    var button = el('button', {
      type: 'button',
      class: wide ? 'star star-wide' : 'star',
      'data-session': id,
      'aria-label': wide ? null : 'Star ' + str(session.title),
      onclick: function () {
        setStarred(id, !stars.has(id));
        if (currentRoute().name === 'starred') rerender();
      }
    });
    paintStar(button, stars.has(id));
    return button;
  }

  // ---------------------------------------------------------------- change marks

  function marksOf(session) {
    if (session.cancelled) return [['cancelled', 'Cancelled']];
    var c = changed.byId[str(session.id)];
    if (!c) return [];
    if (c.added) return [['added', 'New']];
    var out = [];
    if (c.time) out.push(['time', 'New time']);
    if (c.room) out.push(['room', 'New room']);
    return out;
  }

  function markChips(session) {
    var marks = marksOf(session);
    if (!marks.length) return null;
    return el('span', { class: 'marks' }, marks.map(function (m) {
      return el('span', { class: 'mark mark-' + m[0], text: m[1] });
    }));
  }

  /** "was Sat, Jun 10 · 9:00 AM" / "was in Room A" lines of a changed session. */
  function wasLines(session) {
    var c = changed.byId[str(session.id)];
    if (!c || !c.was) return [];
    var out = [];
    if (c.time) {
      var before = { starts_at: c.was.s, ends_at: c.was.e };
      out.push('Was ' + [fmt('day', c.was.s), timeRange(before, true)].filter(Boolean).join(' · '));
    }
    if (c.room) out.push(c.was.rn ? 'Was in ' + c.was.rn : 'Had no room');
    return out;
  }

  function starredChanges() {
    var n = 0;
    Object.keys(changed.byId).forEach(function (id) { if (stars.has(id)) n++; });
    changed.removed.forEach(function (r) { if (stars.has(r.id)) n++; });
    return n;
  }

  function changesBanner() {
    if (!changed.total) return null;
    var mine = starredChanges();
    var summary = live.changeSummary(changed.counts) + (mine ? ' (' + mine + ' in My schedule)' : '');
    return el('div', { class: 'changes', role: 'note' }, [
      el('p', null, [el('strong', { text: 'Changed since you last looked: ' }), summary]),
      el('button', { type: 'button', class: 'button', text: 'Mark as seen', onclick: function () {
        seen = live.snapshot(data);
        if (liveStore) liveStore.saveSeen(seen);
        computeChanges();
        rerender();
        toast('Changes marked as seen');
      } })
    ]);
  }

  // ---------------------------------------------------------------- shared pieces

  function trackColor(track) {
    return track ? safeColor(track.color) : null;
  }

  /**
   * A session in a list. ``withZone``: its time carries the zone label (lists across DST);
   * ``underTba``: it is under a "Time to be announced" heading, which says it already;
   * ``overlaps``: the sessions it overlaps in My schedule.
   */
  function sessionCard(session, withZone, underTba, overlaps) {
    var track = tracks.get(str(session.track_id));
    var meta = [underTba ? '' : timeRange(session, withZone)];
    var place = roomName(session);
    if (place) meta.push(place);
    var people = speakersOf(session).map(function (p) { return p.name; }).join(', ');
    var color = trackColor(track);
    var dot = null;
    if (track) {
      dot = el('span', { class: 'dot' });
      if (color) dot.style.backgroundColor = color;
    }
    var card = el('li', { class: 'card' + (session.cancelled ? ' card-cancelled' : ''), 'data-id': str(session.id) }, [
      el('a', { class: 'card-link', href: route('session', session.id) }, [
        markChips(session),
        el('span', { class: 'card-title', text: str(session.title) }),
        el('span', { class: 'card-meta' }, [meta.filter(Boolean).join(' · ')]),
        track ? el('span', { class: 'card-meta' }, [dot, str(track.name)]) : null,
        people ? el('span', { class: 'card-people', text: people }) : null,
        overlaps && overlaps.length ? el('span', { class: 'card-conflict', text: 'Overlaps with ' +
          overlaps.map(function (o) { return str(o.title); }).join(', ') }) : null
      ]),
      starButton(session, false)
    ]);
    if (color) card.style.borderLeftColor = color;
    return card;
  }

  /**
   * Sessions under headings: their start times (a day's placeholders last, under "Time to be
   * announced"), or their days when ``withDays``. The zone label is said once: above a list of
   * start times whose times all have the same one (else on each time heading), after each day
   * heading (else, on a day with a DST change, on each card). Each group is a section whose
   * heading stays in view while it scrolls. The first cards are drawn at once, the rest in
   * short tasks after (see later), so that a long day shows without a wait.
   */
  function sessionList(list, withDays, overlaps) {
    var box = el('div', { class: 'session-list' });
    var groups = [];
    list.forEach(function (s) {
      var heading = withDays
        ? dayLabels[dayKey(s.starts_at)] || 'Unscheduled'
        : isPlaceholder(s) ? model.TBA : fmt('time', s.starts_at) || 'Unscheduled';
      var last = groups[groups.length - 1];
      if (!last || last.heading !== heading) groups.push(last = { heading: heading, items: [] });
      last.items.push(s);
    });
    var listZone = withDays ? '' : commonZone(list);
    var bar = withDays ? null : zoneBar(listZone);
    if (bar) box.appendChild(bar);
    var steps = [];
    groups.forEach(function (g) {
      var tba = !withDays && isPlaceholder(g.items[0]);
      var zone = withDays ? commonZone(g.items) : (listZone || tba ? '' : model.zoneLabel(g.items[0].starts_at));
      var heading = g.heading + (zone && !listZone ? (withDays ? ' · ' : ' ') + zone : '');
      var cards = null;
      for (var i = 0; i < g.items.length; i += CARDS_PER_STEP) {
        steps.push((function (first, part) {
          return function () {
            if (first) {
              cards = el('ul', { class: 'cards' });
              box.appendChild(el('section', { class: 'slot' }, [el('h3', { class: 'slot-heading', text: heading }), cards]));
            }
            part.forEach(function (s) {
              cards.appendChild(sessionCard(s, withDays && !zone, tba, overlaps ? overlaps.get(str(s.id)) : null));
            });
          };
        })(i === 0, g.items.slice(i, i + CARDS_PER_STEP)));
      }
    });
    var now = Math.min(steps.length, Math.ceil(FIRST_CARDS / CARDS_PER_STEP));
    steps.slice(0, now).forEach(function (step) { step(); });
    steps.slice(now).forEach(later);
    return box;
  }

  // ---------------------------------------------------------------- drawing in steps

  // Cards drawn at once (a phone screen and a half), then per step; a task of steps lasts
  // about STEP_BUDGET_MS, so that scrolling and taps are never kept waiting long.
  var FIRST_CARDS = 16;
  var CARDS_PER_STEP = 4;
  var STEP_BUDGET_MS = 8;
  var pending = [];
  var pendingTimer = null;

  /** Runs ``step`` (which adds to the page being drawn) in a task after this one. */
  function later(step) {
    pending.push(step);
    main.setAttribute('aria-busy', 'true');
    if (pendingTimer === null) pendingTimer = setTimeout(runPending, 0);
  }

  function runPending() {
    pendingTimer = null;
    var until = performance.now() + STEP_BUDGET_MS;
    while (pending.length && performance.now() < until) pending.shift()();
    if (pending.length) pendingTimer = setTimeout(runPending, 0);
    else finished();
  }

  function finished() {
    main.removeAttribute('aria-busy');
    document.dispatchEvent(new CustomEvent('apkgen:complete'));
  }

  /** Runs the pending steps now, all of them or until ``enough()`` says so. */
  function flush(enough) {
    while (pending.length && !(enough && enough())) pending.shift()();
    if (!pending.length) {
      if (pendingTimer !== null) clearTimeout(pendingTimer);
      pendingTimer = null;
      if (main.hasAttribute('aria-busy')) finished();
    }
  }

  function dropPending() {
    pending = [];
    if (pendingTimer !== null) clearTimeout(pendingTimer);
    pendingTimer = null;
    main.removeAttribute('aria-busy');
  }

  /** Draws pending steps until the page is tall enough to scroll to ``y``. */
  function flushTo(y) {
    if (y > 0) flush(function () { return document.documentElement.scrollHeight >= y + window.innerHeight; });
  }

  /** The zone note ("Times in GMT+1") and the switch between event and device time. */
  function zoneBar(label) {
    var sample = ev.starts_at || (sessions[0] && sessions[0].starts_at) || '';
    var other = '';
    if (DEVICE_ZONE && sample) {
      var eventLabel = model.eventZoneLabel(sample);
      var deviceLabel = EventApp.createModel({ event: { timezone: DEVICE_ZONE }, sessions: [] }).zoneLabel(sample);
      if (eventLabel && deviceLabel && (eventLabel !== deviceLabel || showDeviceZone)) {
        other = showDeviceZone ? 'Show event time (' + eventLabel + ')' : 'Show my time (' + deviceLabel + ')';
      }
    }
    if (!label && !other) return null;
    return el('div', { class: 'zone-bar' }, [
      label ? el('p', { class: 'zone-note', text: 'Times in ' + label + (showDeviceZone ? ', your time' : '') }) : null,
      other ? el('button', { type: 'button', class: 'zone-switch', text: other, onclick: function () {
        showDeviceZone = !showDeviceZone;
        if (storage) {
          try {
            if (showDeviceZone) storage.setItem(zoneKey, 'device'); else storage.removeItem(zoneKey);
          } catch (e) {
            console.warn('Could not save the time zone choice.', e);
          }
        }
        useData(data);
        rerender();
      } }) : null
    ]);
  }

  function initials(name) {
    var words = str(name).trim().split(/\s+/).filter(Boolean);
    var letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
    return letters.map(function (w) { return Array.from(w)[0].toUpperCase(); }).join('') || '?';
  }

  function avatar(speaker, large) {
    var cls = large ? 'avatar avatar-large' : 'avatar';
    var placeholder = el('span', { class: cls, 'aria-hidden': 'true', text: initials(speaker.name) });
    var src = safeImage(speaker.photo);
    if (!src) return placeholder;
    var img = el('img', { class: cls, src: src, alt: '', loading: large ? null : 'lazy' });
    img.addEventListener('error', function () {
      if (img.parentNode) img.parentNode.replaceChild(placeholder, img);
    });
    return img;
  }

  function speakerSub(speaker) {
    return [str(speaker.position), str(speaker.organisation)].filter(Boolean).join(', ');
  }

  function speakerRow(speaker) {
    var sub = speakerSub(speaker);
    return el('li', null, [
      el('a', { class: 'row', href: route('speaker', speaker.id) }, [
        avatar(speaker, false),
        el('span', { class: 'row-text' }, [
          el('span', { class: 'row-title', text: str(speaker.name) }),
          sub ? el('span', { class: 'row-sub', text: sub }) : null
        ])
      ])
    ]);
  }

  /** "Floor 2", "Ground floor" for 0, '' when the room's floor is unknown (null). */
  function floorLabel(room) {
    var floor = room ? room.floor : null;
    if (typeof floor === 'string' && /^-?\d+$/.test(floor.trim())) floor = parseInt(floor, 10);
    if (typeof floor !== 'number' || !isFinite(floor)) return '';
    return floor === 0 ? 'Ground floor' : 'Floor ' + floor;
  }

  function empty(text, link) {
    return el('div', { class: 'empty' }, [el('p', { text: text }), link || null]);
  }

  function notFound(what) {
    return page(what + ' not found', [
      empty('This ' + what.toLowerCase() + ' is not in the event data.',
        el('a', { href: '#/schedule', text: 'Back to the schedule' }))
    ], true);
  }

  function page(title, nodes, isDetail, sub) {
    return { title: title, nodes: nodes, detail: !!isDetail, sub: sub || null };
  }

  // ---------------------------------------------------------------- session actions

  /** Where a session takes place: its room's coordinates, else the event's, and the address. */
  function placeOf(session) {
    var room = roomOf(session);
    var fromRoom = room && actions.coordinates(room.latitude, room.longitude);
    var at = fromRoom || actions.coordinates(ev.latitude, ev.longitude);
    var label = [room ? str(room.name) : '', str(ev.location_name)].filter(Boolean).join(', ');
    return { lat: at ? at.lat : null, lng: at ? at.lng : null, label: label || str(ev.name),
      address: str(ev.location_name) };
  }

  /** Rich text as one line of plain text: blocks become spaces, inline tags vanish. */
  function oneLine(value) {
    var text = str(value).replace(/<\/?(?:p|br|li|div|h[1-6]|ul|ol|blockquote|tr|td|th)\b[^>]*>/gi, ' ')
      .replace(/<[^>]*>/g, '');
    return safe.decodeEntities(text).replace(/\s+/g, ' ').trim();
  }

  function sessionDescription(session) {
    var people = speakersOf(session).map(function (p) { return str(p.name); }).join(', ');
    var abstract = oneLine(session.short_abstract || session.long_abstract);
    return [people ? 'With ' + people : '', abstract, APP_NAME].filter(Boolean).join('\n\n');
  }

  function shareText(session) {
    var when = [fmt('day', session.starts_at), timeRange(session, true)].filter(Boolean).join(' · ');
    var link = (ev.links || []).map(function (l) { return safeUrl(l.url); }).filter(function (u) {
      return u && /^https?:/i.test(u);
    })[0] || '';
    return [str(session.title), [when, roomName(session)].filter(Boolean).join(' · '),
      str(ev.name), link].filter(Boolean).join('\n');
  }

  function downloadIcs(session, span, place) {
    var text = actions.icsFile({
      uid: str(session.id) + '@' + eventId + '.apkgen', stamp: Date.now(), title: str(session.title),
      begin: span[0], end: span[1], location: place.label, description: sessionDescription(session),
      geo: place.lat !== null ? { lat: place.lat, lng: place.lng } : null
    });
    var url = URL.createObjectURL(new Blob([text], { type: 'text/calendar;charset=utf-8' }));
    var link = el('a', { href: url, download: actions.icsName(session.title), hidden: true });
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    toast('Calendar file downloaded');
  }

  function copyText(text) {
    function fallback() {
      var area = el('textarea', { class: 'visually-hidden', 'aria-hidden': 'true' });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(area);
      toast(ok ? 'Copied the session’s details' : 'Could not copy the session’s details');
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { toast('Copied the session’s details'); }, fallback);
    } else {
      fallback();
    }
  }

  /** Add to calendar, Share and Directions: Android intents in the shell, web ways elsewhere. */
  function sessionActions(session) {
    var span = model.span(session);
    var place = placeOf(session);
    var subject = str(session.title);
    var text = shareText(session);
    var items = [];
    if (SHELL) {
      if (span) {
        items.push(el('a', { class: 'action', href: actions.calendarIntent({ title: subject, begin: span[0],
          end: span[1], location: place.label, description: sessionDescription(session) }), text: 'Add to calendar' }));
      }
      items.push(el('a', { class: 'action', href: actions.shareIntent({ subject: subject, text: text }), text: 'Share' }));
      var geo = actions.geoUri(place);
      if (geo) items.push(el('a', { class: 'action', href: geo, text: 'Directions' }));
    } else {
      if (span) {
        items.push(el('button', { type: 'button', class: 'action', text: 'Add to calendar',
          onclick: function () { downloadIcs(session, span, place); } }));
      }
      items.push(el('button', { type: 'button', class: 'action', text: 'Share', onclick: function () {
        if (navigator.share) {
          navigator.share({ title: subject, text: text }).catch(function (e) {
            if (!e || e.name !== 'AbortError') copyText(text);
          });
        } else {
          copyText(text);
        }
      } }));
      var map = actions.mapUrl(place);
      if (map) items.push(externalLink(map, 'Directions', 'action'));
    }
    return el('div', { class: 'actions' }, items);
  }

  // ---------------------------------------------------------------- views

  function scheduleHref(day, filters) {
    var q = new URLSearchParams();
    if (day) q.set('day', day);
    ['track', 'room', 'type'].forEach(function (key) { if (filters[key]) q.set(key, filters[key]); });
    var text = q.toString();
    return '#/schedule' + (text ? '?' + text : '');
  }

  function used(map, key) {
    var ids = {};
    sessions.forEach(function (s) { if (s[key] !== null && s[key] !== undefined) ids[str(s[key])] = true; });
    return Array.from(map.values()).filter(function (item) { return ids[str(item.id)]; });
  }

  function filterSelect(label, allLabel, items, value, onchange) {
    var options = [el('option', { value: '', text: allLabel })].concat(items.map(function (item) {
      return el('option', { value: str(item.id), selected: str(item.id) === value, text: str(item.name) });
    }));
    return el('label', { class: 'filter' }, [
      el('span', { class: 'visually-hidden', text: label }),
      el('select', { onchange: onchange, 'data-filter': label.toLowerCase() }, options)
    ]);
  }

  /** A room filter one can type into: the rooms' names are its suggestions. */
  function roomSearch(items, value, apply) {
    var current = items.filter(function (r) { return str(r.id) === value; })[0];
    var input = el('input', {
      type: 'search', class: 'filter-input', list: 'room-options', 'data-filter': 'room-search',
      placeholder: 'All rooms', value: current ? str(current.name) : '', autocomplete: 'off',
      'aria-label': 'Room', enterkeyhint: 'search'
    });
    function choose() {
      var typed = input.value.trim().toLowerCase();
      if (!typed) return apply('');
      var exact = items.filter(function (r) { return str(r.name).trim().toLowerCase() === typed; });
      var partial = items.filter(function (r) { return str(r.name).toLowerCase().indexOf(typed) !== -1; });
      var found = exact[0] || (partial.length === 1 ? partial[0] : null);
      if (found) apply(str(found.id));
    }
    input.addEventListener('change', choose);
    input.addEventListener('search', choose);
    return el('div', { class: 'filter' }, [input, el('datalist', { id: 'room-options' }, items.map(function (r) {
      return el('option', { value: str(r.name) });
    }))]);
  }

  function todayKey(nowMs) {
    return dayKey(new Date(nowMs).toISOString());
  }

  function viewSchedule(params) {
    if (!sessions.length && !changed.removed.length) return page(APP_NAME, [empty('No sessions have been published yet.')]);
    var filters = { track: params.get('track') || '', room: params.get('room') || '', type: params.get('type') || '' };
    var now = Date.now();
    var allDays = days.slice();
    changed.removed.forEach(function (r) {
      var key = dayKey(r.s);
      if (key && allDays.indexOf(key) === -1) allDays.push(key);
    });
    allDays.sort(function (a, b) { return a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0; });
    var day = params.get('day');
    if (allDays.indexOf(day) === -1) day = allDays.indexOf(todayKey(now)) !== -1 ? todayKey(now) : allDays[0];
    var target = params.get('now') ? model.nowTarget(now) : null;

    var today = model.nowTarget(now);
    var chips = el('nav', { class: 'days', 'aria-label': 'Days' }, [
      today ? el('a', { class: 'chip chip-now', href: scheduleHref(today.day, filters) + '&now=1',
        text: 'Now', onclick: function (event) {
          event.preventDefault();
          // A new value each time, so that a second tap jumps again.
          location.replace(scheduleHref(today.day, filters) + '&now=' + Date.now());
        } }) : null
    ].concat(allDays.map(function (key) {
      var href = scheduleHref(key, filters);
      return el('a', {
        class: 'chip', href: href, 'aria-current': key === day ? 'true' : null,
        text: dayLabels[key] || fmt('day', (removedOn(key)[0] || {}).starts_at) || 'Unscheduled',
        onclick: function (event) { event.preventDefault(); location.replace(href); }
      });
    })));

    function apply(key, value) {
      var next = Object.assign({}, filters);
      next[key] = value;
      location.replace(scheduleHref(day, next));
    }
    var usedTracks = used(tracks, 'track_id');
    var usedRooms = used(rooms, 'room_id');
    var usedTypes = used(sessionTypes, 'session_type_id');
    var filterBar = el('div', { class: 'filters' }, [
      usedTracks.length > 1 ? filterSelect('Track', 'All tracks', usedTracks, filters.track, function (e) { apply('track', e.target.value); }) : null,
      usedRooms.length >= ROOM_SEARCH_MIN ? roomSearch(usedRooms, filters.room, function (id) { apply('room', id); })
        : usedRooms.length > 1 ? filterSelect('Room', 'All rooms', usedRooms, filters.room, function (e) { apply('room', e.target.value); }) : null,
      usedTypes.length > 1 ? filterSelect('Type', 'All session types', usedTypes, filters.type, function (e) { apply('type', e.target.value); }) : null
    ]);

    function matches(s) {
      return (!filters.track || str(s.track_id) === filters.track) && (!filters.room || str(s.room_id) === filters.room) &&
        (!filters.type || str(s.session_type_id) === filters.type);
    }
    var shown = sessions.filter(function (s) { return dayKey(s.starts_at) === day && matches(s); });
    var gone = removedOn(day).filter(matches);
    if (gone.length) shown = mergeByTime(shown, gone);
    var any = filters.track || filters.room || filters.type;
    var body = shown.length ? sessionList(shown, false) : empty('No sessions match these filters.',
      any ? el('a', { class: 'clear-filters', href: scheduleHref(day, {}), text: 'Show all sessions' }) : null);
    var result = page(APP_NAME, [changesBanner(), filterBar.childNodes.length ? filterBar : null, body], false, chips);
    if (target && target.day === day) {
      result.after = function () { jumpTo(target.id); };
    }
    return result;
  }

  function removedOn(day) {
    return Array.from(removedById.values()).filter(function (r) { return dayKey(r.starts_at) === day; });
  }

  function mergeByTime(list, extra) {
    return list.concat(extra).sort(function (a, b) {
      var ta = model.epoch(a.starts_at);
      var tb = model.epoch(b.starts_at);
      return (isPlaceholder(a) ? 1 : 0) - (isPlaceholder(b) ? 1 : 0) || ta - tb || str(a.title).localeCompare(str(b.title));
    });
  }

  /** Scrolls the card of session ``id`` (or the end of the day) to just under the headings. */
  function jumpTo(id) {
    var selector = id ? '.card[data-id="' + CSS.escape(id) + '"]' : null;
    flush(selector ? function () { return !!main.querySelector(selector); } : null);
    var card = selector ? main.querySelector(selector) : null;
    if (!card) {
      var cards = main.querySelectorAll('.card');
      card = cards[cards.length - 1];
      if (!card) return;
      toast('Today’s sessions are over');
    }
    var slot = card.closest('.slot');
    var first = slot && slot.querySelector('.card') === card ? slot : card;
    window.scrollTo(0, Math.max(0, first.getBoundingClientRect().top + window.scrollY - stickyHeight() - 4));
    var link = card.querySelector('.card-link');
    if (link) link.focus({ preventScroll: true });
  }

  function viewStarred() {
    var list = sessions.filter(function (s) { return stars.has(s.id); });
    var gone = Array.from(removedById.values()).filter(function (r) { return stars.has(r.id); });
    if (gone.length) list = mergeByTime(list, gone);
    if (!list.length) {
      return page('My schedule', [empty('Tap ☆ on a session to add it to your schedule.',
        el('a', { href: '#/schedule', text: 'Browse the schedule' }))]);
    }
    var overlaps = EventApp.conflicts(list.filter(function (s) { return !s.cancelled; }), model.span);
    var note = overlaps.size ? el('p', { class: 'conflicts', role: 'note', text: overlaps.size + ' of your sessions overlap: ' +
      'each says with which.' }) : null;
    return page('My schedule', [changesBanner(), note, sessionList(list, true, overlaps)]);
  }

  function viewCancelled(r) {
    var facts = el('ul', { class: 'facts' }, [
      el('li', { text: [fmt('day', r.starts_at), timeRange(r, true)].filter(Boolean).join(' · ') }),
      r.room_name ? el('li', { text: r.room_name }) : null
    ]);
    return page(str(r.title), [el('section', { class: 'detail' }, [
      markChips(r),
      el('h2', { text: str(r.title) }),
      facts,
      el('p', { text: 'This session is no longer in the schedule.' }),
      stars.has(r.id) ? starButton(r, true) : null
    ])], true);
  }

  function viewSession(id) {
    var s = sessionsById.get(id);
    if (!s) return removedById.has(id) ? viewCancelled(removedById.get(id)) : notFound('Session');
    var track = tracks.get(str(s.track_id));
    var room = roomOf(s);
    var type = sessionTypes.get(str(s.session_type_id));
    var badge = null;
    if (track) {
      badge = el('a', { class: 'badge', href: route('track', track.id), text: str(track.name) });
      var color = trackColor(track);
      if (color) {
        badge.style.backgroundColor = color;
        badge.style.color = textOn(color);
      } else {
        badge.style.color = 'var(--text)';
      }
    }
    var floor = floorLabel(room);
    var facts = el('ul', { class: 'facts' }, [
      el('li', { text: [fmt('day', s.starts_at), timeRange(s, true)].filter(Boolean).join(' · ') }),
      room ? el('li', null, [
        el('a', { href: route('room', room.id), text: str(room.name) }), floor ? ' · ' + floor : null
      ]) : null,
      [type && type.name, s.level, s.language].filter(Boolean).length
        ? el('li', { text: [type && type.name, s.level, s.language].filter(Boolean).join(' · ') }) : null
    ].concat(wasLines(s).map(function (line) { return el('li', { class: 'was', text: line }); })));
    var links = el('div', { class: 'links' }, [
      externalLink(s.slides_url, 'Slides'), externalLink(s.video_url, 'Video'),
      externalLink(s.audio_url, 'Audio'), externalLink(s.signup_url, 'Sign up')
    ]);
    var people = speakersOf(s);
    var clash = null;
    if (stars.has(s.id)) {
      var mine = sessions.filter(function (x) { return stars.has(x.id); });
      var others = EventApp.conflicts(mine, model.span).get(str(s.id));
      if (others && others.length) {
        clash = el('p', { class: 'card-conflict', text: 'Overlaps with ' + others.map(function (o) { return str(o.title); }).join(', ') + ' in your schedule' });
      }
    }
    return page(str(s.title), [
      el('section', { class: 'detail' }, [
        badge,
        markChips(s),
        el('h2', { text: str(s.title) }),
        s.subtitle ? el('p', { class: 'muted', text: str(s.subtitle) }) : null,
        facts,
        starButton(s, true),
        clash,
        sessionActions(s),
        richText(s.long_abstract || s.short_abstract),
        links.childNodes.length ? links : null
      ]),
      people.length ? el('h3', { text: people.length > 1 ? 'Speakers' : 'Speaker' }) : null,
      people.length ? el('ul', { class: 'rows' }, people.map(speakerRow)) : null
    ], true);
  }

  function viewSpeakers(params) {
    var all = Array.from(speakers.values());
    if (!all.length) return page('Speakers', [empty('No speakers have been published yet.')]);
    var by = params.get('sort') === 'organisation' ? 'organisation' : 'name';
    var query = params.get('q') || '';
    var list = EventApp.sortSpeakers(all, by);
    var rows = list.map(function (p) {
      var row = speakerRow(p);
      row.setAttribute('data-search', fold([p.name, p.organisation, p.position].join(' ')));
      return row;
    });
    var rowsBox = el('ul', { class: 'rows' }, rows);
    var none = el('p', { class: 'empty', hidden: true });
    function filter(value) {
      var words = fold(value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute('data-search');
        var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !ok;
        if (ok) shown++;
      });
      rowsBox.hidden = !shown;
      none.hidden = !!shown;
      none.textContent = shown ? '' : 'No speaker matches “' + value.trim() + '”.';
    }
    function href(q, sort) {
      var p = new URLSearchParams();
      if (q) p.set('q', q);
      if (sort !== 'name') p.set('sort', sort);
      var t = p.toString();
      return '#/speakers' + (t ? '?' + t : '');
    }
    var input = el('input', { type: 'search', class: 'search-input', value: query, placeholder: 'Search speakers',
      'aria-label': 'Search speakers by name or organisation', autocomplete: 'off', 'data-search': 'speakers',
      oninput: function () {
        history.replaceState(null, '', href(input.value, by));
        filter(input.value);
      } });
    var sort = el('label', { class: 'filter' }, [
      el('span', { class: 'visually-hidden', text: 'Sort speakers' }),
      el('select', { 'data-sort': 'speakers', onchange: function (e) { location.replace(href(input.value, e.target.value)); } }, [
        el('option', { value: 'name', selected: by === 'name', text: 'By name' }),
        el('option', { value: 'organisation', selected: by === 'organisation', text: 'By organisation' })
      ])
    ]);
    if (query) filter(query);
    return page('Speakers', [el('div', { class: 'filters speaker-tools' }, [
      el('form', { role: 'search', class: 'filter grow', onsubmit: function (e) { e.preventDefault(); input.blur(); } }, [input]),
      sort
    ]), rowsBox, none]);
  }

  function socialUrl(value, base) {
    var text = str(value).trim();
    if (!text) return null;
    if (safeUrl(text)) return safeUrl(text);
    var handle = text.replace(/^@/, '');
    return /^[A-Za-z0-9_.\-]+$/.test(handle) ? base + handle : null;
  }

  function viewSpeaker(id) {
    var p = speakers.get(id);
    if (!p) return notFound('Speaker');
    var sub = speakerSub(p);
    var links = el('div', { class: 'links' }, [
      externalLink(p.website, /^\s*mailto:/i.test(str(p.website)) ? 'Email' : 'Website'),
      externalLink(socialUrl(p.twitter, 'https://twitter.com/'), 'Twitter'),
      externalLink(socialUrl(p.linkedin, 'https://www.linkedin.com/in/'), 'LinkedIn'),
      externalLink(socialUrl(p.github, 'https://github.com/'), 'GitHub')
    ]);
    var own = sessionsBySpeaker.get(id) || [];
    return page(str(p.name), [
      el('section', { class: 'detail' }, [
        el('div', { class: 'person-head' }, [
          avatar(p, true),
          el('div', null, [
            el('h2', { text: str(p.name) }),
            sub ? el('p', { class: 'muted', text: sub }) : null,
            p.country ? el('p', { class: 'muted', text: str(p.country) }) : null
          ])
        ]),
        richText(p.long_biography || p.short_biography),
        links.childNodes.length ? links : null
      ]),
      own.length ? el('h3', { text: 'Sessions' }) : null,
      own.length ? sessionList(own, true) : null
    ], true);
  }

  function countLabel(n) {
    return n === 1 ? '1 session' : n + ' sessions';
  }

  function viewTracks() {
    var list = Array.from(tracks.values());
    if (!list.length) return page('Tracks', [empty('This event has no tracks.')], !hasTracksTab);
    var counts = {};
    sessions.forEach(function (s) { counts[str(s.track_id)] = (counts[str(s.track_id)] || 0) + 1; });
    return page('Tracks', [el('ul', { class: 'rows' }, list.map(function (t) {
      var dot = el('span', { class: 'dot' });
      var color = trackColor(t);
      if (color) dot.style.backgroundColor = color;
      return el('li', null, [el('a', { class: 'row', href: route('track', t.id) }, [
        el('span', { class: 'row-text' }, [
          el('span', { class: 'row-title' }, [dot, str(t.name)]),
          el('span', { class: 'row-sub', text: countLabel(counts[str(t.id)] || 0) })
        ])
      ])]);
    }))], !hasTracksTab);
  }

  function viewTrack(id) {
    var t = tracks.get(id);
    if (!t) return notFound('Track');
    var list = sessions.filter(function (s) { return str(s.track_id) === id; });
    return page(str(t.name), [
      t.description ? el('section', { class: 'detail' }, [richText(t.description)]) : null,
      list.length ? sessionList(list, true) : empty('No sessions in this track yet.')
    ], true);
  }

  function viewRooms() {
    var list = Array.from(rooms.values());
    if (!list.length) return page('Rooms', [empty('This event has no rooms.')], true);
    var counts = {};
    sessions.forEach(function (s) { counts[str(s.room_id)] = (counts[str(s.room_id)] || 0) + 1; });
    return page('Rooms', [el('ul', { class: 'rows' }, list.map(function (r) {
      var sub = [floorLabel(r), countLabel(counts[str(r.id)] || 0)];
      return el('li', null, [el('a', { class: 'row', href: route('room', r.id) }, [
        el('span', { class: 'row-text' }, [
          el('span', { class: 'row-title', text: str(r.name) }),
          el('span', { class: 'row-sub', text: sub.filter(Boolean).join(' · ') })
        ])
      ])]);
    }))], true);
  }

  function viewRoom(id) {
    var r = rooms.get(id);
    if (!r) return notFound('Room');
    var list = sessions.filter(function (s) { return str(s.room_id) === id; });
    var floor = floorLabel(r);
    return page(str(r.name), [
      floor ? el('p', { class: 'page-note', text: floor }) : null,
      list.length ? sessionList(list, true) : empty('No sessions in this room yet.')
    ], true);
  }

  function sponsorTile(s) {
    var logo = safeAsset(s.logo);
    var tile = externalLink(s.url, '', 'sponsor') || el('div', { class: 'sponsor' });
    if (logo) tile.appendChild(el('img', { src: logo, alt: '', loading: 'lazy' }));
    tile.appendChild(el('span', { text: str(s.name) }));
    return tile;
  }

  function viewSponsors() {
    var groups = model.sponsorGroups;
    var title = 'Sponsors';
    if (!groups.length) return page(title, [empty('No sponsors yet.')], true);
    var nodes = [];
    var lastHeading = null;
    groups.forEach(function (g) {
      // One untyped group needs no heading under the page's title; untyped levels share one.
      if (g.heading !== lastHeading && (groups.length > 1 || g.typed)) nodes.push(el('h3', { text: g.heading }));
      lastHeading = g.heading;
      nodes.push(el('div', { class: 'sponsors' }, g.items.map(sponsorTile)));
    });
    return page(title, nodes, !hasSponsorsTab);
  }

  function viewAbout() {
    var logo = safeAsset(ev.logo);
    var dates = [fmt('longday', ev.starts_at), fmt('longday', ev.ends_at)].filter(Boolean);
    if (dates.length === 2 && dates[0] === dates[1]) dates.pop();
    var email = str(ev.email || model.config.email).trim();
    var emailOk = /^[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+\.[^\s@<>"'(),;:]+$/.test(email);
    var links = el('div', { class: 'links' }, (ev.links || []).map(function (l) {
      return externalLink(l.url, str(l.label) || 'Website');
    }).concat([externalLink(ev.ticket_url, 'Tickets')]));
    var more = [
      ['Tracks', '#/tracks', hasTracksTab ? 0 : tracks.size], ['Rooms', '#/rooms', rooms.size]
    ].filter(function (item) { return item[2] > 0; });
    var venue = actions.coordinates(ev.latitude, ev.longitude) || ev.location_name
      ? sessionActionsPlace() : null;
    return page('About', [
      el('section', { class: 'detail' }, [
        logo ? el('img', { class: 'logo', src: logo, alt: str(ev.name) }) : null,
        el('h2', { text: str(ev.name) }),
        el('ul', { class: 'facts' }, [
          dates.length ? el('li', { text: dates.join(' – ') }) : null,
          ev.location_name ? el('li', { text: str(ev.location_name) }) : null,
          ev.organizer_name ? el('li', { text: 'Organized by ' + str(ev.organizer_name) }) : null,
          emailOk ? el('li', null, [el('a', { href: 'mailto:' + email, text: email })]) : null
        ]),
        venue,
        links.childNodes.length ? links : null
      ]),
      more.length ? el('h3', { text: 'More' }) : null,
      more.length ? el('ul', { class: 'rows' }, more.map(function (item) {
        return el('li', null, [el('a', { class: 'row', href: item[1] }, [
          el('span', { class: 'row-text' }, [el('span', { class: 'row-title', text: item[0] })]),
          el('span', { class: 'count', text: String(item[2]) })
        ])]);
      })) : null,
      ev.description ? el('h3', { text: 'About the event' }) : null,
      ev.description ? el('section', { class: 'detail' }, [richText(ev.description)]) : null,
      ev.organizer_description ? el('h3', { text: 'About the organizer' }) : null,
      ev.organizer_description ? el('section', { class: 'detail' }, [richText(ev.organizer_description)]) : null,
      ev.code_of_conduct ? el('h3', { text: 'Code of conduct' }) : null,
      ev.code_of_conduct ? el('section', { class: 'detail' }, [richText(ev.code_of_conduct)]) : null
    ]);
  }

  /** Directions to the venue, for the about page. */
  function sessionActionsPlace() {
    var place = { lat: null, lng: null, label: str(ev.location_name) || str(ev.name), address: str(ev.location_name) };
    var at = actions.coordinates(ev.latitude, ev.longitude);
    if (at) {
      place.lat = at.lat;
      place.lng = at.lng;
    }
    var href = SHELL ? actions.geoUri(place) : actions.mapUrl(place);
    if (!href) return null;
    var link = SHELL ? el('a', { class: 'action', href: href, text: 'Directions' }) : externalLink(href, 'Directions', 'action');
    return el('div', { class: 'actions' }, [link]);
  }

  // ---------------------------------------------------------------- search

  function fold(text) {
    return str(text).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  function buildSearchIndex() {
    return {
      sessions: sessions.map(function (s) {
        var names = speakersOf(s).map(function (p) { return p.name; }).join(' ');
        return { item: s, text: fold([s.title, s.subtitle, plainText(s.short_abstract), plainText(s.long_abstract), names].join(' ')) };
      }),
      speakers: Array.from(speakers.values()).map(function (p) {
        return { item: p, text: fold([p.name, p.organisation, p.position].join(' ')) };
      })
    };
  }

  function searchResults(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) return empty('Search sessions and speakers by title, abstract or name.');
    searchIndex = searchIndex || buildSearchIndex();
    var match = function (entry) { return words.every(function (w) { return entry.text.indexOf(w) !== -1; }); };
    var foundSessions = searchIndex.sessions.filter(match).map(function (e) { return e.item; });
    var foundSpeakers = searchIndex.speakers.filter(match).map(function (e) { return e.item; });
    if (!foundSessions.length && !foundSpeakers.length) return empty('Nothing matches “' + query.trim() + '”.');
    return el('div', null, [
      foundSpeakers.length ? el('h3', { text: 'Speakers' }) : null,
      foundSpeakers.length ? el('ul', { class: 'rows' }, foundSpeakers.map(speakerRow)) : null,
      foundSessions.length ? el('h3', { text: 'Sessions' }) : null,
      foundSessions.length ? sessionList(foundSessions, true) : null
    ]);
  }

  function viewSearch(params) {
    var query = params.get('q') || '';
    var results = el('div', { class: 'search-results', 'aria-live': 'polite' }, [searchResults(query)]);
    var input = el('input', {
      class: 'search-input', type: 'search', value: query, placeholder: 'Search sessions and speakers',
      'aria-label': 'Search sessions and speakers', autocomplete: 'off',
      oninput: function () {
        history.replaceState(null, '', input.value ? '#/search?q=' + encodeURIComponent(input.value) : '#/search');
        results.textContent = '';
        results.appendChild(searchResults(input.value));
      }
    });
    var form = el('form', { role: 'search', onsubmit: function (e) { e.preventDefault(); input.blur(); } }, [input]);
    // Opened from the app bar's search button: a page of its own, with a way back.
    return page('Search', [form, results], true);
  }

  // ---------------------------------------------------------------- live status

  function stamp(ms) {
    var d = new Date(ms);
    var sameDay = new Date().toDateString() === d.toDateString();
    var options = sameDay ? { hour: 'numeric', minute: '2-digit' }
      : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
    return (sameDay ? 'at ' : '') + new Intl.DateTimeFormat(undefined, options).format(d);
  }

  /** The line under the app bar: when the schedule was last updated, and why not now. */
  function paintStatus(state) {
    statusEl.textContent = '';
    if (!API) return;
    var last = state.at ? 'Last updated ' + stamp(state.at) + '.' : 'Showing the schedule the app was built with.';
    var message;
    if (state.busy && !state.at) message = 'Checking for schedule updates…';
    else if (state.offline) message = 'Offline. ' + last;
    else if (state.error) message = 'Could not update the schedule: ' + state.error + '. ' + last;
    else if (state.at) message = 'Schedule updated ' + stamp(state.at) + '.';
    else message = last;
    statusEl.className = 'status' + (state.error || state.offline ? ' status-problem' : '');
    statusEl.appendChild(el('span', { class: 'status-text', text: message }));
    if (!state.busy) {
      statusEl.appendChild(el('button', { type: 'button', class: 'status-action', text: state.error || state.offline ? 'Retry' : 'Update now',
        onclick: function () { if (updater) updater.refresh(); } }));
    }
  }

  // ---------------------------------------------------------------- router

  // The tab each page belongs to; null: the tab the user came from (sessions, search).
  var TABS = { schedule: 'schedule', starred: 'starred', speakers: 'speakers', speaker: 'speakers',
    search: null, about: 'about', tracks: hasTracksTab ? 'tracks' : 'about', track: hasTracksTab ? 'tracks' : 'about',
    rooms: 'about', room: 'about', sponsors: hasSponsorsTab ? 'sponsors' : 'about', session: null };
  var scrollPositions = {};
  var lastTab = 'schedule';

  function currentRoute() {
    var hash = location.hash.replace(/^#\/?/, '');
    var q = hash.indexOf('?');
    var path = q === -1 ? hash : hash.slice(0, q);
    var params = new URLSearchParams(q === -1 ? '' : hash.slice(q + 1));
    var parts = path.split('/').filter(Boolean).map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return null; }
    });
    return { name: parts[0] || 'schedule', id: parts[1], params: params, bad: parts.indexOf(null) !== -1 };
  }

  function view(r) {
    if (r.bad) return notFound('Page');
    switch (r.name) {
      case 'schedule': return viewSchedule(r.params);
      case 'starred': return viewStarred();
      case 'session': return viewSession(str(r.id));
      case 'speakers': return viewSpeakers(r.params);
      case 'speaker': return viewSpeaker(str(r.id));
      case 'tracks': return viewTracks();
      case 'track': return viewTrack(str(r.id));
      case 'rooms': return viewRooms();
      case 'room': return viewRoom(str(r.id));
      case 'sponsors': return viewSponsors();
      case 'about': return viewAbout();
      case 'search': return viewSearch(r.params);
      default: return notFound('Page');
    }
  }

  function stickyHeight() {
    return topEl ? topEl.getBoundingClientRect().height : 0;
  }

  var topHeight = -1;

  /** Tells the stylesheet how tall the sticky top is, so time headings stick under it. Runs
   * when its size changes (ResizeObserver: after layout, so nothing is laid out twice). */
  function measureTop() {
    var height = Math.round(stickyHeight());
    if (height === topHeight) return;
    topHeight = height;
    document.documentElement.style.setProperty('--top-h', height + 'px');
  }

  function draw(r, keepScroll) {
    var y = window.scrollY;
    dropPending();
    var result = view(r);
    main.textContent = '';
    result.nodes.forEach(function (node) { if (node) main.appendChild(node); });
    subbar.textContent = '';
    if (result.sub) subbar.appendChild(result.sub);
    subbar.hidden = !result.sub;
    if (typeof ResizeObserver !== 'function') measureTop();
    titleEl.textContent = result.title;
    document.title = result.title === APP_NAME ? APP_NAME : result.title + ' · ' + APP_NAME;
    backButton.hidden = !result.detail;
    searchLink.hidden = r.name === 'search';
    var tab = r.name in TABS ? TABS[r.name] || lastTab : 'schedule';
    lastTab = tab;
    Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (a) {
      if (a.getAttribute('data-tab') === tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (keepScroll && y) {
      flushTo(y);
      window.scrollTo(0, y);
    }
    return result;
  }

  function render(previousHash) {
    var before = window.scrollY;
    if (previousHash !== undefined) scrollPositions[previousHash] = before;
    var r = currentRoute();
    var result = draw(r, false);
    var searchInput = main.querySelector('.search-input');
    if (r.name === 'search' && searchInput && !searchInput.value) searchInput.focus();
    var y = scrollPositions[location.hash] || 0;
    flushTo(y);
    if (y || before) window.scrollTo(0, y);
    if (result.after) result.after();
    document.dispatchEvent(new CustomEvent('apkgen:rendered', { detail: { route: r.name } }));
  }

  /** Draws the page again in place (new data, a star or zone change), unless one is typing. */
  function rerender() {
    var r = currentRoute();
    var active = document.activeElement;
    if (r.name === 'search' || (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName) && main.contains(active))) return;
    draw(r, true);
    document.dispatchEvent(new CustomEvent('apkgen:rendered', { detail: { route: r.name } }));
  }

  window.addEventListener('hashchange', function (event) {
    var old = event.oldURL.indexOf('#') === -1 ? '' : event.oldURL.slice(event.oldURL.indexOf('#'));
    render(old);
  });
  backButton.addEventListener('click', function () {
    if (history.length > 1) history.back(); else location.hash = '#/schedule';
  });
  if (typeof ResizeObserver === 'function' && topEl) new ResizeObserver(measureTop).observe(topEl);

  var updater = null;
  if (API && liveStore) {
    updater = live.createUpdater({
      api: API,
      zone: str(built.event.timezone),
      at: saved ? saved.at : null,
      onData: function (fetched, at) {
        var next = live.merge(built, fetched);
        liveStore.saveUpdate(at, next);
        useData(next);
        rerender();
      },
      onStatus: paintStatus
    });
  }
  render();
  if (updater) {
    paintStatus(updater.state());
    updater.start();
  }
})(window.EventApp = window.EventApp || {});
