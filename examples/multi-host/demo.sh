#!/usr/bin/env bash
# multi-host demo — the main job: two simulated hosts joined by a wire, each with its own tsnet
# state root and docker0-style default network. A web guest on host A fetches a page from a db
# guest on host B through a port B publishes; B's server sees host A's address (A masquerades
# its guests' egress). Then everything is taken down again and each host's firewall is shown
# back at its baseline.
# Runs only inside namespaces it creates (tsnet-demo-*); the machine's own network is untouched.
# Needs root, iproute2, iptables, busybox-static and curl. TSNET_DEMO_PREFIX renames the namespaces.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tsnet="$here/bin/tsnet"
id=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
prefix=${TSNET_DEMO_PREFIX:-tsnet-demo}
hostA="$prefix-$id-hostA" hostB="$prefix-$id-hostB" web="$prefix-$id-web" db="$prefix-$id-db"
work=$(mktemp -d /tmp/tsnet-demo.XXXXXX)
httpd_pid=
cleanup() {
  [ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null || true
  for ns in "$web" "$db" "$hostA" "$hostB"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# on HOST CMD... — run a command on a simulated host; tsnet gets that host's own state root.
on() { local h=$1; shift; ip netns exec "$h" "$@"; }
tsnet_on() { local h=$1; shift; echo "[$(label "$h")] tsnet $*"; on "$h" "$tsnet" --root "$work/root-$(label "$h")" "$@"; }
label() { case $1 in "$hostA") echo hostA ;; "$hostB") echo hostB ;; *) echo "$1" ;; esac; }

step "1. Two hosts and two guests, and a wire between the hosts (eth0: 10.100.0.1 <-> 10.100.0.2)"
for ns in "$hostA" "$hostB" "$web" "$db"; do ip netns add "$ns"; done
ip link add eth0 netns "$hostA" type veth peer name eth0 netns "$hostB"
on "$hostA" ip addr add 10.100.0.1/24 dev eth0; on "$hostA" ip link set eth0 up
on "$hostB" ip addr add 10.100.0.2/24 dev eth0; on "$hostB" ip link set eth0 up
for h in "$hostA" "$hostB"; do on "$h" ip link set lo up; on "$h" iptables-save > "$work/baseline-$(label "$h")"; done

step "2. Each host makes its default network tsnet0, the way dockerd makes docker0"
tsnet_on "$hostA" init
tsnet_on "$hostB" init

step "3. The guests join tsnet0 on their host and get the next free address"
tsnet_on "$hostA" network connect tsnet0 "$web"
tsnet_on "$hostB" network connect tsnet0 "$db"
ip -n "$web" -br addr show eth1; ip -n "$db" -br addr show eth1

step "4. db serves a page on port 80; host B publishes it as 10.100.0.2:8080"
mkdir -p "$work/www"; echo "hello from db on host B" > "$work/www/index.html"
ip netns exec "$db" /bin/busybox httpd -f -vv -p 80 -h "$work/www" 2> "$work/httpd.log" &
httpd_pid=$!
tsnet_on "$hostB" port publish "$db" -p 8080:80
tsnet_on "$hostB" port ls

step "5. web on host A fetches it across the wire"
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if page=$(ip netns exec "$web" curl -sS --max-time 2 http://10.100.0.2:8080/); then break; fi
  sleep 0.2
done
echo "web got: $page"
[ "$page" = "hello from db on host B" ] || { echo "demo failed: unexpected page" >&2; exit 1; }
echo "db's server saw the request come from: $(grep -o '10\.100\.0\.[0-9]*' "$work/httpd.log" | head -1) (host A masquerades its guests)"

step "6. What each host holds"
tsnet_on "$hostA" ls
tsnet_on "$hostB" ls

step "7. Take it all down; each host's firewall is back at its baseline"
tsnet_on "$hostB" port unpublish "$db"
tsnet_on "$hostB" network disconnect tsnet0 "$db"
tsnet_on "$hostA" network disconnect tsnet0 "$web"
tsnet_on "$hostA" network rm tsnet0
tsnet_on "$hostB" network rm tsnet0
# rules — a host's rules and user chains (tables and built-in chains appear on first use and stay).
rules() { grep -E '^-A |^:' | grep -vE '^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ' || true; }
for h in "$hostA" "$hostB"; do
  if diff <(rules < "$work/baseline-$(label "$h")") <(on "$h" iptables-save | rules); then
    echo "$(label "$h"): iptables-save equals its baseline"
  else
    echo "$(label "$h"): firewall differs from its baseline" >&2; exit 1
  fi
done
echo
echo "demo ok"
