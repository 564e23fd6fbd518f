/* A QR code encoder (ISO/IEC 18004), byte mode, versions 1-40, levels L/M/Q/H, all 8 masks.
 *
 * Pure: text in, a square matrix of booleans out (true = dark), no DOM except drawQr().
 * Tested module by module against the Python `segno` package (tests/unit/web).
 *
 *   ApkgenQr.encode(text, {level: "M", minVersion: 1, maxVersion: 40, mask: -1})
 *     -> {version, level, mask, size, modules: boolean[][]}   (modules[y][x])
 *   ApkgenQr.drawQr(canvas, qr, scale)   draws it with a 4-module quiet zone
 */
(function (root) {
  "use strict";

  var LEVELS = { L: 0, M: 1, Q: 2, H: 3 };
  var FORMAT_BITS = { L: 1, M: 0, Q: 3, H: 2 };

  // Error correction codewords per block and number of blocks, by level then version.
  var ECC_PER_BLOCK = [
    [-1, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
    [-1, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    [-1, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30]
  ];
  var NUM_BLOCKS = [
    [-1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
    [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
    [-1, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
    [-1, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81]
  ];

  function utf8Bytes(text) {
    var out = [];
    var encoded = unescape(encodeURIComponent(text));
    for (var i = 0; i < encoded.length; i++) out.push(encoded.charCodeAt(i));
    return out;
  }

  function bit(value, i) { return ((value >>> i) & 1) !== 0; }

  function numRawDataModules(ver) {
    var result = (16 * ver + 128) * ver + 64;
    if (ver >= 2) {
      var numAlign = Math.floor(ver / 7) + 2;
      result -= (25 * numAlign - 10) * numAlign - 55;
      if (ver >= 7) result -= 36;
    }
    return result;
  }

  function numDataCodewords(ver, level) {
    var e = LEVELS[level];
    return Math.floor(numRawDataModules(ver) / 8) - ECC_PER_BLOCK[e][ver] * NUM_BLOCKS[e][ver];
  }

  function alignmentPositions(ver) {
    if (ver === 1) return [];
    var size = ver * 4 + 17;
    var numAlign = Math.floor(ver / 7) + 2;
    var step = ver === 32 ? 26 : Math.ceil((size - 13) / (numAlign * 2 - 2)) * 2;
    var result = [6];
    for (var pos = size - 7; result.length < numAlign; pos -= step) result.splice(1, 0, pos);
    return result;
  }

  // Reed-Solomon over GF(2^8) with the polynomial 0x11D.
  function gfMul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z & 0xff;
  }

  function rsDivisor(degree) {
    var result = [];
    for (var i = 0; i < degree - 1; i++) result.push(0);
    result.push(1);
    var root = 1;
    for (i = 0; i < degree; i++) {
      for (var j = 0; j < result.length; j++) {
        result[j] = gfMul(result[j], root);
        if (j + 1 < result.length) result[j] ^= result[j + 1];
      }
      root = gfMul(root, 0x02);
    }
    return result;
  }

  function rsRemainder(data, divisor) {
    var result = divisor.map(function () { return 0; });
    data.forEach(function (b) {
      var factor = b ^ result.shift();
      result.push(0);
      divisor.forEach(function (coef, i) { result[i] ^= gfMul(coef, factor); });
    });
    return result;
  }

  function dataCodewords(bytes, ver, level) {
    var bits = [];
    function append(value, len) { for (var i = len - 1; i >= 0; i--) bits.push((value >>> i) & 1); }
    append(4, 4); // byte mode
    append(bytes.length, ver <= 9 ? 8 : 16);
    bytes.forEach(function (b) { append(b, 8); });
    var capacity = numDataCodewords(ver, level) * 8;
    append(0, Math.min(4, capacity - bits.length));
    append(0, (8 - bits.length % 8) % 8);
    for (var pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) append(pad, 8);
    var out = [];
    for (var i = 0; i < bits.length; i += 8) {
      var byte = 0;
      for (var j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
      out.push(byte);
    }
    return out;
  }

  function addEccAndInterleave(data, ver, level) {
    var e = LEVELS[level];
    var numBlocks = NUM_BLOCKS[e][ver];
    var eccLen = ECC_PER_BLOCK[e][ver];
    var rawCodewords = Math.floor(numRawDataModules(ver) / 8);
    var numShort = numBlocks - rawCodewords % numBlocks;
    var shortLen = Math.floor(rawCodewords / numBlocks);
    var divisor = rsDivisor(eccLen);
    var blocks = [];
    for (var i = 0, k = 0; i < numBlocks; i++) {
      var dat = data.slice(k, k + shortLen - eccLen + (i < numShort ? 0 : 1));
      k += dat.length;
      var ecc = rsRemainder(dat, divisor);
      if (i < numShort) dat.push(0);
      blocks.push(dat.concat(ecc));
    }
    var result = [];
    for (i = 0; i < blocks[0].length; i++) {
      for (var j = 0; j < blocks.length; j++) {
        if (i !== shortLen - eccLen || j >= numShort) result.push(blocks[j][i]);
      }
    }
    return result;
  }

  function Matrix(ver) {
    this.size = ver * 4 + 17;
    this.modules = [];
    this.isFunction = [];
    for (var y = 0; y < this.size; y++) {
      this.modules.push(new Array(this.size).fill(false));
      this.isFunction.push(new Array(this.size).fill(false));
    }
  }

  Matrix.prototype.setFunction = function (x, y, dark) {
    this.modules[y][x] = dark;
    this.isFunction[y][x] = true;
  };

  function drawFunctionPatterns(m, ver) {
    var size = m.size;
    for (var i = 0; i < size; i++) {
      m.setFunction(6, i, i % 2 === 0);
      m.setFunction(i, 6, i % 2 === 0);
    }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var dist = Math.max(Math.abs(dx), Math.abs(dy));
          var xx = c[0] + dx, yy = c[1] + dy;
          if (xx >= 0 && xx < size && yy >= 0 && yy < size) m.setFunction(xx, yy, dist !== 2 && dist !== 4);
        }
      }
    });
    var pos = alignmentPositions(ver);
    var n = pos.length;
    for (i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        if ((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)) continue;
        for (var dy = -2; dy <= 2; dy++) {
          for (var dx = -2; dx <= 2; dx++) {
            m.setFunction(pos[i] + dx, pos[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
          }
        }
      }
    }
    drawFormatBits(m, "L", 0); // reserves the format area; redrawn with the real bits later
    if (ver >= 7) {
      var rem = ver;
      for (i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      var bits = (ver << 12) | rem;
      for (i = 0; i < 18; i++) {
        var a = size - 11 + (i % 3), b = Math.floor(i / 3);
        m.setFunction(a, b, bit(bits, i));
        m.setFunction(b, a, bit(bits, i));
      }
    }
  }

  function drawFormatBits(m, level, mask) {
    var data = (FORMAT_BITS[level] << 3) | mask;
    var rem = data;
    for (var i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    var bits = ((data << 10) | rem) ^ 0x5412;
    var size = m.size;
    for (i = 0; i <= 5; i++) m.setFunction(8, i, bit(bits, i));
    m.setFunction(8, 7, bit(bits, 6));
    m.setFunction(8, 8, bit(bits, 7));
    m.setFunction(7, 8, bit(bits, 8));
    for (i = 9; i < 15; i++) m.setFunction(14 - i, 8, bit(bits, i));
    for (i = 0; i < 8; i++) m.setFunction(size - 1 - i, 8, bit(bits, i));
    for (i = 8; i < 15; i++) m.setFunction(8, size - 15 + i, bit(bits, i));
    m.setFunction(8, size - 8, true); // the dark module
  }

  function drawCodewords(m, codewords) {
    var size = m.size, i = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (var vert = 0; vert < size; vert++) {
        for (var j = 0; j < 2; j++) {
          var x = right - j;
          var upward = ((right + 1) & 2) === 0;
          var y = upward ? size - 1 - vert : vert;
          if (!m.isFunction[y][x] && i < codewords.length * 8) {
            m.modules[y][x] = bit(codewords[i >>> 3], 7 - (i & 7));
            i++;
          }
        }
      }
    }
  }

  var MASKS = [
    function (x, y) { return (x + y) % 2 === 0; },
    function (x, y) { return y % 2 === 0; },
    function (x) { return x % 3 === 0; },
    function (x, y) { return (x + y) % 3 === 0; },
    function (x, y) { return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0; },
    function (x, y) { return (x * y) % 2 + (x * y) % 3 === 0; },
    function (x, y) { return ((x * y) % 2 + (x * y) % 3) % 2 === 0; },
    function (x, y) { return ((x + y) % 2 + (x * y) % 3) % 2 === 0; }
  ];

  function applyMask(m, mask) {
    var fn = MASKS[mask];
    for (var y = 0; y < m.size; y++) {
      for (var x = 0; x < m.size; x++) {
        if (!m.isFunction[y][x] && fn(x, y)) m.modules[y][x] = !m.modules[y][x];
      }
    }
  }

  // The penalty score of ISO/IEC 18004 section 7.8.3 (lower is better).
  function penalty(modules) {
    var size = modules.length, score = 0, dark = 0;
    function line(get) {
      var s = 0, run = 1;
      for (var i = 1; i <= size; i++) {
        if (i < size && get(i) === get(i - 1)) { run++; continue; }
        if (run >= 5) s += 3 + run - 5;
        run = 1;
      }
      // 1:1:3:1:1 finder-like pattern with four light modules on either side.
      for (i = 0; i + 7 <= size; i++) {
        if (get(i) && !get(i + 1) && get(i + 2) && get(i + 3) && get(i + 4) && !get(i + 5) && get(i + 6)) {
          var before = true, after = true;
          for (var k = 1; k <= 4; k++) {
            if (i - k >= 0 && get(i - k)) before = false;
            if (i + 6 + k < size && get(i + 6 + k)) after = false;
          }
          if (before || after) s += 40;
        }
      }
      return s;
    }
    for (var y = 0; y < size; y++) {
      score += line(function (i) { return modules[y][i]; });
      score += line(function (i) { return modules[i][y]; });
    }
    for (y = 0; y < size; y++) {
      for (var x = 0; x < size; x++) {
        if (modules[y][x]) dark++;
        if (x + 1 < size && y + 1 < size) {
          var c = modules[y][x];
          if (c === modules[y][x + 1] && c === modules[y + 1][x] && c === modules[y + 1][x + 1]) score += 3;
        }
      }
    }
    score += Math.floor(Math.abs(dark * 100 / (size * size) - 50) / 5) * 10;
    return score;
  }

  function encode(text, options) {
    options = options || {};
    var level = options.level || "M";
    if (!(level in LEVELS)) throw new Error("QR level must be L, M, Q or H, not " + level);
    var bytes = utf8Bytes(String(text));
    var minVersion = options.minVersion || 1, maxVersion = options.maxVersion || 40;
    var ver = minVersion;
    for (; ver <= maxVersion; ver++) {
      var countBits = ver <= 9 ? 8 : 16;
      if (4 + countBits + bytes.length * 8 <= numDataCodewords(ver, level) * 8) break;
    }
    if (ver > maxVersion) {
      throw new Error("the text is too long for a QR code (" + bytes.length + " bytes at level " + level + ")");
    }
    var codewords = addEccAndInterleave(dataCodewords(bytes, ver, level), ver, level);
    var m = new Matrix(ver);
    drawFunctionPatterns(m, ver);
    drawCodewords(m, codewords);
    var mask = options.mask === undefined || options.mask < 0 ? -1 : options.mask;
    if (mask < 0) {
      var best = Infinity;
      for (var candidate = 0; candidate < 8; candidate++) {
        applyMask(m, candidate);
        drawFormatBits(m, level, candidate);
        var score = penalty(m.modules);
        if (score < best) { best = score; mask = candidate; }
        applyMask(m, candidate); // undo (XOR)
      }
    }
    applyMask(m, mask);
    drawFormatBits(m, level, mask);
    return { version: ver, level: level, mask: mask, size: m.size, modules: m.modules };
  }

  function drawQr(canvas, qr, scale) {
    var quiet = 4, n = qr.size + quiet * 2;
    canvas.width = canvas.height = n * scale;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000000";
    for (var y = 0; y < qr.size; y++) {
      for (var x = 0; x < qr.size; x++) {
        if (qr.modules[y][x]) ctx.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
      }
    }
  }

  root.ApkgenQr = { encode: encode, drawQr: drawQr, numDataCodewords: numDataCodewords };
})(typeof window !== "undefined" ? window : globalThis);
