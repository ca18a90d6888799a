#!/bin/bash
# cli-startup — what a cold `tsnet` process costs: medians (ms) of `node -e 0`, `tsnet --version`,
# and a CLI attach and detach of a fresh guest, each run inside a throwaway host netns with its
# own bridge and state root. Several CLIs can be compared in one run; their runs are
# interleaved so that load on the machine hits them alike.
# Usage (root): bench/cli-startup.sh [N] [CLI ...]     default: 9 runs of bin/tsnet
#   e.g. bench/cli-startup.sh 15 bin/tsnet "node dist/src/cli/main.js"
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-9}; shift || true
clis=("$@"); [ ${#clis[@]} -gt 0 ] || clis=("$here/bin/tsnet")
H=tsnet-t-cs-$$
R=$(mktemp -d)
cleanup() {
  for i in $(seq 1 "$N"); do ip netns del "$H-g$i" 2>/dev/null || true; done
  ip netns del "$H" 2>/dev/null || true; rm -rf "$R"
}
trap cleanup EXIT
ip netns add "$H"; ip -n "$H" link add br0 type bridge; ip -n "$H" link set br0 up
for i in $(seq 1 "$N"); do ip netns add "$H-g$i"; done

# t VAR CMD... — appends the wall time of CMD in tenths of a millisecond to array VAR.
t() { local -n acc=$1; shift; local s e; s=$(date +%s%N); "$@" >/dev/null || echo "FAIL: $*" >&2; e=$(date +%s%N); acc+=($(( (e - s) / 100000 ))); }
med() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {printf "%.1f", v[int((NR+1)/2)]/10}'; }

base=(); declare -A ver att det
for i in $(seq 1 "$N"); do
  t base ip netns exec "$H" node -e 0
  for c in "${!clis[@]}"; do
    v=(); a=(); d=()
    # shellcheck disable=SC2086
    t v ip netns exec "$H" ${clis[$c]} --version
    # shellcheck disable=SC2086
    t a ip netns exec "$H" ${clis[$c]} attach --root "$R/$c" br0 "$H-g$i" "10.0.$c.$((i + 1))/24"
    # shellcheck disable=SC2086
    t d ip netns exec "$H" ${clis[$c]} detach --root "$R/$c" "$H-g$i"
    ver[$c]+="${v[0]} "; att[$c]+="${a[0]} "; det[$c]+="${d[0]} "
  done
done
b=$(med "${base[@]}")
echo "node -e 0: $b ms (median of $N)"
for c in "${!clis[@]}"; do
  # shellcheck disable=SC2086
  v=$(med ${ver[$c]}); a=$(med ${att[$c]}); d=$(med ${det[$c]})
  printf '%s\n  --version %6.1f (+%.1f)   attach %6.1f (+%.1f)   detach %6.1f (+%.1f)\n' "${clis[$c]}" \
    "$v" "$(echo "$v - $b" | bc)" "$a" "$(echo "$a - $b" | bc)" "$d" "$(echo "$d - $b" | bc)"
done
