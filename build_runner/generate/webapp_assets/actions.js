/*
 * apkgen event app, model part 3 (actions.js): the links behind a session's "Add to calendar",
 * "Share" and "Directions". Pure: strings in, strings out; no DOM.
 *
 * Inside the Android shell (its WebView's user agent carries the token "apkgen-shell") the
 * app navigates to these URLs, which the shell hands to Android and allows nothing else:
 *   calendar:   intent:#Intent;action=android.intent.action.INSERT;
 *               type=vnd.android.cursor.dir/event;S.title=..;l.beginTime=<epoch ms>;
 *               l.endTime=<epoch ms>;S.eventLocation=..;S.description=..;end
 *   share:      intent:#Intent;action=android.intent.action.SEND;type=text/plain;
 *               S.android.intent.extra.SUBJECT=..;S.android.intent.extra.TEXT=..;end
 *   directions: geo:<lat>,<lng>?q=<lat>,<lng>(<label>) with coordinates, else geo:0,0?q=<address>
 * Every value is percent-encoded (all but A-Z a-z 0-9 - _ . ~), as Intent.parseUri decodes it.
 * In a plain browser the same buttons give an iCalendar file (RFC 5545, times in UTC), the Web
 * Share API or a copied text, and an OpenStreetMap link.
 * Exposes window.EventApp.actions.
 */
(function (EventApp) {
  'use strict';

  var str = EventApp.safe.str;
  var SHELL_TOKEN = /(^|[\s;(])apkgen-shell(\/[\w.]+)?($|[\s;)])/;
  // Intent extras are read from one URL: long descriptions are cut to keep it short.
  var MAX_DESCRIPTION = 1500;

  /** Whether the page runs inside the apkgen Android shell. */
  function inShell(userAgent) {
    return SHELL_TOKEN.test(str(userAgent));
  }

  /** Percent-encoding of everything but RFC 3986's unreserved characters. */
  function pct(value) {
    return encodeURIComponent(str(value)).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  function clip(value, max) {
    var text = str(value);
    return text.length > max ? text.slice(0, max - 1).replace(/\s+\S*$/, '') + '…' : text;
  }

  function whole(ms) {
    return String(Math.round(Number(ms)));
  }

  /**
   * The calendar intent of an event {title, begin, end (epoch ms), location, description}; an
   * event without an end ends at its start.
   */
  function calendarIntent(item) {
    var end = isFinite(item.end) && item.end >= item.begin ? item.end : item.begin;
    return 'intent:#Intent;action=android.intent.action.INSERT;type=vnd.android.cursor.dir/event;' +
      'S.title=' + pct(item.title) + ';l.beginTime=' + whole(item.begin) + ';l.endTime=' + whole(end) +
      ';S.eventLocation=' + pct(item.location) + ';S.description=' + pct(clip(item.description, MAX_DESCRIPTION)) +
      ';end';
  }

  /** The share intent of {subject, text}. */
  function shareIntent(item) {
    return 'intent:#Intent;action=android.intent.action.SEND;type=text/plain;' +
      'S.android.intent.extra.SUBJECT=' + pct(item.subject) + ';S.android.intent.extra.TEXT=' + pct(item.text) + ';end';
  }

  function coordinate(value, limit) {
    var n = typeof value === 'string' && value.trim() ? Number(value) : value;
    return typeof n === 'number' && isFinite(n) && Math.abs(n) <= limit ? n : null;
  }

  /** {lat, lng} when both are real coordinates (0,0 is "none" in exports), else null. */
  function coordinates(lat, lng) {
    var a = coordinate(lat, 90);
    var b = coordinate(lng, 180);
    return a === null || b === null || (a === 0 && b === 0) ? null : { lat: a, lng: b };
  }

  /** The geo: URI of a place {lat, lng, label} or {address}; null when it has neither. */
  function geoUri(place) {
    var at = coordinates(place.lat, place.lng);
    if (at) {
      var label = str(place.label).replace(/[()]/g, ' ').trim();
      return 'geo:' + at.lat + ',' + at.lng + '?q=' + at.lat + ',' + at.lng + (label ? '(' + pct(label) + ')' : '');
    }
    var address = str(place.address).trim();
    return address ? 'geo:0,0?q=' + pct(address) : null;
  }

  /** The OpenStreetMap page of a place {lat, lng} or {address}; null when it has neither. */
  function mapUrl(place) {
    var at = coordinates(place.lat, place.lng);
    if (at) return 'https://www.openstreetmap.org/?mlat=' + at.lat + '&mlon=' + at.lng + '#map=18/' + at.lat + '/' + at.lng;
    var address = str(place.address).trim();
    return address ? 'https://www.openstreetmap.org/search?query=' + pct(address) : null;
  }

  // ---------------------------------------------------------------- iCalendar (RFC 5545)

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  /** 20260314T080000Z: a UTC DATE-TIME (section 3.3.5, form #2). */
  function icsTime(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + 'T' +
      pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds()) + 'Z';
  }

  /** A TEXT value (section 3.3.11): backslash, semicolon, comma and newlines escaped. */
  function icsText(value) {
    return str(value).replace(/\r\n?/g, '\n').replace(/[\\;,]/g, function (c) { return '\\' + c; })
      .replace(/\n/g, '\\n');
  }

  function utf8Length(ch) {
    var code = ch.codePointAt(0);
    return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }

  /** A content line folded to at most 75 octets a line (section 3.1), never inside a character. */
  function fold(line) {
    var out = [];
    var current = '';
    var octets = 0;
    Array.from(line).forEach(function (ch) {
      var n = utf8Length(ch);
      if (octets + n > (out.length ? 74 : 75)) {
        out.push(current);
        current = '';
        octets = 0;
      }
      current += ch;
      octets += n;
    });
    out.push(current);
    return out.join('\r\n ');
  }

  /**
   * An iCalendar file with one VEVENT: {uid, stamp, title, begin, end, location, description,
   * url, geo: {lat, lng}}; times in UTC, lines ended by CRLF and folded.
   */
  function icsFile(item) {
    var lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//apkgen//event app//EN', 'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH', 'BEGIN:VEVENT', 'UID:' + icsText(item.uid), 'DTSTAMP:' + icsTime(item.stamp),
      'DTSTART:' + icsTime(item.begin)];
    if (isFinite(item.end) && item.end > item.begin) lines.push('DTEND:' + icsTime(item.end));
    lines.push('SUMMARY:' + icsText(item.title));
    if (str(item.location)) lines.push('LOCATION:' + icsText(item.location));
    if (str(item.description)) lines.push('DESCRIPTION:' + icsText(item.description));
    var at = item.geo ? coordinates(item.geo.lat, item.geo.lng) : null;
    if (at) lines.push('GEO:' + at.lat + ';' + at.lng);
    if (str(item.url)) lines.push('URL:' + str(item.url).replace(/[\r\n]/g, ''));
    lines.push('END:VEVENT', 'END:VCALENDAR');
    return lines.map(fold).join('\r\n') + '\r\n';
  }

  /** A file name for the .ics of a session: its title's letters and digits. */
  function icsName(title) {
    var base = str(title).normalize('NFKD').replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-').slice(0, 60);
    return (base || 'session') + '.ics';
  }

  EventApp.actions = {
    inShell: inShell, pct: pct, calendarIntent: calendarIntent, shareIntent: shareIntent,
    coordinates: coordinates, geoUri: geoUri, mapUrl: mapUrl, icsFile: icsFile, icsName: icsName,
    icsText: icsText, icsTime: icsTime, fold: fold
  };
})(window.EventApp = window.EventApp || {});
