#!/bin/sh
# How many progress requests a second coze-sim answers on one core: coze-sim
# pinned to CPU 0, the load generator (wrk, from Debian) to CPU 1, keep-alive
# connections, each request asking for BATCH documents of a dataset.
#   sh contrib/bench-sim.sh [SECONDS] [CONNECTIONS] [BATCH]
set -eu

cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
batch=${3:-100}

command -v wrk >/dev/null || {
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q wrk >/dev/null
}
[ -x build/src/coze-sim ] || sh contrib/setup-debian.sh >/dev/null

work=$(mktemp -d /tmp/coze-bench.XXXXXX)
taskset -c 0 build/src/coze-sim --token bench --datasets 1 \
  --documents "$batch" --collectd-config "$work/coze.conf" \
  >"$work/sim.out" 2>"$work/sim.err" &
sim=$!
trap 'kill $sim 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/coze.conf" ] && break; sleep 0.1; done

url=$(sed -n 's/^listening on //p' "$work/sim.out")
dataset=$(sed -n 's/.*<Dataset "\([0-9]*\)">.*/\1/p' "$work/coze.conf")
ids=$(sed -n 's/.*Document "\([0-9]*\)".*/"\1"/p' "$work/coze.conf" |
  paste -sd, -)
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"document_ids":[$ids]}'
wrk.headers["Authorization"] = "Bearer bench"
wrk.headers["Content-Type"] = "application/json"
LUA

echo "coze-sim on CPU 0, wrk on CPU 1: $conns connections, $batch documents a request, $secs s"
taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" -s "$work/post.lua" \
  "$url/v1/datasets/$dataset/process"
