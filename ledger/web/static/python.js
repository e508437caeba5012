// What ledger/transparency/verify.py leans on from Python, in JavaScript, so that the browser's
// verifier (verify.js) refuses exactly what Python refuses: json.loads, datetime.fromisoformat of
// CPython 3.11, and the str(), repr() and truth value of the values json.loads makes.
//
// Where Python reads more than the ledger's formats allow, this side refuses: json.loads of
// bytes also reads UTF-16, UTF-32 and UTF-8-encoded surrogates (an event payload is RFC 8785
// UTF-8), and its nesting limit depends on Python's stack (here MAX_JSON_DEPTH).
"use strict";

const python = (() => {
  // Python refuses integers of more than 4300 digits (json.loads and pydantic alike).
  const MAX_INT_DIGITS = 4300;
  // json.loads gives up near 1000 levels (Python's recursion limit); stay below it.
  const MAX_JSON_DEPTH = 900;

  /** What Python raises as ValueError: the verifier turns it into its check's own error. */
  class ValueError extends Error {}

  const utf8 = new TextEncoder();
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  /** str.isspace() of Python, one character. */
  const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

  /** Python's repr() of a str, closely enough for messages. */
  function repr(value) {
    if (typeof value !== "string") return str(value);
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replace(/[\\\x00-\x1f\x7f]/g, (c) => ({
      "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
    })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
    return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
  }

  /** Python's repr() of a float: never a key id, since it holds ".", "e+", "e-", "inf" or "nan". */
  function pyFloat(text) {
    const n = Number(text);
    if (Number.isNaN(n)) return "nan";
    if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
    if (n !== 0 && (Math.abs(n) >= 1e16 || Math.abs(n) < 1e-4)) {
      return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
    }
    return Number.isInteger(n) ? `${Object.is(n, -0) ? "-0" : n}.0` : String(n);
  }

  /** Python's str() of a JSON value as json.loads returns it. */
  function str(value) {
    if (value === null) return "None";
    if (value === true) return "True";
    if (value === false) return "False";
    if (typeof value === "string" || typeof value === "bigint") return String(value);
    if (value instanceof PyFloat) return pyFloat(value.text);
    if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
    return `{${Array.from(value, ([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}}`;
  }

  // --- JSON as Python's json.loads reads it --------------------------------------------------
  //
  // Objects become Maps (a repeated key keeps its last value, as in a dict), integers BigInts
  // (Python's are unbounded), other numbers PyFloat. NaN, Infinity and -Infinity are numbers.

  /** A JSON number with a fraction or an exponent (a Python float: never equal to an int here). */
  class PyFloat {
    constructor(text) {
      this.text = text;
    }
  }

  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
  const STRING_RUN = /[^"\\\x00-\x1f]*/y;
  const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
  const HEX4 = /^[0-9a-fA-F]{4}$/;

  function loads(text) {
    let i = 0;
    const error = (what) => {
      throw new ValueError(`${what}: char ${i}`);
    };
    const skipSpace = () => {
      while (i < text.length && " \t\n\r".includes(text[i])) i += 1;
    };
    const hex4 = (at) => {
      const digits = text.slice(at, at + 4);
      return HEX4.test(digits) ? parseInt(digits, 16) : null;
    };

    function string() {
      let out = "";
      i += 1; // the opening quote
      for (;;) {
        STRING_RUN.lastIndex = i;
        out += STRING_RUN.exec(text)[0];
        i = STRING_RUN.lastIndex;
        if (i >= text.length) error("Unterminated string");
        const c = text[i];
        if (c === '"') {
          i += 1;
          return out;
        }
        if (c !== "\\") error("Invalid control character");
        const kind = text[i + 1];
        if (kind === "u") {
          let unit = hex4(i + 2);
          if (unit === null) error("Invalid \\uXXXX escape");
          i += 6;
          if (unit >= 0xd800 && unit <= 0xdbff && text[i] === "\\" && text[i + 1] === "u") {
            const low = hex4(i + 2);
            if (low === null) error("Invalid \\uXXXX escape");
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              i += 6;
              continue;
            }
          }
          out += String.fromCharCode(unit);
        } else if (kind !== undefined && Object.hasOwn(ESCAPES, kind)) {
          out += ESCAPES[kind];
          i += 2;
        } else {
          error("Invalid \\escape");
        }
      }
    }

    function number() {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) error("Expecting value");
      i = NUMBER.lastIndex;
      if (match[1] !== undefined || match[2] !== undefined) return new PyFloat(match[0]);
      if (match[0].replace("-", "").length > MAX_INT_DIGITS) {
        error(`Exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion`);
      }
      return BigInt(match[0]);
    }

    function container(depth, close, item) {
      i += 1;
      skipSpace();
      if (text[i] === close) {
        i += 1;
        return;
      }
      for (;;) {
        item(depth);
        skipSpace();
        if (text[i] === close) {
          i += 1;
          return;
        }
        if (text[i] !== ",") error(`Expecting ',' delimiter`);
        i += 1;
        skipSpace();
      }
    }

    function value(depth) {
      if (depth > MAX_JSON_DEPTH) error("too deeply nested");
      const c = text[i];
      if (c === '"') return string();
      if (c === "{") {
        const object = new Map();
        container(depth, "}", () => {
          if (text[i] !== '"') error("Expecting property name enclosed in double quotes");
          const key = string();
          skipSpace();
          if (text[i] !== ":") error("Expecting ':' delimiter");
          i += 1;
          skipSpace();
          object.set(key, value(depth + 1));
        });
        return object;
      }
      if (c === "[") {
        const array = [];
        container(depth, "]", () => array.push(value(depth + 1)));
        return array;
      }
      for (const [word, result] of [["null", null], ["true", true], ["false", false]]) {
        if (text.startsWith(word, i)) {
          i += word.length;
          return result;
        }
      }
      for (const word of ["NaN", "Infinity", "-Infinity"]) {
        if (text.startsWith(word, i)) {
          i += word.length;
          return new PyFloat(word);
        }
      }
      return number();
    }

    skipSpace();
    const result = value(0);
    skipSpace();
    if (i !== text.length) error("Extra data");
    return result;
  }

  /** json.loads of bytes, for UTF-8 with or without a byte order mark (see the top comment). */
  function loadsBytes(bytes) {
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    const notUtf8 = bytes.length >= 2 && !bom &&
      (bytes[0] === 0 || bytes[1] === 0 || (bytes[0] === 0xfe && bytes[1] === 0xff) ||
       (bytes[0] === 0xff && bytes[1] === 0xfe));
    if (notUtf8) throw new ValueError("expected UTF-8 JSON, found UTF-16 or UTF-32");
    let text;
    try {
      text = strictUtf8.decode(bom ? bytes.subarray(3) : bytes);
    } catch {
      throw new ValueError("expected UTF-8 JSON, found invalid UTF-8");
    }
    return loads(text);
  }

  /** Python's truth value of a JSON value. */
  const truthy = (v) => !(v === null || v === false || v === "" || v === 0n ||
    (v instanceof PyFloat && Number(v.text) === 0) ||
    (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0));

  // --- times: datetime.fromisoformat of CPython 3.11 (Modules/_datetimemodule.c) -------------
  //
  // A port of the C parser, byte for byte on the UTF-8 text as C reads it (which is laxer than
  // ISO 8601 in places: "09:30:15:00", "+01:99", a NUL after "Z"); a moment is its fields and
  // its UTC offset in microseconds (null for a naive time, which fits no key window).

  const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
  const div = (a, b) => Math.trunc(a / b); // C integer division
  const isLeap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const daysInMonth = (y, m) => (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m]);
  const daysBeforeYear = (y) => (y - 1) * 365 + div(y - 1, 4) - div(y - 1, 100) + div(y - 1, 400);
  const ymdToOrd = (y, m, d) =>
    daysBeforeYear(y) + DAYS_BEFORE_MONTH[m] + (m > 2 && isLeap(y) ? 1 : 0) + d;

  function ordToYmd(ordinal) {
    let n = ordinal - 1;
    const n400 = div(n, 146097);
    n %= 146097;
    let year = n400 * 400 + 1;
    const n100 = div(n, 36524);
    n %= 36524;
    const n4 = div(n, 1461);
    n %= 1461;
    const n1 = div(n, 365);
    n %= 365;
    year += n100 * 100 + n4 * 4 + n1;
    if (n1 === 4 || n100 === 4) return [year - 1, 12, 31];
    const leap = n1 === 3 && (n4 !== 24 || n100 === 3);
    let month = (n + 50) >> 5;
    let preceding = DAYS_BEFORE_MONTH[month] + (month > 2 && leap ? 1 : 0);
    if (preceding > n) {
      month -= 1;
      preceding -= month === 2 && leap ? 29 : DAYS_IN_MONTH[month];
    }
    return [year, month, n - preceding + 1];
  }

  function isoToYmd(year, week, day) {
    if (week <= 0 || week >= 53) {
      const firstWeekday = (ymdToOrd(year, 1, 1) + 6) % 7;
      if (!(week === 53 && (firstWeekday === 3 || (firstWeekday === 2 && isLeap(year))))) {
        return null;
      }
    }
    if (day <= 0 || day >= 8) return null;
    const first = ymdToOrd(year, 1, 1);
    const firstWeekday = (first + 6) % 7;
    const week1Monday = first - firstWeekday + (firstWeekday > 3 ? 7 : 0);
    return ordToYmd(week1Monday + (week - 1) * 7 + day - 1);
  }

  /** datetime.fromisoformat(text); ValueError where Python raises it. */
  function fromisoformat(text) {
    const invalid = () => {
      throw new ValueError(`Invalid isoformat string: ${repr(text)}`);
    };
    const points = Array.from(text);
    if (points.length < 7) invalid();
    // A surrogate may stand only as the date-time separator (C replaces it with "T").
    for (const pos of [7, 8, 10]) {
      if (pos >= points.length) break;
      if (/^[\ud800-\udfff]$/.test(points[pos])) {
        points[pos] = "T";
        break;
      }
    }
    if (points.some((p) => /^[\ud800-\udfff]$/.test(p))) invalid();
    const b = utf8.encode(points.join(""));
    const len = b.length;
    const at = (k) => (k < len ? b[k] : 0); // C strings end in NUL
    const isDigit = (c) => c >= 0x30 && c <= 0x39;
    let p = 0;
    const digits = (count) => {
      let value = 0;
      for (let k = 0; k < count; k += 1) {
        const c = at(p++);
        if (!isDigit(c)) return null;
        value = value * 10 + c - 0x30;
      }
      return value;
    };

    // _find_isoformat_datetime_separator
    let separator;
    if (len === 7) {
      separator = 7;
    } else if (at(4) === 0x2d /* - */) {
      if (at(5) === 0x57 /* W */) {
        if (len > 8 && at(8) === 0x2d) {
          separator = len === 9 ? -1 : len > 10 && isDigit(at(10)) ? 8 : 10;
        } else {
          separator = 8;
        }
      } else {
        separator = 10;
      }
    } else if (at(4) === 0x57) {
      let idx = 7;
      while (idx < len && isDigit(at(idx))) idx += 1;
      separator = idx < 9 ? idx : idx % 2 === 0 ? 7 : 8;
    } else {
      separator = 8;
    }
    const dateLength = separator < 0 ? Infinity : separator;

    // parse_isoformat_date
    let year = digits(4);
    if (year === null) invalid();
    const dashed = at(p) === 0x2d;
    if (dashed) p += 1;
    let month;
    let day;
    if (at(p) === 0x57) {
      p += 1;
      const week = digits(2);
      if (week === null) invalid();
      let weekday = 1;
      if (p < dateLength) {
        if (dashed && at(p++) !== 0x2d) invalid();
        weekday = digits(1);
        if (weekday === null) invalid();
      }
      const ymd = isoToYmd(year, week, weekday);
      if (ymd === null) invalid();
      [year, month, day] = ymd;
    } else {
      month = digits(2);
      if (month === null || (dashed && at(p++) !== 0x2d)) invalid();
      day = digits(2);
      if (day === null) invalid();
    }

    // parse_hh_mm_ss_ff: [HH[:?MM[:?SS]]][{.,}ffffff...] up to `end`; 1 when more follows.
    const time = (start, end) => {
      p = start;
      const values = [0, 0, 0, 0];
      let colons = true;
      for (let k = 0; k < 3; k += 1) {
        const value = digits(2);
        if (value === null) return { rv: -3, values };
        values[k] = value;
        const c = at(p++);
        if (k === 0) colons = c === 0x3a;
        if (p >= end) return { rv: c !== 0 ? 1 : 0, values };
        if (colons && c === 0x3a) continue;
        if (c === 0x2e || c === 0x2c) break;
        if (colons) return { rv: -4, values };
        p -= 1;
      }
      const count = Math.min(end - p, 6);
      const fraction = digits(count);
      if (fraction === null) return { rv: -3, values };
      values[3] = count > 0 ? fraction * 10 ** (6 - count) : 0;
      while (isDigit(at(p))) p += 1;
      return { rv: at(p) !== 0 ? 1 : 0, values };
    };

    let clock = [0, 0, 0, 0];
    let offset = null;
    if (len > separator) {
      // parse_isoformat_time, after the separator (one UTF-8 character of any length)
      p = separator;
      const lead = at(p);
      p += (lead & 0x80) === 0 ? 1 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf0) === 0xf0 ? 4 : 2;
      const start = p;
      const end = len;
      let zone = start;
      do {
        if ([0x5a, 0x2b, 0x2d].includes(at(zone))) break; // Z + -
      } while (++zone < end);
      const parsed = time(start, zone);
      if (parsed.rv < 0) invalid();
      clock = parsed.values;
      if (zone === end) {
        if (parsed.rv === 1) invalid();
      } else if (at(zone) === 0x5a) {
        if (at(zone + 1) !== 0) invalid();
        offset = 0n;
      } else {
        const sign = at(zone) === 0x2d ? -1 : 1;
        const tz = time(zone + 1, end);
        if (tz.rv !== 0) invalid();
        const [h, m, s, us] = tz.values;
        const seconds = sign * (h * 3600 + m * 60 + s);
        // tzinfo_from_isoformat_results: a zero offset in seconds is UTC, whatever follows.
        offset = seconds === 0 ? 0n : BigInt(seconds) * 1000000n + BigInt(sign * us);
        if (offset <= -86400000000n || offset >= 86400000000n) {
          throw new ValueError("offset must be a timedelta strictly between " +
            "-timedelta(hours=24) and timedelta(hours=24)");
        }
      }
    }
    const [hour, minute, second, microsecond] = clock;
    if (year < 1 || year > 9999) throw new ValueError(`year ${year} is out of range`);
    if (month < 1 || month > 12) throw new ValueError("month must be in 1..12");
    if (day < 1 || day > daysInMonth(year, month)) {
      throw new ValueError("day is out of range for month");
    }
    if (hour > 23) throw new ValueError("hour must be in 0..23");
    if (minute > 59) throw new ValueError("minute must be in 0..59");
    if (second > 59) throw new ValueError("second must be in 0..59");
    const local = (BigInt(ymdToOrd(year, month, day)) * 86400n +
      BigInt(hour * 3600 + minute * 60 + second)) * 1000000n + BigInt(microsecond);
    return { fields: [year, month, day, hour, minute, second, microsecond], offset,
      utc: offset === null ? null : local - offset };
  }

  /** datetime.isoformat(), for messages. */
  function isoformat(moment) {
    const [y, mo, d, h, mi, s, us] = moment.fields;
    const two = (n) => String(n).padStart(2, "0");
    let out = `${String(y).padStart(4, "0")}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}`;
    if (us) out += `.${String(us).padStart(6, "0")}`;
    if (moment.offset === null) return out;
    const sign = moment.offset < 0n ? "-" : "+";
    const off = moment.offset < 0n ? -moment.offset : moment.offset;
    const secs = Number(off / 1000000n);
    const micros = Number(off % 1000000n);
    out += `${sign}${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}`;
    if (secs % 60 || micros) out += `:${two(secs % 60)}`;
    if (micros) out += `.${String(micros).padStart(6, "0")}`;
    return out;
  }

  return Object.freeze({ ValueError, PyFloat, SPACE, loads, loadsBytes, fromisoformat,
    isoformat, str, repr, truthy });
})();
