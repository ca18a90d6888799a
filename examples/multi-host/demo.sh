#!/usr/bin/env bash
# multi-host demo — the main job: the seed's two-host scenario as a tsnet lab. Brings up
# examples/multi-host/pipework-two-hosts.yaml (two simulated hosts, br0 on each, a container
# on each at 192.168.115.10 and .11 via gateway .2, static routes over the underlay), prints
# the lab and its all-pairs reachability matrix (pinged from inside the containers), has one
# container fetch a page from the other across the hosts, writes
# the lab's picture and prints its path. The lab stays up to be looked at; it is taken down
# on request:
#   examples/multi-host/demo.sh            bring it up (again: idempotent), show it
#   examples/multi-host/demo.sh --down     ... and take it down at the end
#   examples/multi-host/demo.sh down       take it down
# Offline, with the defaults (state in $TSNET_ROOT or /var/lib/tsnet). Runs only inside the
# namespaces the lab makes (tsnet-two-hosts-*, or $TSNET_LAB_PREFIX...); the machine's own
# network is untouched. Needs root, iproute2, busybox-static, graphviz.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
tsnet="$here/bin/tsnet"
file="$here/examples/multi-host/pipework-two-hosts.yaml"
lab=two-hosts
step() { printf '\n\033[1m%s\033[0m\n' "$*"; }

if [ "${1:-}" = down ]; then
  "$tsnet" lab down "$lab"
  exit 0
fi

step "1. The busybox base image for the containers (built locally from busybox-static if absent)"
if "$tsnet" images | awk 'NR > 1 { print $1 }' | grep -qx 'docker.io/library/busybox\|busybox'; then
  echo "busybox is already there"
else
  work=$(mktemp -d /tmp/tsnet-demo.XXXXXX)
  node -e 'require(process.argv[1]).busyboxTar(process.argv[2], process.argv[2] + "/busybox.tar")' "$here/dist/test/helpers/busybox.js" "$work"
  "$tsnet" import "$work/busybox.tar" busybox
  rm -rf "$work"
fi

step "2. Bring up the lab: $file"
"$tsnet" lab up "$file"

step "3. Every container pings every other, from inside (row → column)"
"$tsnet" lab status "$lab" --ping | sed -n '/^reachability/,$p'

step "4. The container on hostA fetches a page from the one on hostB (its /etc/hostname)"
"$tsnet" lab exec "$lab" web -- wget -q -O - http://192.168.115.11/hostname

step "5. The picture"
svg=${TSNET_DEMO_SVG:-$PWD/$lab.svg}
"$tsnet" lab graph "$lab" -o "$svg"
echo "graph: $svg"

if [ "${1:-}" = --down ]; then
  step "6. Take it all down"
  "$tsnet" lab down "$lab"
else
  echo
  echo "the lab is still up: try 'tsnet lab exec $lab web -- busybox ping -c1 192.168.115.11'; take it down with '$0 down'"
fi
echo
echo "demo ok"
