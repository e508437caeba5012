// The verify page: reads the proof and the key from the form (or from the link's fragment),
// runs ledgerVerify and shows each check. Everything from a proof is shown with textContent,
// never parsed as HTML. Nothing leaves the page: there is no request to make.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("verify-form");
  const proofText = $("proof-text");
  const proofFile = $("proof-file");
  const proofSource = $("proof-source");
  const keyText = $("key-text");
  const witnessText = $("witness-text");
  const minWitnesses = $("min-witnesses");
  const verdict = $("verdict");
  const retirement = $("retirement");
  let proofBytes = null; // a dropped or chosen file, or the link's proof: exact bytes

  const useBytes = (bytes, where) => {
    proofBytes = bytes;
    proofText.value = "";
    proofSource.textContent = `Using ${where}: ${bytes.length} bytes, read exactly as they are.`;
  };

  const useFile = async (file) => useBytes(new Uint8Array(await file.arrayBuffer()), file.name);

  proofText.addEventListener("input", () => {
    proofBytes = null;
    proofSource.textContent = "";
  });
  proofFile.addEventListener("change", () => {
    if (proofFile.files.length) useFile(proofFile.files[0]);
  });
  form.addEventListener("dragover", (event) => event.preventDefault());
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) useFile(event.dataTransfer.files[0]);
  });

  function show(report) {
    for (const check of report.checks) {
      const item = document.querySelector(`[data-check="${check.number}"]`);
      item.dataset.status = check.status;
      item.querySelector(".status").textContent = check.status;
      item.querySelector(".message").textContent = check.message ?? "";
    }
    verdict.dataset.verdict = report.valid ? "valid" : "invalid";
    verdict.textContent = report.valid
      ? "Valid: the operator's log holds this retirement, signed as the summary says."
      : `Not valid: ${report.message}`;
    retirement.hidden = !report.valid;
    for (const field of retirement.querySelectorAll("[data-field]")) {
      field.textContent = report.valid ? report.retirement[field.dataset.field] : "";
    }
  }

  async function run() {
    delete verdict.dataset.verdict;
    verdict.textContent = "Checking…";
    const raw = proofBytes ?? new TextEncoder().encode(proofText.value);
    try {
      show(await ledgerVerify.verify(raw, keyText.value, witnessText.value,
        minWitnesses.value || null));
    } catch (error) {
      show({ valid: false, message: `the check could not run: ${error}`, retirement: null,
        checks: ledgerVerify.CHECKS.map((name, n) => ({ number: n + 1, status: "skipped" })) });
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // The automation contract: #proof=<base64url of the file's bytes>&key=<URL-encoded key>
  // [&witness=<URL-encoded witness key>]…[&min-witnesses=N] runs at once. decodeURIComponent,
  // not URLSearchParams: a "+" of a key stays a "+".
  function fromFragment() {
    const pairs = location.hash.slice(1).split("&").filter(Boolean).map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    });
    const params = new Map(pairs);
    const witnesses = pairs.filter(([name]) => name === "witness").map(([, v]) => v);
    if (!params.has("proof")) return;
    try {
      const base64 = params.get("proof").replace(/-/g, "+").replace(/_/g, "/");
      useBytes(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)), "the proof in the link");
      if (params.has("key")) keyText.value = decodeURIComponent(params.get("key"));
      // A link says what it requires: the witnesses it names, or none.
      witnessText.value = witnesses.map(decodeURIComponent).join("\n");
      minWitnesses.value = params.get("min-witnesses") ?? "";
    } catch (error) {
      show({ valid: false, message: `the link's proof or key cannot be read (${error.name})`,
        retirement: null,
        checks: ledgerVerify.CHECKS.map((name, n) => ({ number: n + 1, status: "skipped" })) });
      return;
    }
    run();
  }

  window.addEventListener("hashchange", fromFragment);
  document.documentElement.dataset.script = "ready";
  fromFragment();
})();
