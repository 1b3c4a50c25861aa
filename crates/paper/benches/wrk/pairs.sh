#!/bin/bash
# Interleaved wrk runs: nginx serving a static order JSON, then each sandbox binary given, per
# round; prints req/s per run and each sandbox's ratio to the nginx run just before it.
# usage: pairs.sh ROUNDS SECONDS SANDBOX_BIN...   (needs wrk and nginx-light)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=$1; secs=$2; shift 2
mkdir -p /tmp/wrkbench/www
cp "$here/order.json" /tmp/wrkbench/www/order.json
nginx -c "$here/nginx.conf" -p /tmp/wrkbench
trap 'kill $(cat /tmp/wrkbench/nginx.pid) 2>/dev/null || true' EXIT
port=18900
rate() { wrk -t1 -c16 -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
for r in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    port=$((port + 1)); dir=$(mktemp -d)
    "$bin" "$dir" "$port" >/dev/null 2>&1 & pid=$!
    sleep 2
    ng=$(rate http://127.0.0.1:8089/order.json)
    or=$(rate -s "$here/order.lua" "http://127.0.0.1:$port")
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
    echo "round $r $(basename "$bin") load $(cut -d' ' -f1 /proc/loadavg) nginx $ng orders $or ratio $(echo "scale=3; $or / $ng" | bc)"
  done
done
