#!/usr/bin/env bash
# `leasehold evidence verify` on the real vectors: exit codes, reason codes, JSON fields.
source "$(dirname "$0")/lib.sh"
V="$SHARED/vectors"
EV() { "$LEASEHOLD" evidence verify "$@"; }

MILAN=(--evidence "$V/sev-snp/milan-trustee/test-report.bin" --chain "$V/sev-snp/milan-trustee/test-vcek.der")
expect_exit 0 "sev-snp Milan report accepted at its valid_at" EV --tee sev-snp "${MILAN[@]}" --chain "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem" --at 2026-06-01T00:00:00Z --json
expect_in '"measurement":"a1f3930413247bb3' "$OUT" "  ...JSON carries the EXPECTED.json measurement"
expect_exit 1 "sev-snp Milan report with the Genoa chain refused" EV --tee sev-snp "${MILAN[@]}" --chain "$V/sev-snp/amd-kds-cert-chains/ask_ark_genoa.pem" --at 2026-06-01T00:00:00Z
expect_in "refused: chain-invalid" "$ERR" "  ...with chain-invalid"
expect_exit 1 "sev-snp report outside the chain's validity refused" EV --tee sev-snp "${MILAN[@]}" --chain "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem" --at 2055-01-01T00:00:00.5Z
expect_in "refused: certificate-expired" "$ERR" "  ...with certificate-expired"
expect_exit 1 "sev-snp with --require-crl and no AMD CRL refused" EV --tee sev-snp "${MILAN[@]}" --chain "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem" --at 2026-06-01T00:00:00Z --require-crl
expect_in "collateral-missing" "$ERR" "  ...as collateral-missing"
expect_in "AMD KDS" "$ERR" "  ...saying where the CRL comes from"
expect_exit 2 "--require-crl is refused for sgx (usage)" EV --tee sgx --evidence "$V/sev-snp/milan-trustee/test-report.bin" --require-crl
head -c 1000 "$V/sev-snp/milan-trustee/test-report.bin" > "$WORK/short.bin"
expect_exit 1 "truncated sev-snp report refused" EV --tee sev-snp --evidence "$WORK/short.bin" --chain "$V/sev-snp/milan-trustee/test-vcek.der" --at 2026-06-01T00:00:00Z
expect_in "refused: malformed" "$ERR" "  ...with malformed"
xxd -p "$V/sev-snp/milan-trustee/test-report.bin" > "$WORK/report.hex"
expect_exit 0 "sev-snp report given as hex text accepted" EV --tee sev-snp --evidence "$WORK/report.hex" --chain "$V/sev-snp/milan-trustee/test-vcek.der" --chain "$V/sev-snp/amd-kds-cert-chains/ask_ark_milan.pem" --at 2026-06-01T00:00:00Z

expect_exit 0 "tdx quote accepted at its valid_at" EV --tee tdx --evidence "$V/tdx/phala-dcap-qvl/tdx_quote" --collateral "$V/tdx/phala-dcap-qvl/tdx_quote_collateral.json" --at 2025-07-01T00:00:00Z --json
expect_in '"tcbStatus":"UpToDate"' "$OUT" "  ...UpToDate"
expect_exit 1 "sgx quote with a non-UpToDate status refused by default" EV --tee sgx --evidence "$V/sgx/phala-dcap-qvl/sgx_quote" --collateral "$V/sgx/phala-dcap-qvl/sgx_quote_collateral.json" --at 2025-07-01T00:00:00Z
expect_in "refused: tcb-status-not-accepted" "$ERR" "  ...with tcb-status-not-accepted"
expect_exit 0 "...and accepted when that status is listed" EV --tee sgx --evidence "$V/sgx/phala-dcap-qvl/sgx_quote" --collateral "$V/sgx/phala-dcap-qvl/sgx_quote_collateral.json" --at 2025-07-01T00:00:00Z --accept-tcb UpToDate,ConfigurationAndSWHardeningNeeded
expect_exit 1 "tdx quote past its collateral's validity refused" EV --tee tdx --evidence "$V/tdx/phala-dcap-qvl/tdx_quote" --collateral "$V/tdx/phala-dcap-qvl/tdx_quote_collateral.json" --at 2030-01-01T00:00:00Z

expect_exit 0 "nitro document accepted at its valid_at" EV --tee nitro --evidence "$V/nitro/blocky-nitrite/nitro_attestation.b64" --at 2024-09-07T14:37:39.545Z --json
expect_in '"measurement":"e72a46ca80a260fb' "$OUT" "  ...PCR0 as measurement"
expect_exit 1 "nitro document after its leaf expired refused" EV --tee nitro --evidence "$V/nitro/blocky-nitrite/nitro_attestation.b64" --at 2026-01-01T00:00:00Z
expect_in "refused: certificate-expired" "$ERR" "  ...with certificate-expired"

expect_exit 2 "unknown --tee is a usage error" EV --tee sev-es --evidence "$WORK/short.bin"
expect_exit 2 "a bad --at is a usage error" EV --tee nitro --evidence "$WORK/short.bin" --at yesterday
: > "$WORK/empty"
expect_exit 1 "an empty evidence file is refused" EV --tee nitro --evidence "$WORK/empty" --at 2024-09-07T14:37:39Z
# The broker's own collateral: a PCCS (integration/fake-pccs.py, Intel's real documents) and
# nothing but the quote reach the verdict the collateral files reach.
Q4="$V/tdx/trustee-q4-lunal-collateral"
Q4FILES=(--collateral "$Q4/tcb_info_50806f000000.json" --collateral "$Q4/td_qe_identity.json" --collateral "$Q4/pck_crl_platform.der"
         --collateral "$Q4/root_ca_crl.der" --collateral "$Q4/tcb_signing_chain.pem" --collateral "$Q4/qe_identity_signing_chain.pem")
python3 "$ROOT/integration/fake-pccs.py" "$V" "$WORK/pccs.log" > "$WORK/pccs.port" 2>"$WORK/pccs.err" &
for _ in $(seq 1 50); do [ -s "$WORK/pccs.port" ] && break; sleep 0.1; done
PCCS="http://127.0.0.1:$(head -1 "$WORK/pccs.port")"
expect_exit 0 "tdx (q4, debug, OutOfDate) with the collateral files, policy allowing both" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" "${Q4FILES[@]}" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
FILES_VERDICT="$OUT"
expect_exit 0 "the same quote alone with --intel-pcs-url (a PCCS) is accepted" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
[ "$OUT" = "$FILES_VERDICT" ] && ok "  ...with the very verdict the files give: $OUT" || bad "  ...verdicts differ: '$OUT' vs '$FILES_VERDICT'"
expect_in "/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard" "$(cat "$WORK/pccs.log")" "  ...having asked the PCCS for the quote's FMSPC (standard update)"
expect_exit 1 "under the default policy the fetched collateral refuses it as the files do" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS" --at 2026-04-01T00:00:00Z
expect_in "refused: debug-not-allowed" "$ERR" "  ...debug-not-allowed"
expect_exit 1 "past the fetched TCB info's nextUpdate it is refused" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS" --at 2027-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
expect_in "collateral-unavailable" "$ERR" "  ...collateral-unavailable: $ERR"
expect_exit 1 "an unreachable PCCS refuses with collateral-unavailable" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "http://127.0.0.1:9" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
expect_in "refused: collateral-unavailable" "$ERR" "  ...$ERR"
expect_exit 2 "--intel-pcs-url and --collateral together are a usage error" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS" "${Q4FILES[@]}"
expect_exit 2 "--intel-pcs-url is for sgx and tdx" EV --tee nitro --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS"

# dcap-qvl's TDX and SGX vectors, their collateral served in PCS shape by a second PCCS: the
# quote alone reaches the verdict of the collateral files.
python3 "$ROOT/integration/fake-pccs.py" "$V" "$WORK/pccs2.log" phala > "$WORK/pccs2.port" 2>"$WORK/pccs2.err" &
for _ in $(seq 1 50); do [ -s "$WORK/pccs2.port" ] && break; sleep 0.1; done
PCCS2="http://127.0.0.1:$(head -1 "$WORK/pccs2.port")"
for args in "tdx tdx/phala-dcap-qvl/tdx_quote tdx/phala-dcap-qvl/tdx_quote_collateral.json UpToDate" \
            "sgx sgx/phala-dcap-qvl/sgx_quote sgx/phala-dcap-qvl/sgx_quote_collateral.json UpToDate,ConfigurationAndSWHardeningNeeded"; do
  set -- $args
  expect_exit 0 "$1 (dcap-qvl) with its collateral file" EV --tee "$1" --evidence "$V/$2" --collateral "$V/$3" --at 2025-07-01T00:00:00Z --accept-tcb "$4"
  DCAP_QVL_VERDICT="$OUT"
  expect_exit 0 "$1 (dcap-qvl) alone with --intel-pcs-url" EV --tee "$1" --evidence "$V/$2" --intel-pcs-url "$PCCS2" --at 2025-07-01T00:00:00Z --accept-tcb "$4"
  [ "$OUT" = "$DCAP_QVL_VERDICT" ] && ok "  ...the very verdict: $OUT" || bad "  ...verdicts differ: '$OUT' vs '$DCAP_QVL_VERDICT'"
done
expect_in "/sgx/certification/v4/pckcrl?ca=processor&encoding=der" "$(cat "$WORK/pccs2.log")" "  ...the SGX quote's PCK CRL asked for by its processor CA"

S=$(date +%s)
expect_exit 1 "a PCCS that stalls is given up (10 s deadline) with collateral-unavailable" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --intel-pcs-url "$PCCS/slow" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
T=$(( $(date +%s) - S ))
expect_in "refused: collateral-unavailable" "$ERR" "  ...$ERR"
[ "$T" -ge 9 ] && [ "$T" -le 20 ] && ok "  ...after ${T} s" || bad "  ...after ${T} s (expected the 10 s deadline)"

# AMD KDS (the same fake, serving the vectors' real VCEKs and chains; it has no ARK-signed CRL,
# and with the broker's own collateral the CRL is required): the report alone makes the broker
# ask for exactly the chip's VCEK at its reported TCB, and without a CRL it refuses.
expect_exit 1 "sev-snp: --amd-kds-url with no CRL upstream refuses with collateral-unavailable" EV --tee sev-snp --evidence "$V/sev-snp/milan-trustee/test-report.bin" --amd-kds-url "$PCCS" --at 2026-06-01T00:00:00Z
expect_in "refused: collateral-unavailable" "$ERR" "  ...$ERR"
expect_in "/vcek/v1/Milan/crl answered 404" "$ERR" "  ...naming the missing CRL"
expect_in "/vcek/v1/Milan/c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f8e8c0bcd9a5d9286612bad4aadfb4426205a3b9e4fea82301135a170e477524e?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115" "$(cat "$WORK/pccs.log")" "  ...having asked KDS for the chip's VCEK at its reported TCB"
expect_exit 1 "sev-snp: a Genoa report asks for its VCEK under Genoa (CPUID), and refuses without a CRL" EV --tee sev-snp --evidence "$V/sev-snp/genoa-lunal/live-report-v5-genoa.bin" --amd-kds-url "$PCCS" --at 2026-06-01T00:00:00Z
expect_in "/vcek/v1/Genoa/crl answered 404" "$ERR" "  ...$ERR"
expect_exit 1 "sev-snp: collateral fetch without a CRL upstream writes nothing" "$LEASEHOLD" collateral fetch --out "$WORK/snpdir" --amd-kds-url "$PCCS" --tee sev-snp --quote "$V/sev-snp/milan-trustee/test-report.bin" --at 2026-06-01T00:00:00Z
[ ! -e "$WORK/snpdir/amd" ] && ok "  ...and no amd/ directory" || bad "  ...wrote $(ls -R "$WORK/snpdir")"
expect_exit 1 "sev-snp: an unreachable KDS refuses with collateral-unavailable" EV --tee sev-snp --evidence "$V/sev-snp/milan-trustee/test-report.bin" --amd-kds-url "http://127.0.0.1:9" --at 2026-06-01T00:00:00Z
expect_in "refused: collateral-unavailable" "$ERR" "  ...$ERR"
expect_exit 2 "--amd-kds-url is for sev-snp" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --amd-kds-url "$PCCS"
expect_exit 2 "serve: --amd-kds-url must be an http(s) URL" "$LEASEHOLD" serve --data-dir "$WORK/d" --listen 127.0.0.1:0 --amd-kds-url "ftp://kds"

# Air-gapped: `collateral fetch` fills a directory on a connected machine; `--collateral-dir`
# then reaches the same verdict with the PCCS gone.
expect_exit 0 "collateral fetch writes the q4 platform's verified set" "$LEASEHOLD" collateral fetch --out "$WORK/cdir" --intel-pcs-url "$PCCS" --tee tdx --quote "$Q4/tdx_quote_4.dat" --at 2026-04-01T00:00:00Z
expect_in "FMSPC 50806f000000 (platform CA)" "$OUT" "  ...$OUT"
for f in tdx/tcb-50806f000000-standard.json tdx/tcb-50806f000000-standard.chain.pem tdx/qe-identity-standard.json tdx/qe-identity-standard.chain.pem sgx/pckcrl-platform.der sgx/pckcrl-platform.chain.pem sgx/rootcacrl.der; do
  [ -s "$WORK/cdir/$f" ] && ok "  ...$f" || bad "  ...$f missing"
done
expect_exit 1 "collateral fetch for a platform the PCCS does not know fails and names it" "$LEASEHOLD" collateral fetch --out "$WORK/cdir2" --intel-pcs-url "$PCCS" --tee tdx --fmspc 00906ed50000 --pck-ca platform --at 2026-04-01T00:00:00Z
expect_in "collateral-unavailable: tdx FMSPC 00906ed50000" "$ERR" "  ...$ERR"
"$LEASEHOLD" demo --db "$WORK/import.db" >/dev/null 2>&1
expect_exit 0 "collateral import verifies the directory's set and loads it into a broker's database" "$LEASEHOLD" collateral import --from "$WORK/cdir" --db "$WORK/import.db" --at 2026-04-01T00:00:00Z
expect_in "FMSPC 50806f000000 (platform CA, standard)" "$OUT" "  ...$OUT"
[ "$(sqlite3 "$WORK/import.db" "SELECT count(*) FROM collateral_cache WHERE key = 'intel|tdx|50806f000000|platform|standard'")" = 1 ] && ok "  ...one set in collateral_cache" || bad "  ...collateral_cache: $(sqlite3 "$WORK/import.db" 'SELECT key FROM collateral_cache')"
expect_exit 1 "collateral import of a set past its validity loads nothing" "$LEASEHOLD" collateral import --from "$WORK/cdir" --db "$WORK/import.db" --at 2027-04-01T00:00:00Z
expect_exit 2 "collateral import needs an existing database" "$LEASEHOLD" collateral import --from "$WORK/cdir" --db "$WORK/missing.db"
jobs -p | xargs -r kill 2>/dev/null; wait 2>/dev/null
expect_exit 0 "with the PCCS gone, --collateral-dir gives the same verdict" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --collateral-dir "$WORK/cdir" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
[ "$OUT" = "$FILES_VERDICT" ] && ok "  ...the very verdict: $OUT" || bad "  ...verdicts differ: '$OUT' vs '$FILES_VERDICT'"
rm "$WORK/cdir/sgx/pckcrl-platform.chain.pem"
expect_exit 1 "a directory missing an issuer chain refuses" EV --tee tdx --evidence "$Q4/tdx_quote_4.dat" --collateral-dir "$WORK/cdir" --at 2026-04-01T00:00:00Z --allow-debug --accept-tcb OutOfDate
expect_in "collateral-unavailable" "$ERR" "  ...$ERR"

expect_exit 2 "serve: --intel-pcs-url and --collateral-dir exclude each other" "$LEASEHOLD" serve --data-dir "$WORK/d" --listen 127.0.0.1:0 --intel-pcs-url "$PCCS" --collateral-dir "$WORK/cdir"
expect_exit 2 "serve: --intel-tcb-update is standard or early" "$LEASEHOLD" serve --data-dir "$WORK/d" --listen 127.0.0.1:0 --intel-pcs-url "$PCCS" --intel-tcb-update late
expect_exit 2 "serve: --collateral-dir must exist" "$LEASEHOLD" serve --data-dir "$WORK/d" --listen 127.0.0.1:0 --collateral-dir "$WORK/nowhere"

finish
