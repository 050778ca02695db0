#!/usr/bin/env bash
# `serve --tls-cert/--tls-key`: the broker over HTTPS with a private CA. The CLI trusts exactly
# the CA it is given (--ca-file or LEASEHOLD_CA_FILE); a broker whose certificate another CA
# issued, or one spoken to in clear, gets nothing. Bad TLS files stop the server before it listens.
source "$(dirname "$0")/lib.sh"
M="$(printf '5a%.0s' $(seq 48))"
PORT=$((20000 + RANDOM % 20000))
URL="https://127.0.0.1:$PORT"
cd "$WORK"

ca() { # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null
}
ca ca; ca otherca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
chmod 600 server.key otherca.key
[ -s server.pem ] && ok "a private CA and a server certificate for 127.0.0.1" || { bad "openssl could not make test certificates"; finish; exit 1; }

expect_exit 1 "serve refuses a key that does not go with the certificate" "$LEASEHOLD" serve --data-dir "$WORK/d0" --listen "127.0.0.1:0" --tls-cert server.pem --tls-key otherca.key
expect_in "--tls" "$ERR" "  ...naming the TLS option"
cp server.key loose.key && chmod 644 loose.key
expect_exit 1 "serve refuses a TLS key that group or others can read" "$LEASEHOLD" serve --data-dir "$WORK/d0" --listen "127.0.0.1:0" --tls-cert server.pem --tls-key loose.key
expect_in "chmod 600" "$ERR" "  ...and says how to fix it"
expect_exit 2 "serve refuses --tls-cert without --tls-key" "$LEASEHOLD" serve --data-dir "$WORK/d0" --listen "127.0.0.1:0" --tls-cert server.pem

"$LEASEHOLD" serve --data-dir "$WORK/d" --listen "127.0.0.1:$PORT" --allow-sandbox --tls-cert server.pem --tls-key server.key > serve.log 2>&1 &
for _ in $(seq 1 100); do curl -sf --cacert ca.pem "$URL/v1/health" >/dev/null && break; sleep 0.1; done
expect_exit 0 "serve answers over HTTPS (curl, trusting the private CA)" curl -sf --cacert ca.pem "$URL/v1/health"
expect_in "https://" "$(cat serve.log)" "  ...and says https in its banner"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/health")"
[ "$code" != 200 ] && ok "plain HTTP to the TLS port gets no answer (HTTP code $code)" || bad "plain HTTP was served on the TLS port"

"$LEASEHOLD" owner keygen --out owner >/dev/null
expect_exit 1 "the CLI refuses the broker without the CA (system trust store)" "$LEASEHOLD" owner register --broker "$URL" --admin-token-file "$WORK/d/admin.token" --owner acme --public-key owner.pub
expect_in "transport" "$ERR" "  ...as a transport (certificate) failure"
expect_exit 1 "the CLI refuses the broker when given another CA" "$LEASEHOLD" owner register --broker "$URL" --ca-file otherca.pem --admin-token-file "$WORK/d/admin.token" --owner acme --public-key owner.pub
expect_exit 2 "a CA file that is not PEM is a usage error" "$LEASEHOLD" owner register --broker "$URL" --ca-file owner.pub --admin-token-file "$WORK/d/admin.token" --owner acme --public-key owner.pub
expect_exit 0 "owner register with --ca-file" "$LEASEHOLD" owner register --broker "$URL" --ca-file ca.pem --admin-token-file "$WORK/d/admin.token" --owner acme --public-key owner.pub
export LEASEHOLD_CA_FILE="$WORK/ca.pem"
head -c 32 /dev/urandom > k1.bin
expect_exit 0 "vault put with LEASEHOLD_CA_FILE" "$LEASEHOLD" vault put --broker "$URL" --owner acme --owner-key owner.key --key-id k1 --from-file k1.bin
printf 'owner: acme\nleaseId: tls\npurpose: tls\nttl: 1h\nmaxGrants: 2\nkeys: [k1]\nworkloads:\n  - tee: sandbox\n    measurement: %s\n' "$M" > tls.yaml
"$LEASEHOLD" manifest sign tls.yaml --owner-key owner.key --out tls.dsse --yes >/dev/null
expect_exit 0 "lease issue over HTTPS" "$LEASEHOLD" lease issue --broker "$URL" tls.dsse
expect_exit 0 "workload fetch over HTTPS" "$LEASEHOLD" workload fetch --allow-disk --broker "$URL" --owner acme --lease tls --tee sandbox --sandbox-measurement "$M" --out keys
cmp -s k1.bin keys/k1 && ok "  ...releases the owner's key" || bad "the key released over HTTPS differs"
unset LEASEHOLD_CA_FILE
finish
