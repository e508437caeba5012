// The retirement proof verifier of ledger/transparency/verify.py, for the buyer's own browser.
//
// `ledgerVerify.verifyBundle(bytes, trusted)` runs the seven checks of Python's `verify_bundle`
// in the same order, with the same numbers and names, and fails closed wherever Python fails:
// it reads the proof file's bytes as Python does (the strict model, then the one canonical
// spelling), the C2SP signed checkpoint, the RFC 9162 inclusion proof, the signed event
// envelope and the key windows of a trust list, with python.js where Python's own semantics
// decide (json.loads, datetime.fromisoformat). It needs no server and no library: hashes and
// Ed25519 come from the browser's WebCrypto (`crypto.subtle`), which exists only in a secure
// context (HTTPS, localhost, or a file opened from disk).
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

  const { ValueError, repr } = python;

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
    if (!CANONICAL_BASE64.test(text)) {
      throw new ValueError(`expected canonical base64, found ${repr(text)}`);
    }
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  };

  const encodeBase64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

  const CONTROL = /[\x00-\x1f]/;
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

  /** ledger.signing.c2sp.is_valid_name. */
  const isValidName = (name) =>
    name.length > 0 && !python.SPACE.test(name) && !name.includes("+") && !CONTROL.test(name);

  // --- the proof file: ledger/transparency/bundle.py -----------------------------------------

  // JSON values as python.loads makes them: objects are Maps, integers BigInts.
  const isObject = (v) => v instanceof Map;
  const isInt = (v) => typeof v === "bigint";

  const B64 = "[A-Za-z0-9+/]";
  const BASE64_FIELD = CANONICAL_BASE64;
  const HASH_FIELD = new RegExp(`^${B64}{42}[AEIMQUYcgkosw048]=$`);
  const SIGNATURE_FIELD = new RegExp(`^${B64}{85}[AQgw]==$`);
  const SUMMARY_FIELDS = [
    ["retirement_id", "str"], ["beneficiary", "str"], ["buyer", "str"], ["holder", "str"],
    ["quantity", "int"], ["batch", "str"], ["source", "str"], ["vintage", "int"],
    ["blocks", "blocks"], ["reason", "str"], ["claim_period", "str"], ["retired_at", "str"],
    ["labels", "labels"], ["unit", "unit"], ["purpose", "str"], ["claim_type", "str"],
    ["consumption_country", "str"], ["consumption_period", "str"], ["public_note", "str"],
    ["registry_ref", "str"], ["revealed_beneficiary", "str"],
  ];
  /** Summary fields a proof may leave out (the model's `None` default: written not at all). */
  const OPTIONAL_SUMMARY_FIELDS = ["labels", "unit", "purpose", "claim_type",
    "consumption_country", "consumption_period", "public_note", "registry_ref",
    "revealed_beneficiary"];
  /** The optional summary fields the retirement event itself says (the others come from its
   * later events: bundle.py _OPTIONAL_FIELDS). */
  const EVENT_OPTIONAL_FIELDS = OPTIONAL_SUMMARY_FIELDS.filter(
    (n) => n !== "registry_ref" && n !== "revealed_beneficiary");
  const CONFIRMED_TOPIC = "ledger.aggregates.retirement:Retirement.Confirmed";
  const REVEALED_TOPIC = "ledger.aggregates.retirement:Retirement.Revealed";
  /** The proof's later events, in schema order, and the topic each must have. */
  const LATER = [["confirmation", CONFIRMED_TOPIC], ["revelation", REVEALED_TOPIC]];
  const SALT = /^[0-9a-f]{32}$/;
  const UNITS = ["t", "kg"];
  const BUNDLE_FIELDS = ["format", "summary", "event", "leaf_index", "tree_size",
    "inclusion_path", "checkpoint", "confirmation", "revelation"];

  /** Refuse what the pydantic model refuses: `where` names the field as pydantic does. */
  const malformed = (where, what) => fail("proof_malformed", `\`${where}\`: ${what}`);

  function fieldsOf(value, names, where, optional = []) {
    if (!isObject(value)) malformed(where || "the file", "expected an object");
    for (const key of value.keys()) {
      if (!names.includes(key)) malformed(where ? `${where}.${key}` : key, "extra field");
    }
    for (const name of names) {
      if (!value.has(name) && !optional.includes(name)) {
        malformed(where ? `${where}.${name}` : name, "field required");
      }
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
    const fields = fieldsOf(value, SUMMARY_FIELDS.map(([name]) => name), "summary",
      OPTIONAL_SUMMARY_FIELDS);
    const summary = {};
    for (const [name, type] of SUMMARY_FIELDS) {
      const where = `summary.${name}`;
      const field = fields.get(name);
      if (field === undefined) continue; // an optional field left out
      if (type === "unit") {
        if (typeof field !== "string" || !UNITS.includes(field)) {
          malformed(where, "expected 't' or 'kg'");
        }
        summary.unit = field;
        continue;
      }
      if (type === "labels") {
        if (!Array.isArray(field)) malformed(where, "expected a list");
        summary.labels = field.map((label, n) => typed(label, "str", `${where}.${n}`));
        continue;
      }
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
  /** A signed event and its inclusion path, as the model reads them (`where` is the prefix). */
  function signedEventModel(value, where) {
    const event = fieldsOf(value, ["payload", "signature"], `${where}event`);
    const payload = matching(event.get("payload"), BASE64_FIELD, `${where}event.payload`);
    if (payload.length < 4) malformed(`${where}event.payload`, "expected at least 4 characters");
    return {
      payload,
      signature: matching(event.get("signature"), SIGNATURE_FIELD, `${where}event.signature`),
    };
  }

  function pathModel(path, where) {
    if (!Array.isArray(path)) malformed(where, "expected a list");
    if (path.length > 64) malformed(where, "expected at most 64 items");
    return path.map((h, n) => matching(h, HASH_FIELD, `${where}.${n}`));
  }

  /** LaterEvent: a later event's signed payload, leaf index and inclusion path. */
  function laterModel(value, where) {
    if (value === undefined) return undefined;
    const fields = fieldsOf(value, ["event", "leaf_index", "inclusion_path"], where);
    const event = signedEventModel(fields.get("event"), `${where}.`);
    return {
      payload: event.payload,
      signature: event.signature,
      leafIndex: intBetween(fields.get("leaf_index"), 0n, MAX_UINT64, `${where}.leaf_index`),
      inclusionPath: pathModel(fields.get("inclusion_path"), `${where}.inclusion_path`),
    };
  }

  function bundleModel(value) {
    const fields = fieldsOf(value, BUNDLE_FIELDS, "", ["confirmation", "revelation"]);
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
      confirmation: laterModel(fields.get("confirmation"), "confirmation"),
      revelation: laterModel(fields.get("revelation"), "revelation"),
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
    const summary = object(...SUMMARY_FIELDS
      .filter(([name]) => b.summary[name] !== undefined)
      .map(([name]) => [name, name === "blocks"
        ? b.summary.blocks.map(([first, last]) => object(["first", first], ["last", last]))
        : b.summary[name]]));
    const later = LATER.filter(([name]) => b[name] !== undefined).map(([name]) => [name, object(
      ["event", object(["payload", b[name].payload], ["signature", b[name].signature])],
      ["leaf_index", b[name].leafIndex], ["inclusion_path", b[name].inclusionPath])]);
    return `${dump(object(
      ["format", FORMAT], ["summary", summary],
      ["event", object(["payload", b.payload], ["signature", b.signature])],
      ["leaf_index", b.leafIndex], ["tree_size", b.treeSize],
      ["inclusion_path", b.inclusionPath], ["checkpoint", b.checkpoint], ...later,
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
      value = python.loads(text);
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

  /** The C2SP key id: SHA-256(name || 0x0A || kind || public key)[:4] (kind 0x01 for a note
   *  signer's key, 0x04 for a witness's cosignature/v1 key). */
  const keyId = async (name, publicKey, kind = 0x01) =>
    (await sha256(concat(utf8.encode(name), Uint8Array.of(0x0a, kind), publicKey))).slice(0, 4);

  /** split_vkey: the name, hex key id and key bytes (type byte first) of
   *  ``name+hexkeyid+base64(type || key)``; the caller checks the type and the key id. */
  function splitVkey(text, what) {
    const plus = text.indexOf("+");
    const name = plus < 0 ? text : text.slice(0, plus);
    const rest = plus < 0 ? "" : text.slice(plus + 1);
    const plus2 = rest.indexOf("+");
    const idHex = plus2 < 0 ? rest : rest.slice(0, plus2);
    const keyText = plus2 < 0 ? "" : rest.slice(plus2 + 1);
    if (!/^[0-9a-f]{8}$/.test(idHex)) {
      throw new InputError(`expected 8 lowercase hex digits of key id, found ${repr(idHex)}`);
    }
    try {
      return { name, idHex, key: decodeBase64(keyText) };
    } catch {
      throw new InputError(`expected a base64 ${what} key, found ${repr(keyText)}`);
    }
  }

  /** parse_verifier_key, then TrustedKey: ``name+hexkeyid+base64(0x01 || public key)``. */
  async function trustedKey(text, validFrom = null, validUntil = null) {
    const { name, idHex, key } = splitVkey(text, "verifier");
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
    if (!python.truthy(value)) return null;
    let moment;
    try {
      if (typeof value !== "string") throw new ValueError(`not a time: ${python.str(value)}`);
      moment = python.fromisoformat(value);
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
      data = python.loads(text);
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

  // --- witnesses: cosignature.py (C2SP tlog-cosignature, Ed25519 cosignature/v1) ------------

  const MAX_TIMESTAMP = (1n << 63n) - 1n;

  /** parse_witness_key: ``name+hexkeyid+base64(0x04 || public key)``. */
  async function witnessKey(text) {
    const { name, idHex, key } = splitVkey(text, "witness");
    if (key.length === 0 || key[0] !== 0x04) {
      throw new InputError("expected a cosignature/v1 witness key (type 0x04), found type " +
        (hex(key.slice(0, 1)) || "none"));
    }
    const publicKey = key.slice(1);
    if (!isValidName(name) || publicKey.length !== 32) {
      throw new InputError(`expected a witness name without spaces or '+' and a 32-byte key, ` +
        `found ${repr(name)} and ${publicKey.length} bytes`);
    }
    const id = await keyId(name, publicKey, 0x04);
    if (hex(id) !== idHex) throw new InputError(`expected key id ${hex(id)}, found ${idHex}`);
    const cryptoKey = await subtle().importKey("raw", publicKey, { name: "Ed25519" }, false,
      ["verify"]);
    return Object.freeze({ name, idBytes: id, keyId: idHex, cryptoKey, vkey: text });
  }

  /** Witness keys, one a line (none: an empty text). */
  async function readWitnesses(text) {
    const keys = [];
    for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const key = await witnessKey(line);
      if (keys.some((k) => k.vkey === key.vkey)) {
        throw new InputError(`expected each witness key once, found ${repr(line)} twice`);
      }
      keys.push(key);
    }
    return keys;
  }

  /** cosignatures: the witnesses whose cosignature on the note verifies, each once. A line of
   *  a trusted witness that does not verify fails closed; other keys' lines are ignored. */
  async function cosignaturesOf(note, witnesses) {
    const split = note.lastIndexOf("\n\n");
    const body = note.slice(0, split + 1);
    const found = new Map();
    for (const line of note.slice(split + 2, -1).split("\n")) {
      const { name, id, signature } = signatureLine(line);
      for (const witness of witnesses) {
        if (witness.name !== name || !equalBytes(witness.idBytes, id)) continue;
        if (signature.length !== 72) {
          checkpointInvalid(`cosignature by witness ${name}: expected 72 bytes of time and ` +
            `signature, found ${signature.length}`);
        }
        const timestamp = new DataView(signature.buffer, signature.byteOffset, 8)
          .getBigUint64(0, false);
        const message = utf8.encode(`cosignature/v1\ntime ${timestamp}\n${body}`);
        if (timestamp > MAX_TIMESTAMP ||
            !(await ed25519Verify(witness.cryptoKey, signature.slice(8), message))) {
          checkpointInvalid(`cosignature by witness ${name}+${hex(id)} fails`);
        }
        if (!found.has(witness.vkey)) {
          found.set(witness.vkey, { witness: name,
            time: new Date(Number(timestamp) * 1000).toISOString().replace(".000Z", "Z") });
        }
      }
    }
    return [...found.values()];
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

  /** TrustedKey.valid_at: after valid_from, up to and including valid_until. */
  const validAt = (key, moment) => (key.validFrom === null || moment.utc > key.validFrom.utc) &&
    (key.validUntil === null || moment.utc <= key.validUntil.utc);

  // --- the signed event: envelope.py, and verify.py's _open_signed_event ---------------------

  const ENVELOPE_FIELDS = ["event", "key", "originator_id", "prev", "topic", "version"];

  async function openSignedEvent(payload, signature, trusted) {
    let fields;
    try {
      fields = python.loadsBytes(payload);
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
    const id = python.str(fields.get("key"));
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
        throw new ValueError(`expected the event's timestamp, found ${python.str(timestamp ?? null)}`);
      }
      madeAt = python.fromisoformat(timestamp);
      if (madeAt.offset === null) {
        throw new ValueError(`expected a timestamp with a time zone, found ${repr(timestamp)}`);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      fail("key_not_valid", `expected the event's time with its time zone, found ${error.message}`);
    }
    if (!keys.some((key) => validAt(key, madeAt))) {
      fail("key_not_valid", `event made at ${python.isoformat(madeAt)}, outside every validity window ` +
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
    // Python's model reads a null as the field absent.
    for (const name of EVENT_OPTIONAL_FIELDS) {
      if (event.has(name) && event.get(name) !== null) signed[name] = event.get(name);
    }
    for (const [name, type] of SUMMARY_FIELDS) {
      const value = signed[name];
      if (OPTIONAL_SUMMARY_FIELDS.includes(name) && value === undefined) continue;
      const ok = type === "str" ? typeof value === "string"
        : type === "unit" ? UNITS.includes(value)
        : type === "int" ? isInt(value)
          : type === "labels" ? Array.isArray(value) && value.every((l) => typeof l === "string")
            : value.every(([first, last]) => isInt(first) && isInt(last));
      if (!ok) mismatch(`the signed event's \`${name}\` is not a valid ${type}`);
    }
    return signed;
  }

  /** Equal as Python compares the two summaries' field: blocks, labels, or a plain value. */
  function sameValue(a, b) {
    if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
    if (a.length !== b.length) return false;
    return a.every((x, n) => (Array.isArray(x)
      ? Array.isArray(b[n]) && x[0] === b[n][0] && x[1] === b[n][1]
      : x === b[n]));
  }

  function shown(value) {
    if (value === undefined) return "None";
    if (!Array.isArray(value)) return repr(value);
    return `[${value.map((x) => (Array.isArray(x)
      ? `{'first': ${x[0]}, 'last': ${x[1]}}` : repr(x))).join(", ")}]`;
  }

  /** A later event's field as Python reads it: a null or a missing one is None. */
  function laterValue(later, name) {
    if (later === undefined) return undefined;
    const event = later.fields.get("event");
    const value = isObject(event) ? event.get(name) : undefined;
    return value === null ? undefined : value;
  }

  /** bundle.py commitment: SHA-256 over the salt's bytes and the UTF-8 name, hex; null for a
   * salt of another shape or a name UTF-8 cannot write. */
  async function commitment(name, salt) {
    if (typeof salt !== "string" || typeof name !== "string" || !SALT.test(salt)
        || LONE_SURROGATE.test(name)) {
      return null;
    }
    const bytes = Uint8Array.from(salt.match(/../g).map((h) => parseInt(h, 16)));
    const digest = await sha256(concat(bytes, utf8.encode(name)));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function compareSummary(summary, fields, later) {
    const signed = summaryOf(fields);
    signed.registry_ref = laterValue(later.confirmation, "registry_ref");
    signed.revealed_beneficiary = laterValue(later.revelation, "beneficiary");
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
      retirementId: s.retirement_id, beneficiary: s.revealed_beneficiary === undefined ? s.beneficiary
        : `${s.revealed_beneficiary} (revealed; signed as ${s.beneficiary})`, buyer: s.buyer,
      holder: s.holder, batch: s.batch, source: s.source,
      quantity: s.unit === "kg"
        ? `${s.quantity} kg (${s.quantity / 1000n}.${String(s.quantity % 1000n).padStart(3, "0")} t)`
        : String(s.quantity),
      vintage: String(s.vintage), reason: s.reason, claimPeriod: s.claim_period,
      retiredAt: s.retired_at,
      status: s.registry_ref === undefined ? "not confirmed by the registry in this proof"
        : `confirmed by the registry as ${s.registry_ref}`,
      claim: ["purpose", "claim_type", "consumption_country", "consumption_period", "public_note"]
        .filter((name) => s[name] !== undefined)
        .map((name) => `${name.replace(/_/g, " ")}: ${s[name]}`).join("; "),
      labels: s.labels === undefined ? "not recorded (a retirement from before labels)"
        : s.labels.join(", ") || "none",
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
  async function verifyBundle(raw, trusted, witnesses = [], minWitnesses = 0) {
    const checks = CHECKS.map((name, n) => ({ number: n + 1, name, status: "skipped",
      code: null, message: null }));
    const state = {};
    const steps = [
      // 1. The file parses: size, strict JSON, the model, the one canonical spelling.
      () => {
        state.bundle = parseBundle(raw);
        state.payload = decodeBase64(state.bundle.payload);
        state.signature = decodeBase64(state.bundle.signature);
        state.laterBytes = LATER.filter(([name]) => state.bundle[name] !== undefined)
          .map(([name]) => [name, decodeBase64(state.bundle[name].payload),
            decodeBase64(state.bundle[name].signature)]);
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
        for (const [name, payload] of state.laterBytes) { // the later events too
          const later = state.bundle[name];
          await verifyInclusion(await leafHash(payload), later.leafIndex, state.checkpoint.size,
            later.inclusionPath.map(decodeBase64), state.checkpoint.rootHash);
        }
      },
      // 5. The event's own signature, by a trusted key valid when the event was made.
      async () => {
        state.event = await openSignedEvent(state.payload, state.signature, trusted);
        state.later = {};
        for (const [name, payload, signature] of state.laterBytes) {
          state.later[name] = await openSignedEvent(payload, signature, trusted);
        }
      },
      // 6. The event is a retirement.
      async () => {
        const topic = state.event.fields.get("topic");
        if (topic !== RETIREMENT_TOPIC) {
          fail("not_a_retirement", `expected a ${RETIREMENT_TOPIC} event, found ${repr(topic)}`);
        }
        for (const [name, topic] of LATER) {
          if (state.later[name] === undefined) continue;
          const its = state.later[name].fields;
          if (its.get("topic") !== topic) {
            fail("not_its_event", `expected a ${topic} event, found ${repr(its.get("topic"))}`);
          }
          if (its.get("originator_id") !== state.event.fields.get("originator_id")) {
            fail("not_its_event", "expected an event of retirement " +
              `${repr(state.event.fields.get("originator_id"))}, found one of ` +
              `${repr(its.get("originator_id"))}`);
          }
          if (name === "revelation") {
            const said = its.get("event");
            const recorded = state.event.fields.get("event");
            const found = isObject(said)
              ? await commitment(said.get("beneficiary"), said.get("salt")) : null;
            const expected = isObject(recorded) ? recorded.get("beneficiary_commitment") : null;
            if (found === null || found !== expected) {
              fail("commitment_mismatch", "expected the revealed beneficiary and salt to hash " +
                `to the retirement's commitment ${repr(expected ?? null)}, found ${repr(found)}`);
            }
          }
        }
      },
      // 7. The summary says exactly what the signed event says, field for field.
      () => compareSummary(state.bundle.summary, state.event.fields, state.later),
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
    const retirement = retirementOf(state.bundle, state.checkpoint, state.event.key);
    retirement.cosignedBy = "";
    if (witnesses.length) {
      // Then, when asked: witnesses vouch that this checkpoint is the log everyone sees.
      let cosigned;
      try {
        cosigned = await cosignaturesOf(state.bundle.checkpoint, witnesses);
      } catch (error) {
        if (!(error instanceof VerificationFailed)) throw error;
        return { valid: false, checks, failed: null, code: error.code,
          message: `witnesses: ${error.message}`, retirement: null };
      }
      if (cosigned.length < minWitnesses) {
        const have = cosigned.map((c) => c.witness).join(", ") || "none";
        return { valid: false, checks, failed: null, code: "cosignature_missing",
          message: `witnesses: expected cosignatures by at least ${minWitnesses} of ` +
            `${witnesses.length} trusted witnesses, found ${cosigned.length} (${have})`,
          retirement: null };
      }
      retirement.cosignedBy = cosigned.map((c) => `${c.witness} at ${c.time}`).join("; ");
    }
    return { valid: true, checks, failed: null, code: null, message: null, retirement };
  }

  /** The whole check from what a buyer supplies: the proof file's bytes and the key text. */
  async function verify(raw, keysText, witnessText = "", minWitnesses = null) {
    let trusted;
    let witnesses;
    let minimum;
    try {
      trusted = await readKeys(keysText);
      witnesses = await readWitnesses(witnessText);
      minimum = minWitnesses === null || minWitnesses === "" ? witnesses.length
        : Number(minWitnesses);
      if (witnesses.length && !(Number.isInteger(minimum) && minimum >= 1 &&
          minimum <= witnesses.length)) {
        throw new InputError(`expected 1 to ${witnesses.length} witnesses required, found ` +
          repr(String(minWitnesses)));
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const checks = CHECKS.map((name, n) => ({ number: n + 1, name, status: "skipped",
        code: null, message: null }));
      return { valid: false, checks, failed: null, code: "invalid_argument",
        message: `the verifier key, trust list or witness keys cannot be used: ${error.message}`,
        retirement: null };
    }
    return verifyBundle(raw, trusted, witnesses, minimum);
  }

  return Object.freeze({ CHECKS, InputError, readKeys, verifyBundle, verify });
})();
