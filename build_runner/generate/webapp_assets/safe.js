/*
 * apkgen event app, part 1 of 3: building the DOM safely from untrusted event text.
 *
 * Every node is made with createElement + textContent. Rich text (abstracts, biographies,
 * descriptions) is parsed by DOMParser into an inert document and copied node by node through
 * an allow-list (p, br, b, i, em, strong, ul, ol, li, and a with an http(s) href); other
 * elements give up their text, scripts and styles are dropped whole. Nothing uses innerHTML.
 * Exposes window.EventApp.safe.
 */
(function (EventApp) {
  'use strict';

  // ---------------------------------------------------------------- DOM helpers

  /** Creates an element. props: class, text, on<event>, or plain attributes (checked values). */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === null || value === undefined || value === false) return;
        if (key === 'class') node.className = value;
        else if (key === 'text') node.textContent = value;
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? '' : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function str(value) {
    return value === null || value === undefined ? '' : String(value);
  }

  /** An absolute http(s) URL from the data, or null. */
  function safeUrl(value) {
    var text = str(value).trim();
    if (!/^https?:\/\//i.test(text)) return null;
    try {
      var url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** A path inside the app's assets (images/...), or null. */
  function safeAsset(value) {
    var text = str(value);
    if (!text || text.charAt(0) === '/' || text.indexOf('..') !== -1) return null;
    return /^[A-Za-z0-9_\-./ %]+$/.test(text) ? text : null;
  }

  function safeColor(value) {
    var text = str(value).trim();
    return /^#[0-9a-fA-F]{6}$/.test(text) || /^#[0-9a-fA-F]{3}$/.test(text) ? text : null;
  }

  /** WCAG relative luminance of a #rgb/#rrggbb color. */
  function luminance(color) {
    var hex = color.length === 4 ? color.replace(/[0-9a-f]/gi, function (c) { return c + c; }) : color;
    var lum = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
  }

  /** White text when it reaches 4.5:1 on the color, else whichever of white/dark reads better. */
  function textOn(color) {
    var l = luminance(color);
    var onWhite = 1.05 / (l + 0.05);
    var onDark = (l + 0.05) / (luminance('#121212') + 0.05);
    return onWhite >= 4.5 || onWhite >= onDark ? '#ffffff' : '#121212';
  }

  function externalLink(url, label, cls) {
    var href = safeUrl(url);
    if (!href) return null;
    return el('a', { href: href, target: '_blank', rel: 'noopener noreferrer', class: cls, text: label });
  }

  function route() {
    var parts = Array.prototype.slice.call(arguments);
    return '#/' + parts.map(function (p) { return encodeURIComponent(str(p)); }).join('/');
  }

  // ---------------------------------------------------------------- rich text

  var ALLOWED = { P: 'p', BR: 'br', B: 'b', I: 'i', EM: 'em', STRONG: 'strong', UL: 'ul', OL: 'ol', LI: 'li', A: 'a',
    DIV: 'p', H1: 'p', H2: 'p', H3: 'p', H4: 'p', H5: 'p', H6: 'p', BLOCKQUOTE: 'p' };
  var DROPPED = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, NOSCRIPT: 1, IFRAME: 1, OBJECT: 1, EMBED: 1,
    SVG: 1, MATH: 1, HEAD: 1, TITLE: 1, TEXTAREA: 1, SELECT: 1, BUTTON: 1, FORM: 1 };
  var MAX_DEPTH = 24;
  var parser = new DOMParser();

  function copyAllowed(from, to, depth) {
    for (var node = from.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === 3) {
        to.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === 1) {
        var tag = node.nodeName.toUpperCase();
        if (DROPPED[tag]) continue;
        var safe = depth < MAX_DEPTH ? ALLOWED[tag] : null;
        if (!safe) {
          if (depth < MAX_DEPTH) copyAllowed(node, to, depth + 1);
          else to.appendChild(document.createTextNode(node.textContent));
          continue;
        }
        var out = document.createElement(safe);
        if (safe === 'a') {
          var href = safeUrl(node.getAttribute('href'));
          if (href) {
            out.setAttribute('href', href);
            out.setAttribute('target', '_blank');
            out.setAttribute('rel', 'noopener noreferrer');
          }
        }
        copyAllowed(node, out, depth + 1);
        to.appendChild(out);
      }
    }
  }

  /** Rich text from the export: markup through the allow-list, plain text kept as typed. */
  function richText(value) {
    var text = str(value).trim();
    if (!text) return null;
    if (text.indexOf('<') === -1) return el('div', { class: 'rich plain', text: text });
    var box = el('div', { class: 'rich' });
    copyAllowed(parser.parseFromString(text, 'text/html').body, box, 0);
    return box;
  }

  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

  function decodeEntity(match, name) {
    if (name.charAt(0) !== '#') return ENTITIES[name.toLowerCase()] || match;
    var hex = name.charAt(1) === 'x' || name.charAt(1) === 'X';
    var code = parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
  }

  /**
   * The words of rich text, for the search index only: it is never rendered. Tags are cut out
   * by pattern instead of parsed, so that searching does not make the WebView parse (and
   * CSP-check the style and on* attributes of) every abstract of the event.
   */
  function plainText(value) {
    var text = str(value);
    if (text.indexOf('<') === -1 && text.indexOf('&') === -1) return text;
    return text.replace(/<[^>]*>/g, ' ').replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, decodeEntity);
  }

  EventApp.safe = {
    el: el, str: str, safeUrl: safeUrl, safeAsset: safeAsset, safeColor: safeColor,
    textOn: textOn, externalLink: externalLink, route: route, richText: richText,
    plainText: plainText
  };
})(window.EventApp = window.EventApp || {});
