#!/bin/bash
# User-space instructions per POST /v2/orders of a sandbox binary, counted by callgrind: the
# counts of a 2,000-order interval (one keep-alive client, after 300 orders of warm-up) minus
# what the idle sandbox spends over as long (its ticks). Unlike wrk's rates on a shared VM,
# this moves by a few percent at most between runs (50.4 k to 51.9 k for one binary).
# usage: instructions.sh SANDBOX_BIN [PORT]   (the `serve` example; needs valgrind, python3)
set -euo pipefail
bin=$1; port=${2:-19950}; n=2000
dir=$(mktemp -d); out=$dir/callgrind.out
client() {
  python3 - "$port" "$1" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
body = '{"symbol":"AAPL","qty":"1","side":"buy","type":"market","time_in_force":"day"}'
h = {"Content-Type": "application/json", "APCA-API-KEY-ID": "BENCH", "APCA-API-SECRET-KEY": "bench-secret"}
for _ in range(n):
    c.request("POST", "/v2/orders", body, h)
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}
total() { grep -h "^summary" "$out".* | tail -1 | awk '{print $2}'; rm -f "$out".*; }
valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$out" \
  "$bin" "$dir/data" "$port" >/dev/null 2>"$dir/valgrind.log" & pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null; do sleep 1; done
client 300
callgrind_control -z $pid >/dev/null 2>&1; s=$(date +%s.%N); sleep 10
callgrind_control -d idle $pid >/dev/null 2>&1; idle_t=$(echo "$(date +%s.%N) - $s" | bc); idle=$(total)
callgrind_control -z $pid >/dev/null 2>&1; s=$(date +%s.%N); client $n
callgrind_control -d busy $pid >/dev/null 2>&1; busy_t=$(echo "$(date +%s.%N) - $s" | bc); busy=$(total)
echo "$(basename "$bin"): $(echo "($busy - $idle / $idle_t * $busy_t) / $n" | bc) instructions per order"
