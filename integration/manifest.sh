#!/usr/bin/env bash
# What you sign is what you see (CRYPTO-REVIEW-2026-12 M5, L1), with the real CLI and no
# broker: `manifest sign` prints the lease in plain words, its canonical JSON and digest, and
# signs only after y on a terminal or --yes; `manifest show` and `verify` print the same for an
# envelope; YAML that would be signed as something other than what was written is refused.
source "$(dirname "$0")/lib.sh"
SCENARIO="manifest.sh"
M="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
PURPOSE='Fraud model training for partner #2 ONLY; no export of row-level data'

manifest() { # file purpose-line [extra line]
  { printf 'owner: acme\nleaseId: y18\n%s\nttl: 30d\nmaxGrants: 1\nkeys: [k1]\n' "$2"
    [ -n "${3:-}" ] && printf '%s\n' "$3"
    printf 'workloads:\n  - tee: sandbox\n    measurement: %s\n' "$M"; } > "$WORK/$1"
}

expect_exit 0 "owner keygen" "$LEASEHOLD" owner keygen --out "$WORK/owner"
expect_exit 0 "another owner's key" "$LEASEHOLD" owner keygen --out "$WORK/other"
manifest y18.yaml "purpose: \"$PURPOSE\""

# No terminal and no --yes: nothing is signed, and the message says what to do.
expect_exit 2 "manifest sign without a terminal and without --yes refuses (usage, exit 2)" \
  "$LEASEHOLD" manifest sign "$WORK/y18.yaml" --owner-key "$WORK/owner.key" --out "$WORK/y18.dsse" </dev/null
expect_in "pass --yes" "$ERR" "  ...telling the user to pass --yes"
[ ! -e "$WORK/y18.dsse" ] && ok "  ...and writes no envelope" || bad "  ...but an envelope was written"
expect_in "  purpose: \"$PURPOSE\"" "$OUT" "  ...after printing the manifest it would have signed"

expect_exit 0 "manifest sign --yes" "$LEASEHOLD" manifest sign "$WORK/y18.yaml" --owner-key "$WORK/owner.key" --out "$WORK/y18.dsse" --yes
SIGNED="$OUT"
expect_in "  purpose: \"$PURPOSE\"" "$SIGNED" "  ...prints the purpose whole, quoted"
expect_in "  notBefore: not set: the lease starts from the moment it is issued" "$SIGNED" "  ...the window in words"
expect_in "  workloads[0]: tee sandbox" "$SIGNED" "  ...each workload entry"
expect_in "\"purpose\":\"$PURPOSE\"" "$SIGNED" "  ...the canonical JSON"
DIGEST="$(printf '%s\n' "$SIGNED" | sed -n -E 's/^SHA-256 digest .*: ([0-9a-f]{64})$/\1/p')"
[ -n "$DIGEST" ] && ok "  ...and the SHA-256 digest" || bad "  ...no digest line in: $SIGNED"
python3 - "$WORK/y18.dsse" "$DIGEST" <<'PY' && ok "  ...which is SHA-256 of the envelope's payload" || bad "  ...digest is not SHA-256 of the payload"
import base64, hashlib, json, sys
env = json.load(open(sys.argv[1]))
sys.exit(0 if hashlib.sha256(base64.b64decode(env["payload"])).hexdigest() == sys.argv[2] else 1)
PY
LAST="$(printf '%s\n' "$SIGNED" | tail -1)"
case "$LAST" in "signed acme/y18, digest $DIGEST, key id "*" -> $WORK/y18.dsse") ok "  ...the last line is the one-line summary, as before";;
  *) bad "  ...last line: $LAST";; esac

# On a terminal it asks, and signs only after y.
if script -qec true /dev/null >/dev/null 2>&1; then
  rm -f "$WORK/t.dsse"
  printf 'n\n' | script -qec "'$LEASEHOLD' manifest sign '$WORK/y18.yaml' --owner-key '$WORK/owner.key' --out '$WORK/t.dsse'" /dev/null >"$WORK/tty.out" 2>&1
  rc=$?
  grep -q "Sign this manifest? \[y/N\]" "$WORK/tty.out" && ok "on a terminal it asks 'Sign this manifest? [y/N]'" || bad "no prompt: $(cat "$WORK/tty.out")"
  [ "$rc" -eq 1 ] && [ ! -e "$WORK/t.dsse" ] && ok "  ...n: exit 1, nothing written" || bad "  ...n: exit $rc, envelope: $(ls "$WORK/t.dsse" 2>&1)"
  printf 'y\n' | script -qec "'$LEASEHOLD' manifest sign '$WORK/y18.yaml' --owner-key '$WORK/owner.key' --out '$WORK/t.dsse'" /dev/null >"$WORK/tty.out" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] && [ -s "$WORK/t.dsse" ] && ok "  ...y: signed" || bad "  ...y: exit $rc: $(tail -3 "$WORK/tty.out")"
else
  echo "SKIP the terminal prompt: 'script' cannot allocate a terminal here"
fi

# show: the same rendering for a received envelope, signatures listed but not checked.
expect_exit 0 "manifest show ENVELOPE" "$LEASEHOLD" manifest show "$WORK/y18.dsse"
expect_in "  purpose: \"$PURPOSE\"" "$OUT" "  ...prints the purpose whole"
expect_in "$DIGEST" "$OUT" "  ...and the digest"
expect_in "NOT verified (pass --public-key FILE to check it)" "$OUT" "  ...and says the signature is not checked"
expect_exit 0 "manifest show --public-key verifies" "$LEASEHOLD" manifest show "$WORK/y18.dsse" --public-key "$WORK/owner.pub"
case "$(printf '%s\n' "$OUT" | tail -1)" in "ok: acme/y18 signed by "*", digest $DIGEST, "*) ok "  ...and ends with the ok line";; *) bad "  ...last line: $(printf '%s\n' "$OUT" | tail -1)";; esac
expect_exit 1 "manifest show --public-key with another owner's key is refused" "$LEASEHOLD" manifest show "$WORK/y18.dsse" --public-key "$WORK/other.pub"
expect_exit 0 "manifest verify prints the lease too" "$LEASEHOLD" manifest verify "$WORK/y18.dsse" --public-key "$WORK/owner.pub"
expect_in "  purpose: \"$PURPOSE\"" "$OUT" "  ...the purpose"
case "$(printf '%s\n' "$OUT" | tail -1)" in "ok: acme/y18 signed by "*) ok "  ...and still ends with ok:";; *) bad "  ...last line: $(printf '%s\n' "$OUT" | tail -1)";; esac
expect_exit 1 "manifest verify with another owner's key: exit 1 as before" "$LEASEHOLD" manifest verify "$WORK/y18.dsse" --public-key "$WORK/other.pub"
python3 - "$WORK/y18.dsse" "$WORK/bad.dsse" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
p = base64.b64decode(env["payload"]).replace(b'"maxGrants":1', b'"maxGrants":01')
env["payload"] = base64.b64encode(p).decode()
json.dump(env, open(sys.argv[2], "w"))
PY
expect_exit 1 "manifest show refuses a payload that is not canonical JSON" "$LEASEHOLD" manifest show "$WORK/bad.dsse"

# YAML that would sign something else than what was written (the review's y-files).
manifest y18-hash.yaml "purpose: $PURPOSE"
expect_exit 1 "an unquoted purpose with ' #' is refused (M5.1)" "$LEASEHOLD" manifest sign "$WORK/y18-hash.yaml" --owner-key "$WORK/owner.key" --out "$WORK/x.dsse" --yes
expect_in "Quote the value if it contains #" "$ERR" "  ...saying to quote it"
manifest y8.yaml "purpose: test" "notBefore:    # fill in later"
expect_exit 1 "an empty notBefore is refused, not dropped (M5.2)" "$LEASEHOLD" manifest sign "$WORK/y8.yaml" --owner-key "$WORK/owner.key" --out "$WORK/x.dsse" --yes
expect_in "notBefore: the value is empty (null): delete the line" "$ERR" "  ...saying to delete the line or fill it in"
for g in '010' '!!int "010"' '0777'; do
  sed "s/^maxGrants: 1$/maxGrants: $g/" "$WORK/y18.yaml" > "$WORK/l1.yaml"
  expect_exit 1 "maxGrants: $g is refused (L1)" "$LEASEHOLD" manifest sign "$WORK/l1.yaml" --owner-key "$WORK/owner.key" --out "$WORK/x.dsse" --yes
  expect_in "leading zero" "$ERR" "  ...for its leading zero"
done
[ ! -e "$WORK/x.dsse" ] && ok "none of them wrote an envelope" || bad "an envelope was written for a refused manifest"

# The example manifests still sign.
for f in "$ROOT"/manifests/*.yaml; do
  expect_exit 0 "manifests/$(basename "$f") signs" "$LEASEHOLD" manifest sign "$f" --owner-key "$WORK/owner.key" --out "$WORK/example.dsse" --yes
done

finish
