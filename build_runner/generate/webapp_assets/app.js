/*
 * apkgen event app, part 3 of 3: the views and the hash router. Reads window.EVENT_DATA
 * (data.js) and builds every node through EventApp.safe (safe.js).
 *
 * Routes (hash based, so the back button works): #/schedule?day=&track=&room=, #/starred,
 * #/speakers, #/speaker/ID, #/session/ID, #/tracks, #/track/ID, #/rooms, #/room/ID,
 * #/sponsors, #/about, #/search?q=.
 */
(function (EventApp) {
  'use strict';

  var safe = EventApp.safe;
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
  var data = window.EVENT_DATA;

  if (!data || !data.event) {
    main.textContent = '';
    main.appendChild(el('p', { class: 'empty', text: 'The event data (data.js) is missing.' }));
    return;
  }

  var model = EventApp.createModel(data);
  var ev = model.event;
  var APP_NAME = model.config.app_name || ev.name || 'Event';
  var tracks = model.tracks;
  var rooms = model.rooms;
  var speakers = model.speakers;
  var sessionTypes = model.sessionTypes;
  var sessions = model.sessions;
  var sessionsById = model.sessionsById;
  var sessionsBySpeaker = model.sessionsBySpeaker;
  var days = model.days;
  var dayLabels = model.dayLabels;
  var speakersOf = model.speakersOf;
  var fmt = model.fmt;
  var dayKey = model.dayKey;
  var timeRange = model.timeRange;
  var commonZone = model.commonZone;
  var isPlaceholder = model.isPlaceholder;
  var stars = EventApp.createStarStore(ev.id);
  // Sponsors are a tab of their own when the event has any: one tap from anywhere.
  var hasSponsorsTab = model.sponsors.length > 0;
  document.querySelector('.tab[data-tab=sponsors]').hidden = !hasSponsorsTab;
  var searchLink = document.getElementById('search');

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
      onclick: function () { setStarred(id, !stars.has(id)); }
    });
    paintStar(button, stars.has(id));
    return button;
  }

  // ---------------------------------------------------------------- shared pieces

  function trackColor(track) {
    return track ? safeColor(track.color) : null;
  }

  /**
   * A session in a list. ``withZone``: its time carries the zone label (lists across DST);
   * ``underTba``: it is under a "Time to be announced" heading, which says it already.
   */
  function sessionCard(session, withZone, underTba) {
    var track = tracks.get(str(session.track_id));
    var room = rooms.get(str(session.room_id));
    var meta = [underTba ? '' : timeRange(session, withZone)];
    if (room) meta.push(room.name);
    var people = speakersOf(session).map(function (p) { return p.name; }).join(', ');
    var color = trackColor(track);
    var dot = null;
    if (track) {
      dot = el('span', { class: 'dot' });
      if (color) dot.style.backgroundColor = color;
    }
    var card = el('li', { class: 'card' }, [
      el('a', { class: 'card-link', href: route('session', session.id) }, [
        el('span', { class: 'card-title', text: str(session.title) }),
        el('span', { class: 'card-meta' }, [meta.filter(Boolean).join(' · ')]),
        track ? el('span', { class: 'card-meta' }, [dot, str(track.name)]) : null,
        people ? el('span', { class: 'card-people', text: people }) : null
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
   * heading (else, on a day with a DST change, on each card).
   */
  function sessionList(list, withDays) {
    var box = el('div');
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
    if (listZone) box.appendChild(el('p', { class: 'zone-note', text: 'Times in ' + listZone }));
    groups.forEach(function (g) {
      var tba = !withDays && isPlaceholder(g.items[0]);
      var zone = withDays ? commonZone(g.items) : (listZone || tba ? '' : model.zoneLabel(g.items[0].starts_at));
      var heading = g.heading + (zone && !listZone ? (withDays ? ' · ' : ' ') + zone : '');
      box.appendChild(el('h3', { text: heading }));
      box.appendChild(el('ul', { class: 'cards' }, g.items.map(function (s) {
        return sessionCard(s, withDays && !zone, tba);
      })));
    });
    return box;
  }

  function initials(name) {
    var words = str(name).trim().split(/\s+/).filter(Boolean);
    var letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
    return letters.map(function (w) { return Array.from(w)[0].toUpperCase(); }).join('') || '?';
  }

  function avatar(speaker, large) {
    var cls = large ? 'avatar avatar-large' : 'avatar';
    var placeholder = el('span', { class: cls, 'aria-hidden': 'true', text: initials(speaker.name) });
    var src = safeAsset(speaker.photo);
    if (!src) return placeholder;
    var img = el('img', { class: cls, src: src, alt: '', loading: large ? null : 'lazy' });
    img.addEventListener('error', function () {
      if (img.parentNode) img.parentNode.replaceChild(placeholder, img);
    });
    return img;
  }

  function speakerRow(speaker) {
    var sub = [str(speaker.position), str(speaker.organisation)].filter(Boolean).join(', ');
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

  function page(title, nodes, isDetail) {
    return { title: title, nodes: nodes, detail: !!isDetail };
  }

  // ---------------------------------------------------------------- views

  function scheduleHref(day, track, room) {
    var q = new URLSearchParams();
    if (day) q.set('day', day);
    if (track) q.set('track', track);
    if (room) q.set('room', room);
    var text = q.toString();
    return '#/schedule' + (text ? '?' + text : '');
  }

  function todayKey() {
    return dayKey(new Date().toISOString());
  }

  function viewSchedule(params) {
    if (!sessions.length) return page(APP_NAME, [empty('No sessions have been published yet.')]);
    var trackId = params.get('track') || '';
    var roomId = params.get('room') || '';
    var day = params.get('day');
    if (days.indexOf(day) === -1) day = days.indexOf(todayKey()) !== -1 ? todayKey() : days[0];

    var chips = el('nav', { class: 'days', 'aria-label': 'Days' }, days.map(function (key) {
      var href = scheduleHref(key, trackId, roomId);
      return el('a', {
        class: 'chip', href: href, 'aria-current': key === day ? 'true' : null, text: dayLabels[key],
        onclick: function (event) { event.preventDefault(); location.replace(href); }
      });
    }));

    function select(label, allLabel, items, value, onchange) {
      var options = [el('option', { value: '', text: allLabel })].concat(items.map(function (item) {
        return el('option', { value: str(item.id), selected: str(item.id) === value, text: str(item.name) });
      }));
      return el('label', null, [
        el('span', { class: 'visually-hidden', text: label }),
        el('select', { onchange: onchange, 'data-filter': label.toLowerCase() }, options)
      ]);
    }
    var usedTracks = Array.from(tracks.values()).filter(function (t) {
      return sessions.some(function (s) { return str(s.track_id) === str(t.id); });
    });
    var usedRooms = Array.from(rooms.values()).filter(function (r) {
      return sessions.some(function (s) { return str(s.room_id) === str(r.id); });
    });
    var filters = el('div', { class: 'filters' }, [
      usedTracks.length > 1 ? select('Track', 'All tracks', usedTracks, trackId, function (e) {
        location.replace(scheduleHref(day, e.target.value, roomId));
      }) : null,
      usedRooms.length > 1 ? select('Room', 'All rooms', usedRooms, roomId, function (e) {
        location.replace(scheduleHref(day, trackId, e.target.value));
      }) : null
    ]);

    var shown = sessions.filter(function (s) {
      return dayKey(s.starts_at) === day &&
        (!trackId || str(s.track_id) === trackId) && (!roomId || str(s.room_id) === roomId);
    });
    var body = shown.length ? sessionList(shown, false) : empty('No sessions match these filters.',
      el('a', { class: 'clear-filters', href: scheduleHref(day, '', ''), text: 'Show all sessions' }));
    return page(APP_NAME, [chips, filters, body]);
  }

  function viewStarred() {
    var list = sessions.filter(function (s) { return stars.has(s.id); });
    if (!list.length) {
      return page('My schedule', [empty('Tap ☆ on a session to add it to your schedule.',
        el('a', { href: '#/schedule', text: 'Browse the schedule' }))]);
    }
    return page('My schedule', [sessionList(list, true)]);
  }

  function viewSession(id) {
    var s = sessionsById.get(id);
    if (!s) return notFound('Session');
    var track = tracks.get(str(s.track_id));
    var room = rooms.get(str(s.room_id));
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
    ]);
    var links = el('div', { class: 'links' }, [
      externalLink(s.slides_url, 'Slides'), externalLink(s.video_url, 'Video'),
      externalLink(s.audio_url, 'Audio'), externalLink(s.signup_url, 'Sign up')
    ]);
    var people = speakersOf(s);
    return page(str(s.title), [
      el('section', { class: 'detail' }, [
        badge,
        el('h2', { text: str(s.title) }),
        s.subtitle ? el('p', { class: 'muted', text: str(s.subtitle) }) : null,
        facts,
        starButton(s, true),
        richText(s.long_abstract || s.short_abstract),
        links.childNodes.length ? links : null
      ]),
      people.length ? el('h3', { text: people.length > 1 ? 'Speakers' : 'Speaker' }) : null,
      people.length ? el('ul', { class: 'rows' }, people.map(speakerRow)) : null
    ], true);
  }

  function viewSpeakers() {
    var list = Array.from(speakers.values()).sort(function (a, b) {
      return str(a.name).localeCompare(str(b.name));
    });
    if (!list.length) return page('Speakers', [empty('No speakers have been published yet.')]);
    return page('Speakers', [el('ul', { class: 'rows' }, list.map(speakerRow))]);
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
    var sub = [str(p.position), str(p.organisation)].filter(Boolean).join(', ');
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
    if (!list.length) return page('Tracks', [empty('This event has no tracks.')], true);
    return page('Tracks', [el('ul', { class: 'rows' }, list.map(function (t) {
      var dot = el('span', { class: 'dot' });
      var color = trackColor(t);
      if (color) dot.style.backgroundColor = color;
      var n = sessions.filter(function (s) { return str(s.track_id) === str(t.id); }).length;
      return el('li', null, [el('a', { class: 'row', href: route('track', t.id) }, [
        el('span', { class: 'row-text' }, [
          el('span', { class: 'row-title' }, [dot, str(t.name)]),
          el('span', { class: 'row-sub', text: countLabel(n) })
        ])
      ])]);
    }))], true);
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
    return page('Rooms', [el('ul', { class: 'rows' }, list.map(function (r) {
      var n = sessions.filter(function (s) { return str(s.room_id) === str(r.id); }).length;
      var sub = [floorLabel(r), countLabel(n)];
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
      ['Tracks', '#/tracks', tracks.size], ['Rooms', '#/rooms', rooms.size]
    ].filter(function (item) { return item[2] > 0; });
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

  // ---------------------------------------------------------------- search

  function fold(text) {
    return str(text).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }

  var searchIndex = null;
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

  // ---------------------------------------------------------------- router

  // The tab each page belongs to; null: the tab the user came from (sessions, search).
  var TABS = { schedule: 'schedule', starred: 'starred', speakers: 'speakers', speaker: 'speakers',
    search: null, about: 'about', tracks: 'about', track: 'about', rooms: 'about', room: 'about',
    sponsors: hasSponsorsTab ? 'sponsors' : 'about', session: null };
  var scrollPositions = {};
  var lastTab = 'schedule';

  function parseHash() {
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
      case 'speakers': return viewSpeakers();
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

  function render(previousHash) {
    if (previousHash !== undefined) scrollPositions[previousHash] = window.scrollY;
    var r = parseHash();
    var result = view(r);
    main.textContent = '';
    result.nodes.forEach(function (node) { if (node) main.appendChild(node); });
    titleEl.textContent = result.title;
    document.title = result.title === APP_NAME ? APP_NAME : result.title + ' · ' + APP_NAME;
    backButton.hidden = !result.detail;
    searchLink.hidden = r.name === 'search';
    var searchInput = main.querySelector('.search-input');
    if (searchInput && !searchInput.value) searchInput.focus();
    var tab = r.name in TABS ? TABS[r.name] || lastTab : 'schedule';
    lastTab = tab;
    Array.prototype.forEach.call(document.querySelectorAll('.tab'), function (a) {
      if (a.getAttribute('data-tab') === tab) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    window.scrollTo(0, scrollPositions[location.hash] || 0);
  }

  window.addEventListener('hashchange', function (event) {
    var old = event.oldURL.indexOf('#') === -1 ? '' : event.oldURL.slice(event.oldURL.indexOf('#'));
    render(old);
  });
  backButton.addEventListener('click', function () {
    if (history.length > 1) history.back(); else location.hash = '#/schedule';
  });
  render();
})(window.EventApp = window.EventApp || {});
