#!/bin/sh
# Leasehold: entrypoint of an AWS Nitro Enclave image. Gets the lease's keys from the broker
# with evidence from /dev/nsm, writes them to a tmpfs, then replaces itself with the app.
#
# Use it as the image's ENTRYPOINT, the app as its CMD:
#   COPY leasehold-workload /usr/local/bin/
#   COPY nitro-entrypoint.sh /usr/local/bin/
#   ENTRYPOINT ["/usr/local/bin/nitro-entrypoint.sh"]
#   CMD ["/usr/local/bin/myapp", "--key-dir", "/run/leasehold"]
# Everything here, and every ENV of the image, is part of the enclave image file and so of
# PCR0, which the owner's lease pins: change the settings below, not at run time.
#
# NETWORK. An enclave has no network interface: its only way out is vsock to the parent EC2
# instance. Reaching the broker takes two proxies:
#   - on the parent instance, AWS's vsock-proxy forwards a vsock port to the broker
#     (the broker's host must be in /etc/nitro_enclaves/vsock-proxy.yaml's allowlist):
#       vsock-proxy 8443 broker.example.com 8443
#   - in the enclave, something listening on 127.0.0.1 that forwards to that vsock port
#     (CID 3 is the parent), started below when socat is in the image:
#       socat TCP-LISTEN:8443,bind=127.0.0.1,fork,reuseaddr VSOCK-CONNECT:3:8443
# and /etc/hosts maps the broker's name to 127.0.0.1, so that TLS still checks the broker's
# real name. TLS runs end to end, enclave to broker: the proxies see only ciphertext.
# An unreachable broker (exit 3) almost always means one of these proxies is missing.
set -eu

# CHANGE: the broker, the owner and lease, and the broker's public identity.
BROKER_HOST="${BROKER_HOST:-broker.example.com}"
BROKER_PORT="${BROKER_PORT:-8443}"
BROKER_URL="${BROKER_URL:-https://$BROKER_HOST:$BROKER_PORT}"
LEASE_OWNER="${LEASE_OWNER:-acme}"
LEASE_ID="${LEASE_ID:-kyc-screening-2026-07}"
LOG_KEY="${LOG_KEY:-/etc/leasehold/broker-log.key}"    # pinned log key (GET /v1/broker -> logKey)
CA_FILE="${CA_FILE:-/etc/leasehold/broker-ca.pem}"
VSOCK_PORT="${VSOCK_PORT:-8443}"                       # the parent's vsock-proxy port
RETRY_FOR="${RETRY_FOR:-2m}"
KEY_DIR="${KEY_DIR:-/run/leasehold}"
NSM_DEVICE="${NSM_DEVICE:-/dev/nsm}"
LEASEHOLD_WORKLOAD="${LEASEHOLD_WORKLOAD:-/usr/local/bin/leasehold-workload}"

say() { echo "nitro-entrypoint: $*" >&2; }

# The file system type of the mount that holds $1 (longest mount point above it).
fs_type() {
  awk -v p="$(cd "$1" && pwd -P)" '
    {
      for (i = 7; i <= NF; i++) if ($i == "-") break
      m = $5; gsub(/\\040/, " ", m)
      pre = (m == "/") ? "/" : m "/"
      if ((p == m || index(p, pre) == 1) && length(m) >= best) { best = length(m); t = $(i + 1) }
    }
    END { print t }' /proc/self/mountinfo
}

# 1. Loopback and the in-enclave half of the proxy (lo is down when an enclave boots).
if command -v ip >/dev/null 2>&1; then ip link set dev lo up 2>/dev/null || true; fi
if [ "${START_VSOCK_FORWARDER:-yes}" = yes ] && command -v socat >/dev/null 2>&1; then
  grep -q "[[:space:]]$BROKER_HOST\$" /etc/hosts 2>/dev/null || echo "127.0.0.1 $BROKER_HOST" >> /etc/hosts
  socat "TCP-LISTEN:$BROKER_PORT,bind=127.0.0.1,fork,reuseaddr" "VSOCK-CONNECT:3:$VSOCK_PORT" &
  sleep 1
fi

# 2. The keys go to memory only: mount a tmpfs unless KEY_DIR already is on one.
mkdir -p "$KEY_DIR"
case "$(fs_type "$KEY_DIR")" in
  tmpfs|ramfs) ;;
  *) mount -t tmpfs -o size=1m,mode=0700,nosuid,nodev,noexec tmpfs "$KEY_DIR" || { say "cannot mount a tmpfs on $KEY_DIR"; exit 2; } ;;
esac

# 3. Attest with /dev/nsm and fetch. Its own diagnostics go to stderr (the enclave console).
pinned=""
[ -e "$LOG_KEY" ] && pinned="--log-key $LOG_KEY"
ca=""
[ -e "$CA_FILE" ] && ca="--ca-file $CA_FILE"
set +e
# shellcheck disable=SC2086  # $pinned and $ca are two words each, or nothing
"$LEASEHOLD_WORKLOAD" fetch --broker "$BROKER_URL" $ca --owner "$LEASE_OWNER" --lease "$LEASE_ID" $pinned \
  --tee nitro --nsm "$NSM_DEVICE" --retry-for "$RETRY_FOR" --out "$KEY_DIR"
rc=$?
set -e
case "$rc" in
  0) ;;
  1) say "no keys: the broker refused, or attestation failed; the reason code starts the line above (measurement-mismatch: this image's PCR0 is not the lease's). Not starting the app."
     exit 1 ;;
  2) say "no keys: configuration error (see the line above); nothing was sent to the broker. Not starting the app."
     exit 2 ;;
  3) say "no keys: the broker at $BROKER_URL was unreachable for $RETRY_FOR. An enclave reaches it only through vsock: is vsock-proxy running on the parent instance (vsock port $VSOCK_PORT -> $BROKER_HOST:$BROKER_PORT, host allowlisted), and the in-enclave forwarder (socat) on 127.0.0.1:$BROKER_PORT? Not starting the app."
     exit 3 ;;
  *) say "no keys: leasehold-workload exited $rc. Not starting the app."
     exit "$rc" ;;
esac

# 4. The app, in this process's place (PID 1 stays the app, signals reach it).
if [ "$#" -eq 0 ]; then
  say "keys in $KEY_DIR; no command given (the image's CMD), nothing to start"
  exit 0
fi
exec "$@"
