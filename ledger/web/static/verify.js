// The retirement proof verifier of ledger/transparency/verify.py, for the buyer's own browser.
//
// `ledgerVerify.verifyBundle(bytes, trusted)` runs the seven checks of Python's `verify_bundle`
// in the same order, with the same numbers and names, and fails closed wherever Python fails:
// it reads the proof file's bytes as Python does (the strict model, then the one canonical
// spelling), the C2SP signed checkpoint, the RFC 9162 inclusion proof, the signed event
// envelope (json.loads), the event's time (datetime.fromisoformat of CPython 3.11) and the key
// windows of a trust list. It needs no server and no library: hashes and Ed25519 come from the
// browser's WebCrypto (`crypto.subtle`), which exists only in a secure context (HTTPS,
// localhost, or a file opened from disk).
//
// Where the Python side is laxer than the formats it checks, this side refuses, and the
// difference is listed in the README ("Verify in your browser"): an event payload that is not
// UTF-8 (Python's json.loads also reads UTF-16, UTF-32 and encoded surrogates), and one nested
// deeper than MAX_JSON_DEPTH (Python's own limit depends on its stack).
"use strict";

const ledgerVerify = (() => {
  const CHECKS = Object.freeze([
    "proof file", "checkpoint signature", "tree size", "inclusion", "event signature",
    "event type", "summary",
  ]);
  const FORMAT = "carbon-ledger/retirement-proof/v1";
  const EVENT_FORMAT = "carbon-ledger/event/v1";
  const RETIREMENT_TOPIC = "ledger.aggregates.retirement:Retirement.Recorded";
  const MAX_FILE_BYTES = 256 * 1024;
  const MAX_UINT64 = (1n << 64n) - 1n;
  const MAX_SIGNATURES = 100;
  const SIGNATURE_PREFIX = "\u2014 "; // em dash, space
  // Python refuses integers of more than 4300 digits (json.loads and pydantic alike).
  const MAX_INT_DIGITS = 4300;
  // Python's json.loads gives up near 1000 levels (its recursion limit); stay below it.
  const MAX_JSON_DEPTH = 900;

  // --- errors --------------------------------------------------------------------------------

  /** A failed check: `code` is the error code Python's exception carries. */
  class VerificationFailed extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  /** The verifier key or trust list cannot be used (the CLI's usage or document errors). */
  class InputError extends Error {}

  /** What Python raises as ValueError inside a check; the check turns it into its own code. */
  class ValueError extends Error {}

  const fail = (code, message) => {
    throw new VerificationFailed(code, message);
  };

  // --- bytes, text, base64 -------------------------------------------------------------------

  const utf8 = new TextEncoder();
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

  const equalBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  // RFC 4648 §3.5 canonical base64: the unused bits of the last character are zero.
  const CANONICAL_BASE64 =
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

  /** ledger.signing.c2sp.decode_base64: the canonical spelling only, else ValueError. */
  const decodeBase64 = (text) => {
    if (!CANONICAL_BASE64.test(text)) throw new ValueError(`expected canonical base64, found ${repr(text)}`);
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  };

  const encodeBase64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

  // str.isspace() of Python: what a C2SP key name may not hold.
  const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  const CONTROL = /[\x00-\x1f]/;
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

  /** ledger.signing.c2sp.is_valid_name. */
  const isValidName = (name) =>
    name.length > 0 && !PY_SPACE.test(name) && !name.includes("+") && !CONTROL.test(name);

  /** Python's repr() of a str, closely enough for messages. */
  function repr(value) {
    if (typeof value !== "string") return pyStr(value);
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
  function pyStr(value) {
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

  function loadJson(text) {
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

  /** json.loads of bytes: UTF-8, with or without a byte order mark (see the top comment). */
  function loadJsonBytes(bytes) {
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
    return loadJson(text);
  }

  const isInt = (v) => typeof v === "bigint";
  const isObject = (v) => v instanceof Map;

  /** Python's truth value of a JSON value. */
  const pyTruthy = (v) => !(v === null || v === false || v === "" || v === 0n ||
    (v instanceof PyFloat && Number(v.text) === 0) ||
    (Array.isArray(v) && v.length === 0) || (isObject(v) && v.size === 0));

  // --- the proof file: ledger/transparency/bundle.py -----------------------------------------

  const B64 = "[A-Za-z0-9+/]";
  const BASE64_FIELD = CANONICAL_BASE64;
  const HASH_FIELD = new RegExp(`^${B64}{42}[AEIMQUYcgkosw048]=$`);
  const SIGNATURE_FIELD = new RegExp(`^${B64}{85}[AQgw]==$`);
  const SUMMARY_FIELDS = [
    ["retirement_id", "str"], ["beneficiary", "str"], ["buyer", "str"], ["holder", "str"],
    ["quantity", "int"], ["batch", "str"], ["source", "str"], ["vintage", "int"],
    ["blocks", "blocks"], ["reason", "str"], ["claim_period", "str"], ["retired_at", "str"],
  ];
  const BUNDLE_FIELDS = ["format", "summary", "event", "leaf_index", "tree_size",
    "inclusion_path", "checkpoint"];

  /** Refuse what the pydantic model refuses: `where` names the field as pydantic does. */
  const malformed = (where, what) => fail("proof_malformed", `\`${where}\`: ${what}`);

  function fieldsOf(value, names, where) {
    if (!isObject(value)) malformed(where || "the file", "expected an object");
    for (const key of value.keys()) {
      if (!names.includes(key)) malformed(where ? `${where}.${key}` : key, "extra field");
    }
    for (const name of names) {
      if (!value.has(name)) malformed(where ? `${where}.${name}` : name, "field required");
    }
    return value;
  }

  function typed(value, type, where) {
    if (type === "str" && typeof value !== "string") malformed(where, "expected a string");
    if (type === "int" && !isInt(value)) malformed(where, "expected an integer");
    return value;
  }

  function intBetween(value, low, high, where) {
    typed(value, "int", where);
    if (value < low || value > high) malformed(where, `expected ${low} to ${high}, found ${value}`);
    return value;
  }

  function matching(value, pattern, where) {
    typed(value, "str", where);
    if (!pattern.test(value)) malformed(where, "expected canonical base64 of the right length");
    return value;
  }

  function summaryModel(value) {
    const fields = fieldsOf(value, SUMMARY_FIELDS.map(([name]) => name), "summary");
    const summary = {};
    for (const [name, type] of SUMMARY_FIELDS) {
      const where = `summary.${name}`;
      const field = fields.get(name);
      if (type !== "blocks") {
        summary[name] = typed(field, type, where);
        continue;
      }
      if (!Array.isArray(field)) malformed(where, "expected a list");
      summary.blocks = field.map((block, n) => {
        const parts = fieldsOf(block, ["first", "last"], `${where}.${n}`);
        return [typed(parts.get("first"), "int", `${where}.${n}.first`),
          typed(parts.get("last"), "int", `${where}.${n}.last`)];
      });
    }
    return summary;
  }

  /** ProofBundle.model_validate_json, strict: the parsed proof, or proof_malformed. */
  function bundleModel(value) {
    const fields = fieldsOf(value, BUNDLE_FIELDS, "");
    if (fields.get("format") !== FORMAT) malformed("format", `expected ${repr(FORMAT)}`);
    const event = fieldsOf(fields.get("event"), ["payload", "signature"], "event");
    const payload = matching(event.get("payload"), BASE64_FIELD, "event.payload");
    if (payload.length < 4) malformed("event.payload", "expected at least 4 characters");
    const path = fields.get("inclusion_path");
    if (!Array.isArray(path)) malformed("inclusion_path", "expected a list");
    if (path.length > 64) malformed("inclusion_path", "expected at most 64 items");
    return {
      summary: summaryModel(fields.get("summary")),
      payload,
      signature: matching(event.get("signature"), SIGNATURE_FIELD, "event.signature"),
      leafIndex: intBetween(fields.get("leaf_index"), 0n, MAX_UINT64, "leaf_index"),
      treeSize: intBetween(fields.get("tree_size"), 1n, MAX_UINT64, "tree_size"),
      inclusionPath: path.map((h, n) => matching(h, HASH_FIELD, `inclusion_path.${n}`)),
      checkpoint: typed(fields.get("checkpoint"), "str", "checkpoint"),
    };
  }

  /** A JSON string as Python's json.dumps(ensure_ascii=False) writes it. */
  const dumpString = (text) => `"${text.replace(/["\\\x00-\x1f]/g, (c) => ({
    '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
  })[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;

  /** json.dumps(value, indent=2, ensure_ascii=False): objects are [key, value] pair lists. */
  function dump(value, indent) {
    if (typeof value === "string") return dumpString(value);
    if (typeof value === "bigint") return value.toString();
    const inner = `${indent}  `;
    if (value.isObject) {
      if (value.pairs.length === 0) return "{}";
      const items = value.pairs.map(([k, v]) => `${inner}${dumpString(k)}: ${dump(v, inner)}`);
      return `{\n${items.join(",\n")}\n${indent}}`;
    }
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + dump(v, inner)).join(",\n")}\n${indent}]`;
  }

  const object = (...pairs) => ({ isObject: true, pairs });

  /** bundle_json: the one canonical spelling of a proof file, fields in schema order. */
  function bundleText(b) {
    const summary = object(...SUMMARY_FIELDS.map(([name]) => [name, name === "blocks"
      ? b.summary.blocks.map(([first, last]) => object(["first", first], ["last", last]))
      : b.summary[name]]));
    return `${dump(object(
      ["format", FORMAT], ["summary", summary],
      ["event", object(["payload", b.payload], ["signature", b.signature])],
      ["leaf_index", b.leafIndex], ["tree_size", b.treeSize],
      ["inclusion_path", b.inclusionPath], ["checkpoint", b.checkpoint],
    ), "")}\n`;
  }

  /** parse_bundle: size, strict JSON, the model, then the one canonical spelling. */
  function parseBundle(raw) {
    if (raw.length === 0) fail("proof_malformed", "expected a proof file, found empty input");
    if (raw.length > MAX_FILE_BYTES) {
      fail("proof_malformed",
        `expected a proof file of at most ${MAX_FILE_BYTES} bytes, found ${raw.length}`);
    }
    let text;
    try {
      text = strictUtf8.decode(raw);
    } catch {
      fail("proof_malformed", "`the file`: expected UTF-8 JSON, found invalid UTF-8");
    }
    let value;
    try {
      value = loadJson(text);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      fail("proof_malformed", `\`the file\`: Invalid JSON: ${error.message}`);
    }
    const bundle = bundleModel(value);
    const canonical = bundleText(bundle);
    if (LONE_SURROGATE.test(canonical)) {
      fail("proof_malformed", "expected text that can be written as UTF-8, found a lone surrogate");
    }
    const written = utf8.encode(canonical);
    if (!equalBytes(written, raw)) {
      let offset = 0;
      while (offset < written.length && offset < raw.length && written[offset] === raw[offset]) {
        offset += 1;
      }
      const hint = offset === raw.length && written.length === raw.length + 1
        ? " (the final newline is missing: a pasted copy can lose it, so drop the file instead)"
        : "";
      fail("proof_malformed", "expected the file exactly as `ledger proof` wrote it (canonical " +
        `JSON), found a difference at byte ${offset}${hint}`);
    }
    return bundle;
  }

  // --- keys: ledger/signing/c2sp.py and keys.py ----------------------------------------------

  const subtle = () => {
    if (!globalThis.crypto || !globalThis.crypto.subtle) {
      throw new InputError("this page needs the browser's WebCrypto, which it offers only in a " +
        "secure context: open the page over HTTPS, from localhost, or as a saved file");
    }
    return globalThis.crypto.subtle;
  };

  const sha256 = async (bytes) => new Uint8Array(await subtle().digest("SHA-256", bytes));

  async function ed25519Verify(key, signature, message) {
    return subtle().verify({ name: "Ed25519" }, key, signature, message);
  }

  /** The C2SP key id: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
  const keyId = async (name, publicKey) =>
    (await sha256(concat(utf8.encode(name), Uint8Array.of(0x0a, 0x01), publicKey))).slice(0, 4);

  /** parse_verifier_key, then TrustedKey: ``name+hexkeyid+base64(0x01 || public key)``. */
  async function trustedKey(text, validFrom = null, validUntil = null) {
    const plus = text.indexOf("+");
    const name = plus < 0 ? text : text.slice(0, plus);
    const rest = plus < 0 ? "" : text.slice(plus + 1);
    const plus2 = rest.indexOf("+");
    const idHex = plus2 < 0 ? rest : rest.slice(0, plus2);
    const keyText = plus2 < 0 ? "" : rest.slice(plus2 + 1);
    if (!/^[0-9a-f]{8}$/.test(idHex)) {
      throw new InputError(`expected 8 lowercase hex digits of key id, found ${repr(idHex)}`);
    }
    let key;
    try {
      key = decodeBase64(keyText);
    } catch {
      throw new InputError(`expected a base64 verifier key, found ${repr(keyText)}`);
    }
    if (key.length === 0 || key[0] !== 0x01) {
      throw new InputError(`expected Ed25519 key type 0x01, found ${hex(key.slice(0, 1)) || "none"}`);
    }
    if (!isValidName(name) || LONE_SURROGATE.test(name)) {
      throw new InputError(`expected a key name without spaces or '+', found ${repr(name)}`);
    }
    const publicKey = key.slice(1);
    if (publicKey.length !== 32) {
      throw new InputError(`expected a 32-byte Ed25519 public key, found ${publicKey.length} bytes`);
    }
    const id = await keyId(name, publicKey);
    if (hex(id) !== idHex) throw new InputError(`expected key id ${hex(id)}, found ${idHex}`);
    let cryptoKey;
    try {
      cryptoKey = await subtle().importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`this browser cannot use the Ed25519 key ${name}+${idHex} ` +
        `(${error.name}): a current Chrome, Edge, Firefox or Safari can`);
    }
    return Object.freeze({ name, idBytes: id, keyId: idHex, cryptoKey, validFrom, validUntil,
      verifierKey: text });
  }

  /** A trust-list window bound (keys.py _parse_time): empty is no bound; else a time with its
   *  time zone. */
  function windowBound(value, where) {
    if (!pyTruthy(value)) return null;
    let moment;
    try {
      if (typeof value !== "string") throw new ValueError(`not a time: ${pyStr(value)}`);
      moment = fromIsoFormat(value);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new InputError(`${where}: ${error.message}`);
    }
    if (moment.offset === null) {
      throw new InputError(`${where}: expected a time with a time zone, found ${repr(value)}`);
    }
    return moment;
  }

  /** read_trust: every key of a trust list from `ledger keys trust --export`, with its window. */
  async function readTrustList(text) {
    let data;
    try {
      data = loadJson(text);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new InputError(`expected a trust list, found malformed JSON (${error.message})`);
    }
    const entries = isObject(data) ? data.get("keys") : undefined;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new InputError("expected a trust list with at least one key under `keys`");
    }
    const keys = [];
    for (const [n, entry] of entries.entries()) {
      const where = `keys[${n}]`;
      if (!isObject(entry) || typeof entry.get("verifier_key") !== "string") {
        throw new InputError(`${where}: expected an object with a \`verifier_key\``);
      }
      const from = windowBound(entry.get("valid_from"), `${where}.valid_from`);
      const until = windowBound(entry.get("valid_until"), `${where}.valid_until`);
      keys.push(await trustedKey(entry.get("verifier_key"), from, until));
    }
    return keys;
  }

  /** The trusted keys from what the buyer pasted: a trust list (JSON) or one verifier key.
   *  Surrounding whitespace is ignored, as `ledger verify` does for a key file. */
  async function readKeys(text) {
    const trimmed = text.trim();
    if (!trimmed) throw new InputError("expected the operator's verifier key or a trust list");
    return trimmed.startsWith("{") ? readTrustList(trimmed) : [await trustedKey(trimmed)];
  }

  // --- C2SP signed notes and checkpoints: note.py, checkpoint.py -----------------------------

  const checkpointInvalid = (message) => fail("checkpoint_invalid", message);

  function signatureLine(line) {
    const rest = line.startsWith(SIGNATURE_PREFIX) ? line.slice(SIGNATURE_PREFIX.length) : line;
    const space = rest.indexOf(" ");
    const name = space < 0 ? rest : rest.slice(0, space);
    let signature;
    try {
      signature = decodeBase64(space < 0 ? "" : rest.slice(space + 1));
    } catch {
      signature = new Uint8Array(0);
    }
    // Four bytes of key id and at least one of signature, as in Go's note.Open.
    if (!line.startsWith(SIGNATURE_PREFIX) || !isValidName(name) || signature.length < 5) {
      checkpointInvalid(`expected '\u2014 <key name> <base64 signature>', found ${repr(line)}`);
    }
    return { name, id: signature.slice(0, 4), signature: signature.slice(4) };
  }

  /** open_note: the note's text once a trusted key's signature on it verifies. */
  async function openNote(note, trusted) {
    if (/[\x00-\x09\x0b-\x1f]/.test(note)) {
      checkpointInvalid("expected a note without control characters other than newline");
    }
    const split = note.lastIndexOf("\n\n"); // the text may hold blank lines; the last one ends it
    if (split < 0 || !note.endsWith("\n")) {
      checkpointInvalid("expected note text, a blank line and signature lines");
    }
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2, -1).split("\n");
    if (lines.length > MAX_SIGNATURES) {
      checkpointInvalid(`expected at most ${MAX_SIGNATURES} signatures, found ${lines.length}`);
    }
    const message = utf8.encode(text);
    let verified = 0;
    for (const line of lines) {
      const { name, id, signature } = signatureLine(line);
      for (const key of trusted) {
        if (key.name !== name || !equalBytes(key.idBytes, id)) continue; // unknown keys are ignored
        if (!(await ed25519Verify(key.cryptoKey, signature, message))) {
          checkpointInvalid(`signature by trusted key ${name}+${hex(id)} fails`);
        }
        verified += 1;
      }
    }
    if (verified === 0) {
      const names = trusted.map((k) => `${k.name}+${k.keyId}`).join(", ") || "none";
      checkpointInvalid(`expected a signature by a trusted key (${names}), found none`);
    }
    return text;
  }

  /** parse_checkpoint_body: origin, tree size, root hash, then extension lines. */
  function parseCheckpointBody(text) {
    const lines = text.split("\n");
    if (lines.length < 4 || lines.pop() !== "") {
      checkpointInvalid("expected origin, size and root hash lines, each ending in a newline");
    }
    const [origin, sizeLine, rootLine, ...extensions] = lines;
    if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine) || BigInt(sizeLine) > MAX_UINT64) {
      checkpointInvalid(`malformed checkpoint: expected a decimal number without leading zeros, ` +
        `found ${repr(sizeLine)}`);
    }
    let rootHash;
    try {
      rootHash = decodeBase64(rootLine);
    } catch (error) {
      checkpointInvalid(`malformed checkpoint: ${error.message}`);
    }
    for (const line of [origin, ...extensions]) {
      if (!line) checkpointInvalid(`expected non-empty lines without control characters, found ''`);
    }
    if (rootHash.length !== 32) {
      checkpointInvalid(`expected a 32-byte root hash, found ${rootHash.length} bytes`);
    }
    return { origin, size: BigInt(sizeLine), rootHash };
  }

  // --- RFC 9162 §2.1.3.2 inclusion: merkle.py ------------------------------------------------

  const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);
  const bitCount = (n) => n.toString(2).replaceAll("0", "").length;

  function wrongPathLength(index, size, path) {
    const inner = bitLength(index ^ (size - 1n));
    const expected = inner + bitCount(index >> BigInt(inner));
    return fail("proof_invalid", `expected ${expected} proof hashes for leaf ${index} of a tree ` +
      `of size ${size}, found ${path.length}`);
  }

  async function verifyInclusion(leaf, index, size, path, rootHash) {
    // 1. leaf_index must be below tree_size.
    if (!(index >= 0n && index < size)) {
      fail("proof_invalid", `expected a leaf index below the tree size ${size}, found ${index}`);
    }
    // 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    let fn = index;
    let sn = size - 1n;
    let r = leaf;
    // 4. For each value p in the inclusion_path:
    for (const p of path) {
      // 4a. sn reaching 0 first means the proof is too long.
      if (sn === 0n) wrongPathLength(index, size, path);
      // 4b. p is a left sibling when fn is a right child or on the right edge.
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        // 4b.ii. Skip the levels where fn's subtree has no right sibling.
        while (fn !== 0n && (fn & 1n) === 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      // 4c.
      fn >>= 1n;
      sn >>= 1n;
    }
    // 5. sn must be 0, and r must equal root_hash.
    if (sn !== 0n) wrongPathLength(index, size, path);
    if (!equalBytes(r, rootHash)) {
      fail("proof_invalid", `expected root ${hex(rootHash)} for tree size ${size}, proof yields ` +
        `${hex(r)}`);
    }
  }

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
  function fromIsoFormat(text) {
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
  function isoFormat(moment) {
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

  /** TrustedKey.valid_at: after valid_from, up to and including valid_until. */
  const validAt = (key, moment) => (key.validFrom === null || moment.utc > key.validFrom.utc) &&
    (key.validUntil === null || moment.utc <= key.validUntil.utc);

  // --- the signed event: envelope.py, and verify.py's _open_signed_event ---------------------

  const ENVELOPE_FIELDS = ["event", "key", "originator_id", "prev", "topic", "version"];

  async function openSignedEvent(payload, signature, trusted) {
    let fields;
    try {
      fields = loadJsonBytes(payload);
      if (!isObject(fields) || fields.get("format") !== EVENT_FORMAT) {
        throw new ValueError(`expected an envelope of format ${EVENT_FORMAT}`);
      }
      for (const name of ENVELOPE_FIELDS) {
        if (!fields.has(name)) throw new ValueError(`envelope has no \`${name}\``);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      fail("signature_invalid", `expected a signed event envelope, found ${error.message}`);
    }
    const id = pyStr(fields.get("key"));
    const keys = trusted.filter((key) => key.keyId === id);
    if (keys.length === 0) {
      fail("unknown_key", `expected the event signed by a trusted key, found key ${id}`);
    }
    if (!(await ed25519Verify(keys[0].cryptoKey, signature, payload))) {
      fail("signature_invalid", `signature by key ${id} does not verify`);
    }
    const event = fields.get("event");
    const timestamp = isObject(event) ? event.get("timestamp") : undefined;
    let madeAt;
    try {
      if (typeof timestamp !== "string") {
        throw new ValueError(`expected the event's timestamp, found ${pyStr(timestamp ?? null)}`);
      }
      madeAt = fromIsoFormat(timestamp);
      if (madeAt.offset === null) {
        throw new ValueError(`expected a timestamp with a time zone, found ${repr(timestamp)}`);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      fail("key_not_valid", `expected the event's time with its time zone, found ${error.message}`);
    }
    if (!keys.some((key) => validAt(key, madeAt))) {
      fail("key_not_valid", `event made at ${isoFormat(madeAt)}, outside every validity window ` +
        `of key ${id}`);
    }
    return { fields, key: keys[0] };
  }

  // --- the summary: bundle.py summary_of, verify.py _compare_summary -------------------------

  const SAME_NAME_FIELDS = ["beneficiary", "buyer", "holder", "quantity", "batch", "source",
    "vintage", "reason", "claim_period"];

  function summaryOf(fields) {
    const mismatch = (what) => fail("summary_mismatch",
      `expected a signed event with every summary field: ${what}`);
    const event = fields.get("event");
    const signed = { retirement_id: fields.get("originator_id") };
    for (const name of SAME_NAME_FIELDS) {
      if (!event.has(name)) mismatch(`the signed event has no field '${name}'`);
      signed[name] = event.get(name);
    }
    if (!event.has("blocks")) mismatch("the signed event has no field 'blocks'");
    const blocks = event.get("blocks");
    // Python unpacks `for first, last in blocks`: only pairs of integers make blocks, and an
    // empty object or string iterates to no blocks at all.
    if ((isObject(blocks) && blocks.size === 0) || blocks === "") {
      signed.blocks = [];
    } else if (Array.isArray(blocks) && blocks.every((b) => Array.isArray(b) && b.length === 2)) {
      signed.blocks = blocks;
    } else {
      mismatch("the signed event is not shaped as a retirement");
    }
    signed.retired_at = event.get("timestamp");
    for (const [name, type] of SUMMARY_FIELDS) {
      const value = signed[name];
      const ok = type === "str" ? typeof value === "string"
        : type === "int" ? isInt(value)
          : value.every(([first, last]) => isInt(first) && isInt(last));
      if (!ok) mismatch(`the signed event's \`${name}\` is not a valid ${type}`);
    }
    return signed;
  }

  const sameValue = (a, b) => (Array.isArray(a)
    ? a.length === b.length && a.every(([f, l], n) => f === b[n][0] && l === b[n][1])
    : a === b);

  const shown = (value) => (Array.isArray(value)
    ? `[${value.map(([f, l]) => `{'first': ${f}, 'last': ${l}}`).join(", ")}]`
    : repr(value));

  function compareSummary(summary, fields) {
    const signed = summaryOf(fields);
    for (const [name] of SUMMARY_FIELDS) {
      if (!sameValue(summary[name], signed[name])) {
        fail("summary_mismatch", `field \`${name}\`: the signed event says ` +
          `${shown(signed[name])}, the summary ${shown(summary[name])}`);
      }
    }
  }

  // --- the seven checks ----------------------------------------------------------------------

  /** What a verified proof establishes, as text for people. */
  function retirementOf(bundle, checkpoint, key) {
    const s = bundle.summary;
    return {
      retirementId: s.retirement_id, beneficiary: s.beneficiary, buyer: s.buyer,
      holder: s.holder, quantity: String(s.quantity), batch: s.batch, source: s.source,
      vintage: String(s.vintage), reason: s.reason, claimPeriod: s.claim_period,
      retiredAt: s.retired_at,
      blocks: s.blocks.map(([first, last]) => `${first}..${last}`).join(", "),
      leafIndex: String(bundle.leafIndex), origin: checkpoint.origin,
      treeSize: String(checkpoint.size), rootHash: encodeBase64(checkpoint.rootHash),
      eventKeyId: key.keyId,
    };
  }

  /**
   * verify_bundle: check a proof file's bytes against trusted keys (from readKeys).
   * Resolves to a report: `valid`, and per check its number, name, status ("pass", "fail",
   * "skipped": every check after the first failure) and failure message; never rejects for
   * anything wrong with the proof. An empty `trusted` trusts nothing, so every proof fails.
   */
  async function verifyBundle(raw, trusted) {
    const checks = CHECKS.map((name, n) => ({ number: n + 1, name, status: "skipped",
      code: null, message: null }));
    const state = {};
    const steps = [
      // 1. The file parses: size, strict JSON, the model, the one canonical spelling.
      () => {
        state.bundle = parseBundle(raw);
        state.payload = decodeBase64(state.bundle.payload);
        state.signature = decodeBase64(state.bundle.signature);
      },
      // 2. A trusted key signed the checkpoint (C2SP signed note; unknown keys' lines ignored).
      async () => {
        state.checkpoint = parseCheckpointBody(await openNote(state.bundle.checkpoint, trusted));
      },
      // 3. The bundle's tree size is the checkpoint's.
      () => {
        if (state.bundle.treeSize !== state.checkpoint.size) {
          fail("proof_invalid", `expected the checkpoint's tree size ${state.checkpoint.size}, ` +
            `found ${state.bundle.treeSize}`);
        }
      },
      // 4. RFC 9162 §2.1.3.2: the leaf hash of the exact signed bytes leads to the root hash.
      async () => {
        await verifyInclusion(await leafHash(state.payload), state.bundle.leafIndex,
          state.checkpoint.size, state.bundle.inclusionPath.map(decodeBase64),
          state.checkpoint.rootHash);
      },
      // 5. The event's own signature, by a trusted key valid when the event was made.
      async () => {
        state.event = await openSignedEvent(state.payload, state.signature, trusted);
      },
      // 6. The event is a retirement.
      () => {
        const topic = state.event.fields.get("topic");
        if (topic !== RETIREMENT_TOPIC) {
          fail("not_a_retirement", `expected a ${RETIREMENT_TOPIC} event, found ${repr(topic)}`);
        }
      },
      // 7. The summary says exactly what the signed event says, field for field.
      () => compareSummary(state.bundle.summary, state.event.fields),
    ];
    for (const [n, step] of steps.entries()) {
      const check = checks[n];
      try {
        await step();
        check.status = "pass";
      } catch (error) {
        check.status = "fail";
        check.code = error instanceof VerificationFailed ? error.code : "internal_error";
        check.message = `check ${n + 1} of ${CHECKS.length} (${check.name}): ` +
          (error instanceof VerificationFailed ? error.message : `unexpected ${error}`);
        return { valid: false, checks, failed: n + 1, code: check.code, message: check.message,
          retirement: null };
      }
    }
    return { valid: true, checks, failed: null, code: null, message: null,
      retirement: retirementOf(state.bundle, state.checkpoint, state.event.key) };
  }

  /** The whole check from what a buyer supplies: the proof file's bytes and the key text. */
  async function verify(raw, keysText) {
    let trusted;
    try {
      trusted = await readKeys(keysText);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const checks = CHECKS.map((name, n) => ({ number: n + 1, name, status: "skipped",
        code: null, message: null }));
      return { valid: false, checks, failed: null, code: "invalid_argument",
        message: `the verifier key or trust list cannot be used: ${error.message}`,
        retirement: null };
    }
    return verifyBundle(raw, trusted);
  }

  return Object.freeze({ CHECKS, InputError, readKeys, verifyBundle, verify });
})();
