// Leasehold audit console. Everything shown about the log is checked here, in the browser:
// the checkpoint's Ed25519 signature (WebCrypto) under the log key (pinned by the auditor, or
// the one the broker publishes, said which), and each entry's RFC 9162 inclusion proof up to
// that checkpoint's root (WebCrypto SHA-256), from the entry's own bytes. Log data is only
// ever inserted as text (textContent), never as markup.
"use strict";

const state = { token: "", pin: "", key: null, checkpoints: new Map(), latest: null, lease: null };
const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

// ---- bytes ----
function b64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function toB64(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }
function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }

// ---- RFC 6962 / 9162 Merkle hashing ----
const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

// RFC 9162 section 2.1.3.2: the root an inclusion path leads to from `leaf`, or a reason.
async function rootFromInclusion(index, size, leaf, path) {
  let fn = BigInt(index), sn = BigInt(size) - 1n;
  if (fn > sn) throw new Error("the index is not inside the tree");
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) throw new Error("the proof is longer than the tree is deep");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) { while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the proof is shorter than the tree is deep");
  return r;
}

// ---- C2SP signed notes and checkpoints ----
// A verifier key is "name+keyid+base64(0x01 || Ed25519 public key)"; keyid is the first four
// bytes of SHA-256(name || "\n" || 0x01 || key), which is recomputed here, not believed.
async function parseVerifierKey(text) {
  // The name has no "+"; base64 may.
  const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim())?.slice(1);
  if (!parts) throw new Error("a log key is name+keyid+base64");
  const raw = b64(parts[2]);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("the log key is not an Ed25519 note key");
  const id = (await sha256(concat(enc.encode(parts[0] + "\n"), raw))).slice(0, 4);
  if (hex(id) !== parts[1]) throw new Error("the log key's id does not match its name and key");
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  return { name: parts[0], id, key, text: text.trim() };
}

// The note's text is everything up to and including the first blank line's "\n"; the
// signature lines follow. Returns the checkpoint (origin, size, root) once a signature by
// `vk` verifies over the text; throws with the reason otherwise.
async function verifyCheckpoint(note, vk) {
  const split = note.indexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Error("not a signed note");
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split("\n");
  let verified = false;
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error("malformed signature line");
    if (m[1] !== vk.name) continue;
    const sig = b64(m[2]);
    if (sig.length !== 68 || !equal(sig.slice(0, 4), vk.id)) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, vk.key, sig.slice(4), enc.encode(text))) { verified = true; break; }
    throw new Error("the signature by " + vk.name + " does not verify");
  }
  if (!verified) throw new Error("no signature by the log key " + vk.name);
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error("not a checkpoint body");
  if (lines[0] !== vk.name) throw new Error("the checkpoint's origin is not the key's name");
  const root = b64(lines[2]);
  if (root.length !== 32) throw new Error("the root hash is not 32 bytes");
  return { origin: lines[0], size: Number(lines[1]), root, note };
}

// ---- the broker's API ----
async function api(path, raw) {
  const headers = {};
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  const r = await fetch(path, { headers, cache: "no-store", credentials: "omit", redirect: "error" });
  if (!r.ok) {
    let why = "HTTP " + r.status;
    try { const body = await r.json(); why = body.reason + ": " + body.error; } catch (_) { /* not JSON */ }
    const e = new Error(why); e.status = r.status; throw e;
  }
  return raw ? new Uint8Array(await r.arrayBuffer()) : r.json();
}

function lines(bytes) {
  const out = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) { out.push(bytes.slice(start, i)); start = i + 1; }
  if (start !== bytes.length) throw new Error("the entries do not end with a line break");
  return out;
}

// The latest checkpoint, verified; kept by size, so proofs can name the one they are against.
async function latestCheckpoint() {
  const note = dec.decode(await api("/v1/log/checkpoint", true));
  const cp = await verifyCheckpoint(note, state.key);
  state.checkpoints.set(cp.size, cp);
  return cp;
}

// Proves one entry (its exact bytes, at `index`) against a verified checkpoint of the proof's
// size; the log may grow between requests, so a proof for a newer size fetches that checkpoint.
async function proveEntry(index, entry) {
  const leaf = await leafHash(entry);
  for (let attempt = 0; attempt < 3; attempt++) {
    const proof = await api("/v1/log/proof/inclusion?index=" + index);
    if (proof.leaf_index !== index) throw new Error("the proof is for another entry");
    let cp = state.checkpoints.get(proof.tree_size);
    if (!cp) {
      const latest = await latestCheckpoint();
      if (latest.size !== proof.tree_size) continue;
      cp = latest;
    }
    if (!equal(b64(proof.leaf_hash), leaf)) throw new Error("the server's leaf hash is not the hash of the entry it served");
    const path = proof.inclusion_proof.map(b64);
    if (path.some((p) => p.length !== 32)) throw new Error("a proof hash is not 32 bytes");
    const root = await rootFromInclusion(index, proof.tree_size, leaf, path);
    if (!equal(root, cp.root)) throw new Error("the proof does not lead to the signed root");
    return { leaf, size: proof.tree_size, path };
  }
  throw new Error("the log kept growing; no checkpoint matched the proof's size");
}

// ---- rendering (text only) ----
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function setStatus(node, ok, reason) {
  node.textContent = ok ? "verified" : "NOT verified: " + reason;
  node.className = "status " + (ok ? "ok" : "bad");
}
function fact(dl, name, value) { dl.append(el("dt", name), el("dd", value === undefined || value === null ? "—" : value)); }

const describe = {
  "lease.issued": (f) => `Issued for “${f.purpose ?? "?"}”: keys ${(f.keyIds || []).join(", ")}; valid ${f.notBefore} to ${f.notAfter}; at most ${f.maxGrants} grant(s)` + (f.manifestDigest ? `; manifest ${String(f.manifestDigest).slice(0, 16)}…` : ""),
  "key.granted": (f) => `Granted keys ${(f.keyIds || []).join(", ")} to ${f.tee} measurement ${String(f.measurement ?? "").slice(0, 24)}…` + (f.tcbStatus ? `, TCB ${f.tcbStatus}` : "") + (f.debug ? ", DEBUG" : "") + `; grant ${f.grantId}`,
  "key.denied": (f) => `Refused: ${f.reason}` + (f.detail ? ` (${f.detail})` : ""),
  "receipt": (f) => `Receipt “${f.receiptKind}”` + (f.outputDigest ? `, output ${f.outputDigest}` : "") + ` for grant ${f.grantId}`,
  "lease.revoked": (f) => `Revoked by ${f.by ?? "the owner"}`,
  "lease.expired": (f) => `Expired at ${f.notAfter}; ${f.grantsIssued} grant(s) issued`,
  "lease.released": (f) => `Released by the workload` + (f.receiptKind ? ` (${f.receiptKind})` : ""),
};

async function showCheckpoint() {
  $("log-key").textContent = state.key.text;
  $("log-key-source").textContent = state.pinned ? "pinned by you, and the broker publishes the same key" : "published by the broker (pin one at sign-in to check it)";
  try {
    const cp = await latestCheckpoint();
    state.latest = cp;
    $("checkpoint-note").textContent = cp.note;
    $("checkpoint-size").textContent = String(cp.size);
    $("checkpoint-root").textContent = toB64(cp.root);
    setStatus($("checkpoint-status"), true);
  } catch (e) {
    setStatus($("checkpoint-status"), false, e.message);
  }
}

async function showOwners() {
  const tbody = $("owners").tBodies[0];
  tbody.replaceChildren();
  const select = $("filter-owner");
  select.replaceChildren(el("option", "all"));
  select.options[0].value = "";
  for (const o of await api("/v1/audit/owners")) {
    const tr = el("tr", undefined, "link");
    tr.append(el("td", o.owner), el("td", o.registeredSeq), el("td", o.leases));
    tr.addEventListener("click", () => { select.value = o.owner; showLeases(); });
    tbody.append(tr);
    const opt = el("option", o.owner); opt.value = o.owner; select.append(opt);
  }
}

async function showLeases() {
  const q = new URLSearchParams();
  if ($("filter-owner").value) q.set("owner", $("filter-owner").value);
  if ($("filter-text").value) q.set("q", $("filter-text").value);
  if ($("filter-status").value) q.set("status", $("filter-status").value);
  const tbody = $("leases").tBodies[0];
  tbody.replaceChildren();
  for (const l of await api("/v1/audit/leases?" + q.toString())) {
    const tr = el("tr", undefined, "link");
    tr.dataset.lease = l.owner + "/" + l.leaseId;
    tr.append(el("td", l.owner), el("td", l.leaseId), el("td", l.purpose), el("td", l.status), el("td", l.grants), el("td", l.denials), el("td", l.receipts));
    tr.addEventListener("click", () => { location.hash = "#/lease/" + encodeURIComponent(l.owner) + "/" + encodeURIComponent(l.leaseId); });
    tbody.append(tr);
  }
}

async function showLease(owner, leaseId) {
  const q = new URLSearchParams({ owner, q: leaseId, limit: "1000" });
  const summary = (await api("/v1/audit/leases?" + q.toString())).find((l) => l.leaseId === leaseId);
  $("lease-panel").hidden = false;
  $("lease-title").textContent = owner + "/" + leaseId;
  const facts = $("lease-facts");
  facts.replaceChildren();
  const tbody = $("timeline").tBodies[0];
  tbody.replaceChildren();
  if (!summary) { fact(facts, "Lease", "not in the log"); return; }
  fact(facts, "Purpose", summary.purpose); fact(facts, "Window", (summary.notBefore ?? "?") + " to " + (summary.notAfter ?? "?"));
  fact(facts, "Grants", summary.grants + " of at most " + (summary.maxGrants ?? "?")); fact(facts, "Status", summary.status);
  const entries = [];
  for (let offset = 0; offset < summary.seqs.length;) {
    const page = lines(await api(`/v1/audit/leases/${encodeURIComponent(owner)}/${encodeURIComponent(leaseId)}/entries?offset=${offset}`, true));
    if (page.length === 0) break;
    entries.push(...page); offset += page.length;
  }
  const rows = [];
  for (const bytes of entries) {
    let e;
    try { e = JSON.parse(dec.decode(bytes)); } catch (_) { e = { seq: "?", kind: "unreadable entry" }; }
    const tr = el("tr");
    const proofCell = el("td", "checking…", "status proof");
    const button = el("button", "proof", "show-proof"); button.type = "button";
    button.addEventListener("click", () => showProof(e.seq, bytes));
    tr.append(el("td", e.seq), el("td", e.time), el("td", e.kind), el("td", (describe[e.kind] || (() => ""))(e)), proofCell);
    tr.lastChild.append(" ", button);
    tr.dataset.seq = String(e.seq);
    tbody.append(tr);
    rows.push({ e, bytes, proofCell });
  }
  let proven = 0, failed = 0;
  for (const row of rows) {
    try {
      if (row.e.owner !== owner || row.e.leaseId !== leaseId) throw new Error("the server served an entry of another lease");
      await proveEntry(row.e.seq, row.bytes);
      row.proofCell.firstChild.textContent = "verified"; row.proofCell.className = "status proof ok"; proven++;
    } catch (err) {
      row.proofCell.firstChild.textContent = "NOT verified: " + err.message; row.proofCell.className = "status proof bad"; failed++;
    }
  }
  const status = $("lease-proofs");
  if (failed === 0) { status.textContent = `verified (${proven} of ${rows.length} entries)`; status.className = "status ok"; }
  else { status.textContent = `NOT verified (${failed} of ${rows.length} entries failed)`; status.className = "status bad"; }
}

async function showProof(index, bytes) {
  $("proof-panel").hidden = false;
  $("proof-index").textContent = String(index);
  $("proof-entry").textContent = dec.decode(bytes);
  $("proof-path").replaceChildren();
  $("proof-leaf").textContent = toB64(await leafHash(bytes));
  try {
    const p = await proveEntry(index, bytes);
    $("proof-size").textContent = String(p.size);
    for (const h of p.path) $("proof-path").append(el("li", toB64(h)));
    setStatus($("proof-status"), true);
  } catch (e) {
    setStatus($("proof-status"), false, e.message);
  }
  $("proof-panel").scrollIntoView();
}

// ---- navigation ----
async function route() {
  const m = /^#\/lease\/([^/]+)\/([^/]+)$/.exec(location.hash);
  if (m) await showLease(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  else $("lease-panel").hidden = true;
}

async function openLog() {
  $("signin-error").textContent = "";
  try {
    const info = await api("/v1/broker");
    const served = await parseVerifierKey(info.logKey);
    if (state.pin) {
      const pinned = await parseVerifierKey(state.pin);
      if (pinned.text !== served.text) {
        state.key = pinned; state.pinned = true;
        $("app").hidden = false; $("signin").hidden = true;
        $("log-key").textContent = pinned.text;
        $("log-key-source").textContent = "pinned by you; the broker publishes another: " + served.text;
        setStatus($("checkpoint-status"), false, "the broker's log key is not the pinned one");
        return;
      }
    }
    state.key = served; state.pinned = !!state.pin;
    await api("/v1/audit/owners");  // the credential check, before anything is shown
  } catch (e) {
    $("signin-error").textContent = e.status === 401 ? "This broker wants a valid auditor token (" + e.message + ")" : e.message;
    return;
  }
  sessionStorage.setItem("leasehold.token", state.token);
  localStorage.setItem("leasehold.pin", state.pin);
  $("signin").hidden = true; $("app").hidden = false;
  $("who").hidden = false; $("who").textContent = state.token ? "Signed in with an auditor token." : "Public log: no token.";
  await showCheckpoint();
  await showOwners();
  await showLeases();
  await route();
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = sessionStorage.getItem("leasehold.token") || "";
  $("pin").value = localStorage.getItem("leasehold.pin") || "";
  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    state.token = $("token").value.trim(); state.pin = $("pin").value.trim();
    openLog();
  });
  $("signout").addEventListener("click", () => { sessionStorage.removeItem("leasehold.token"); location.hash = ""; location.reload(); });
  $("lease-filter").addEventListener("submit", (ev) => { ev.preventDefault(); showLeases(); });
  window.addEventListener("hashchange", () => { if (state.key) route(); });
});
