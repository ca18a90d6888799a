#!/usr/bin/env bash
# attach-demo — the pipework grammar on one host: a throwaway "host" network
# namespace with two guests, wired with tsnet exactly as a user would (pipework grammar),
# then checked with ping, listed, detached, and everything removed again.
# Runs only inside namespaces it creates (tsnet-demo-*); the machine's network is untouched.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tsnet="$here/bin/tsnet"
id=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
prefix=${TSNET_DEMO_PREFIX:-tsnet-demo}
host="$prefix-$id-host" web="$prefix-$id-web" db="$prefix-$id-db"
root=$(mktemp -d /tmp/tsnet-demo.XXXXXX)
cleanup() { for ns in "$web" "$db" "$host"; do ip netns del "$ns" 2>/dev/null || true; done; rm -rf "$root"; }
trap cleanup EXIT
in_host() { ip netns exec "$host" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

for ns in "$host" "$web" "$db"; do ip netns add "$ns"; done

step tsnet attach br0 "$web" 192.168.115.10/24@192.168.115.2
in_host "$tsnet" --root "$root" attach br0 "$web" 192.168.115.10/24@192.168.115.2 U:web
step tsnet attach br0 "$db" 192.168.115.11/24
in_host "$tsnet" attach --root "$root" br0 "$db" 192.168.115.11/24
step tsnet attach br0 "$web" 192.168.115.10/24@192.168.115.2 U:web   "(again: a no-op)"
in_host "$tsnet" attach --root "$root" br0 "$web" 192.168.115.10/24@192.168.115.2 U:web
step tsnet ls
in_host "$tsnet" ls --root "$root"
step "ip -n web addr show eth1; ip -n web route"
ip -n "$web" -br addr show eth1
ip -n "$web" route
step "web: ping -c 2 192.168.115.11"
ip netns exec "$web" /bin/busybox ping -c 2 -W 2 192.168.115.11
step tsnet detach "$web"; in_host "$tsnet" detach --root "$root" "$web"
step tsnet detach "$db"; in_host "$tsnet" detach --root "$root" "$db"
step "host links after detach"
ip -n "$host" -br link
echo
echo "demo ok"
