#!/bin/bash
# CPU per request, far less load-sensitive than req/s: for nginx serving a static order JSON
# and for each sandbox binary given, per round, the CPU-seconds (utime + stime of every
# thread, from /proc/<pid>/stat) the server spent during a fixed wrk run, per 100 k answers.
# usage: cpu.sh ROUNDS SECONDS SANDBOX_BIN...   (needs wrk and nginx-light)
# BENCH_DIR (default /tmp/wrkcpu-$USER) and BENCH_NGINX_PORT (8090) keep it apart from pairs.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=$1; secs=$2; shift 2
work=${BENCH_DIR:-/tmp/wrkcpu-$USER}
ngport=${BENCH_NGINX_PORT:-8090}
mkdir -p "$work/www"
cp "$here/order.json" "$work/www/order.json"
sed -e "s#/tmp/wrkbench#$work#g" -e "s#127.0.0.1:8089#127.0.0.1:$ngport#" "$here/nginx.conf" > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
ngmaster=$(cat "$work/nginx.pid")
trap 'kill $ngmaster 2>/dev/null || true' EXIT
tck=$(getconf CLK_TCK)
# utime + stime (ticks) of the given pids, children threads included.
ticks() { for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done | paste -sd+ | bc; }
# wrk's requests and req/s.
run() { wrk -t1 -c16 -d"${secs}s" "$@" | awk '/requests in/ {n=$1} /Requests\/sec/ {r=$2} END {print n, r}'; }
measure() { # label, pids..., -- wrk args
  local label=$1; shift; local pids=()
  while [ "$1" != -- ]; do pids+=("$1"); shift; done; shift
  local before after n rps
  before=$(ticks "${pids[@]}")
  read -r n rps < <(run "$@")
  after=$(ticks "${pids[@]}")
  local cpu; cpu=$(echo "scale=4; ($after - $before) / $tck" | bc)
  echo "$label load $(cut -d' ' -f1 /proc/loadavg) req $n req/s $rps cpu_s $cpu cpu_s_per_100k $(echo "scale=3; $cpu * 100000 / $n" | bc) us_per_req $(echo "scale=2; $cpu * 1000000 / $n" | bc)"
}
port=18950
for r in $(seq 1 "$rounds"); do
  workers=$(pgrep -P "$ngmaster" | tr '\n' ' ')
  # shellcheck disable=SC2086
  measure "round $r nginx" $ngmaster $workers -- "http://127.0.0.1:$ngport/order.json"
  for bin in "$@"; do
    port=$((port + 1)); dir=$(mktemp -d)
    "$bin" "$dir" "$port" >/dev/null 2>&1 & pid=$!
    sleep 2
    wrk -t1 -c16 -d1s -s "$here/order.lua" "http://127.0.0.1:$port" >/dev/null # warm-up
    measure "round $r $(basename "$(dirname "$bin")")/$(basename "$bin")" $pid -- -s "$here/order.lua" "http://127.0.0.1:$port"
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
  done
done
