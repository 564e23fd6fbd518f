/*
 * apkgen event app, part 1 of 3: building the DOM safely from untrusted event text.
 *
 * Every node is made with createElement + textContent; nothing uses innerHTML. Links go only
 * to http:, https: and mailto: URLs (safeUrl). Rich text (abstracts, biographies,
 * descriptions) comes in two kinds:
 * - HTML (it has a formatting tag: p, br, b, a, ul...): parsed by DOMParser into an inert document and copied node by node
 *   through an allow-list (p, br, b, i, em, strong, code, ul, ol, li, and a with a safe href);
 *   other elements give up their text, scripts and styles are dropped whole.
 * - anything else is Markdown or plain text: a small Markdown subset (paragraphs, line breaks,
 *   **bold**, *em*, `code`, [links](https://...), bare URLs, - and 1. lists, # headings as bold
 *   text) is turned into the same few elements; every other character stays text, so raw
 *   HTML in it can only ever be shown, never parsed. Entities (&amp;) are decoded once.
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

  /** An absolute http(s) URL or a mailto: address from the data, or null: nothing else. */
  function safeUrl(value) {
    var text = str(value).trim();
    if (!/^(https?:\/\/|mailto:[^\s@\/?#]+@[^\s@\/?#]+)/i.test(text)) return null;
    try {
      var url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:'
        ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Sets href (a safeUrl result) on a link; web pages open outside the app, mail as mail. */
  function setHref(link, href) {
    link.setAttribute('href', href);
    if (!/^mailto:/i.test(href)) link.setAttribute('target', '_blank');
    link.setAttribute('rel', 'noopener noreferrer');
    return link;
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
    return setHref(el('a', { class: cls, text: label }), href);
  }

  function route() {
    var parts = Array.prototype.slice.call(arguments);
    return '#/' + parts.map(function (p) { return encodeURIComponent(str(p)); }).join('/');
  }

  // ---------------------------------------------------------------- entities

  var ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
    ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', lsquo: '\u2018', rsquo: '\u2019',
    ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab', raquo: '\u00bb', bull: '\u2022',
    middot: '\u00b7', copy: '\u00a9', reg: '\u00ae', trade: '\u2122', euro: '\u20ac' };
  var ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g;

  function decodeEntity(match, name) {
    if (name.charAt(0) !== '#') return ENTITIES[name.toLowerCase()] || match;
    var hex = name.charAt(1) === 'x' || name.charAt(1) === 'X';
    var code = parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  }

  /** Text with its character references decoded once (&amp;amp; becomes &amp;). */
  function decodeEntities(text) {
    return text.indexOf('&') === -1 ? text : text.replace(ENTITY, decodeEntity);
  }

  // ---------------------------------------------------------------- HTML rich text

  var ALLOWED = { P: 'p', BR: 'br', B: 'b', I: 'i', EM: 'em', STRONG: 'strong', CODE: 'code',
    UL: 'ul', OL: 'ol', LI: 'li', A: 'a', DIV: 'p', BLOCKQUOTE: 'p',
    H1: 'h', H2: 'h', H3: 'h', H4: 'h', H5: 'h', H6: 'h' };
  var DROPPED = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, NOSCRIPT: 1, IFRAME: 1, OBJECT: 1, EMBED: 1,
    SVG: 1, MATH: 1, HEAD: 1, TITLE: 1, TEXTAREA: 1, SELECT: 1, BUTTON: 1, FORM: 1 };
  var MAX_DEPTH = 24;
  // A formatting tag (<p>, </b>, <br/>, <a href=...>) makes a text HTML. Other tag-like text
  // (a stray <img onerror=...> in Markdown, "a < b", <https://...>) stays Markdown, where it
  // is shown as the characters it is.
  var HTML_TAG = new RegExp('</?(?:p|div|br|hr|span|a|b|i|u|s|em|strong|small|sub|sup|mark|' +
    'code|pre|ul|ol|li|dl|dt|dd|h[1-6]|blockquote|table|thead|tbody|tr|td|th|font|center|' +
    'section|article|header|footer)(?:\\s[^<>]*)?/?>', 'i');
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
        // Headings are bold paragraphs: the page's own headings stay the only ones.
        var out = document.createElement(safe === 'h' ? 'p' : safe);
        var inner = safe === 'h' ? out.appendChild(document.createElement('strong')) : out;
        if (safe === 'a') {
          var href = safeUrl(node.getAttribute('href'));
          if (href) setHref(out, href);
        }
        copyAllowed(node, inner, depth + 1);
        to.appendChild(out);
      }
    }
  }

  // ---------------------------------------------------------------- Markdown rich text

  // Inline rules, tried together on one line; the leftmost match wins, ties go to the first
  // rule. ``lead`` rules capture one character before the match (no lookbehind: old WebViews).
  // Underscores only emphasize at word edges, so snake_case and a_b_c stay as typed.
  var INLINE = [
    { name: 'escape', re: /\\([\\`*_{}\[\]()#+\-.!<>~|])/g },
    { name: 'code', re: /(`+)([^`][\s\S]*?)\1(?!`)/g },
    { name: 'link', link: true,
      re: /\[((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]\(\s*<?((?:[^\s<>()]|\([^\s<>()]*\))*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g },
    { name: 'autolink', link: true, re: /<((?:https?:\/\/|mailto:)[^\s<>]+)>/gi },
    { name: 'url', link: true, re: /\b(?:https?:\/\/|www\.)[^\s<>]*[^\s<>.,;:!?'")\]*_~]/gi },
    { name: 'strongem', re: /\*\*\*(?=\S)([\s\S]*?\S)\*\*\*/g },
    { name: 'strong', re: /\*\*(?=\S)([\s\S]*?\S)\*\*/g },
    { name: 'strong', lead: true, re: /(^|[^\w\\])__(?=\S)([\s\S]*?\S)__(?!\w)/g },
    { name: 'em', re: /\*(?=[^\s*])((?:[^*]|\*\*[^*]+\*\*)*?[^\s*])\*/g },
    { name: 'em', lead: true, re: /(^|[^\w\\])_(?=[^\s_])([^_]*?[^\s_])_(?!\w)/g }
  ];
  // Longer lines are shown as text: the rules' cost grows with the line.
  var MAX_INLINE = 20000;

  function textNode(text) {
    return document.createTextNode(decodeEntities(text));
  }

  function renderInline(rule, m, parent, depth, inLink) {
    var content = rule.lead ? m[2] : m[1];
    if (rule.name === 'escape') {
      parent.appendChild(document.createTextNode(m[1]));
    } else if (rule.name === 'code') {
      parent.appendChild(el('code', { text: m[2].replace(/^ ([\s\S]*[^ ]) $/, '$1') }));
    } else if (rule.name === 'link') {
      var href = safeUrl(decodeEntities(m[2]));
      // A link to anything but http(s)/mailto keeps its words and loses its target.
      var target = href ? parent.appendChild(setHref(el('a'), href)) : parent;
      appendInline(target, m[1], depth + 1, true);
    } else if (rule.name === 'autolink' || rule.name === 'url') {
      var raw = decodeEntities(m[1] || m[0]);
      var url = safeUrl(/^www\./i.test(raw) ? 'https://' + raw : raw);
      var label = raw.replace(/^mailto:/i, '');
      parent.appendChild(url ? setHref(el('a', { text: label }), url) : document.createTextNode(label));
    } else if (rule.name === 'strongem') {
      appendInline(parent.appendChild(el('strong')).appendChild(el('em')), content, depth + 1, inLink);
    } else {
      appendInline(parent.appendChild(el(rule.name)), content, depth + 1, inLink);
    }
  }

  /** Appends one line of Markdown inline text to ``parent``. */
  function appendInline(parent, text, depth, inLink) {
    if (depth > MAX_DEPTH || text.length > MAX_INLINE) {
      parent.appendChild(textNode(text));
      return;
    }
    var pos = 0;
    // Each rule's next match at or after pos (null: none left), found once and reused.
    var next = INLINE.map(function () { return undefined; });
    while (pos < text.length) {
      var best = -1;
      var bestStart = Infinity;
      for (var i = 0; i < INLINE.length; i++) {
        var rule = INLINE[i];
        if (inLink && rule.link) continue;
        var m = next[i];
        if (m === undefined || (m && m.index < pos)) {
          rule.re.lastIndex = pos;
          m = next[i] = rule.re.exec(text);
        }
        if (!m) continue;
        var start = m.index + (rule.lead ? m[1].length : 0);
        if (start < bestStart) {
          best = i;
          bestStart = start;
        }
      }
      if (best === -1) break;
      if (bestStart > pos) parent.appendChild(textNode(text.slice(pos, bestStart)));
      var found = next[best];
      renderInline(INLINE[best], found, parent, depth, inLink);
      pos = found.index + found[0].length;
    }
    if (pos < text.length) parent.appendChild(textNode(text.slice(pos)));
  }

  /** Fills ``node`` with ``lines`` (Markdown inline text) separated by line breaks. */
  function fillInline(node, lines) {
    node.textContent = '';
    lines.forEach(function (line, i) {
      if (i) node.appendChild(el('br'));
      appendInline(node, line.replace(/(\\|\s+)$/, ''), 0, false);
    });
    return node;
  }

  /** A paragraph of bold text: how headings in rich text are shown. */
  function boldParagraph(lines) {
    return el('p', null, [fillInline(el('strong'), lines)]);
  }

  var FENCE = /^ {0,3}(```|~~~)/;
  var HEADING = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/;
  var RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
  var UNDERLINE = /^ {0,3}(?:=+|-+)\s*$/;
  var BULLET = /^ {0,3}[-*+•]\s+(.*)$/;
  var NUMBERED = /^ {0,3}(\d{1,3})[.)]\s+(.*)$/;
  var QUOTE = /^ {0,3}>\s?(.*)$/;

  /** Markdown (or plain text, which reads the same) as p/ul/ol/li/br/strong/em/code/a. */
  function markdown(text) {
    var box = el('div', { class: 'rich' });
    var lines = text.replace(/\r\n?/g, '\n').split('\n');
    var para = [];
    var list = null;
    var blank = false;

    function endParagraph() {
      if (para.length) box.appendChild(fillInline(el('p'), para));
      para = [];
    }
    function endList() {
      if (list) box.appendChild(list.node);
      list = null;
    }
    function item(tag, start, content) {
      endParagraph();
      if (list && list.tag !== tag) endList();
      if (!list) {
        list = { tag: tag, node: el(tag, { start: tag === 'ol' && start !== 1 ? start : null }), lines: null };
      }
      list.lines = [content];
      fillInline(list.node.appendChild(el('li')), list.lines);
    }

    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var m;
      if (FENCE.test(line)) {
        endParagraph();
        endList();
        var fence = FENCE.exec(line)[1];
        var code = [];
        for (i++; i < lines.length && lines[i].trim().indexOf(fence) !== 0; i++) code.push(lines[i]);
        var block = el('p');
        code.forEach(function (c, j) {
          if (j) block.appendChild(el('br'));
          block.appendChild(el('code', { text: c }));
        });
        if (code.length) box.appendChild(block);
        blank = false;
        continue;
      }
      if (!line.trim()) {
        endParagraph();
        blank = true;
        continue;
      }
      if (para.length && !list && UNDERLINE.test(line)) {
        box.appendChild(boldParagraph(para));
        para = [];
      } else if (RULE.test(line)) {
        endParagraph();
        endList();
      } else if ((m = HEADING.exec(line))) {
        endParagraph();
        endList();
        if (m[1]) box.appendChild(boldParagraph([m[1]]));
      } else if ((m = BULLET.exec(line))) {
        item('ul', 1, m[1]);
      } else if ((m = NUMBERED.exec(line)) && (!para.length || m[1] === '1')) {
        // Only "1." starts a list inside a paragraph: "2017. was a year" stays text.
        item('ol', parseInt(m[1], 10), m[2]);
      } else if (list && (!blank || /^\s{2,}/.test(line))) {
        // A line under a list item continues it (indented, or right below it).
        list.lines.push(line.trim());
        fillInline(list.node.lastChild, list.lines);
      } else {
        endList();
        m = QUOTE.exec(line);
        para.push(m ? m[1] : line.trim());
      }
      blank = false;
    }
    endParagraph();
    endList();
    return box;
  }

  /** Rich text from the export: HTML through the allow-list, anything else as Markdown. */
  function richText(value) {
    var text = str(value).trim();
    if (!text) return null;
    if (!HTML_TAG.test(text)) return markdown(text);
    var box = el('div', { class: 'rich' });
    copyAllowed(parser.parseFromString(text, 'text/html').body, box, 0);
    return box;
  }

  /**
   * The words of rich text, for the search index only: it is never rendered. Tags are cut out
   * by pattern instead of parsed, so that searching does not make the WebView parse (and
   * CSP-check the style and on* attributes of) every abstract of the event.
   */
  function plainText(value) {
    var text = str(value);
    if (text.indexOf('<') === -1 && text.indexOf('&') === -1) return text;
    return decodeEntities(text.replace(/<[^>]*>/g, ' '));
  }

  EventApp.safe = {
    el: el, str: str, safeUrl: safeUrl, safeAsset: safeAsset, safeColor: safeColor,
    textOn: textOn, externalLink: externalLink, route: route, richText: richText,
    plainText: plainText, decodeEntities: decodeEntities
  };
})(window.EventApp = window.EventApp || {});
