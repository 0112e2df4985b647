#!/bin/sh
# Sets everything up, starts coze-sim with a small lively world and runs the
# real collectd with the coze plugin in the foreground, showing the values
# as they arrive. Ctrl-C (or --for SECONDS) stops everything it started and
# renders a graph of every document's progress to coze-demo.png.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
duration=0
[ "${1:-}" = "--for" ] && duration=${2:?--for takes a number of seconds}

sh contrib/setup-debian.sh >/tmp/coze-demo-setup.log 2>&1 || {
  cat /tmp/coze-demo-setup.log
  exit 1
}

run=$(mktemp -d /tmp/coze-demo.XXXXXX)
png="$top/coze-demo.png"
mkdir -p "$run/plugins" "$run/csv" "$run/rrd"
cp build/.libs/coze.so /usr/lib/collectd/csv.so /usr/lib/collectd/logfile.so \
  /usr/lib/collectd/rrdtool.so "$run/plugins/"

build/src/coze-sim --listen 127.0.0.1:0 --token demo-token \
  --scenario contrib/demo-world.json --collectd-config "$run/coze.conf" \
  >"$run/sim.out" 2>"$run/sim.err" &
sim_pid=$!
for _ in $(seq 50); do [ -s "$run/coze.conf" ] && break; sleep 0.1; done

cat >"$run/collectd.conf" <<CONF
# collectd.conf for the demo: the coze plugin polls coze-sim every 3 s;
# csv and rrdtool store what it dispatches.
Hostname "demo"
FQDNLookup false
Interval 3
PluginDir "$run/plugins"
TypesDB "/usr/share/collectd/types.db"
BaseDir "$run"
PIDFile "$run/collectd.pid"

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$run/collectd.log"
  Timestamp true
</Plugin>

LoadPlugin csv
<Plugin csv>
  DataDir "$run/csv"
  StoreRates false
</Plugin>

LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$run/rrd"
</Plugin>

LoadPlugin coze
# The <Plugin coze> block, as coze-sim wrote it for its world.
Include "$run/coze.conf"
CONF

/usr/sbin/collectd -f -C "$run/collectd.conf" >"$run/collectd.out" 2>&1 &
collectd_pid=$!
started=$(date +%s)

last() { # the newest value stored in a csv file, or "-"
  f=$(ls "$1"-* 2>/dev/null | head -1)
  if [ -n "$f" ]; then tail -1 "$f" | cut -d, -f2; else echo -; fi
}

table() {
  printf '%-13s %-22s %-11s %-27s %7s %9s\n' dataset document status \
    progress left size
  for f in "$run"/csv/demo/coze-*/percent-*; do
    [ -e "$f" ] || continue
    dir=${f%/*}
    ds=${dir##*/coze-}
    doc=${f##*/percent-}
    doc=${doc%-????-??-??}
    printf '%s %s %s %s %s %s\n' "$ds" "$doc" "$(last "$dir/gauge-$doc")" \
      "$(tail -1 "$f" | cut -d, -f2)" "$(last "$dir/timeleft-$doc")" \
      "$(last "$dir/bytes-$doc")"
  done | awk '{
    if ($3 == "-") st = "-"
    else if ($3 + 0 == 0) st = "processing"
    else if ($3 + 0 == 1) st = "done"
    else if ($3 + 0 == 9) st = "FAILED"
    else st = "status " int($3)
    p = int($4); bar = "";
    for (i = 0; i < 20; i++) bar = bar (i < p / 5 ? "#" : ".");
    left = ($5 == "-") ? "-" : int($5) " s";
    printf "%-13s %-22s %-11s [%s] %3d%% %7s %7.1f MiB\n",
           $1, $2, st, bar, p, left, $6 / 1048576
  }'
}

graph() {
  set -- --start "$started" --end now --width 900 --height 320 \
    --title "Coze document processing, as collectd saw it" \
    --vertical-label "progress (%)" --lower-limit 0 --upper-limit 100 --rigid
  colours="1f77b4 ff7f0e 2ca02c d62728 9467bd 8c564b e377c2 7f7f7f bcbd22 17becf 393b79 ad494a"
  i=0
  for rrd in "$run"/rrd/demo/coze-*/percent-*.rrd; do
    [ -e "$rrd" ] || continue
    i=$((i + 1))
    ds=${rrd%/*}
    ds=${ds##*/coze-}
    doc=${rrd##*/percent-}
    doc=${doc%.rrd}
    c=$(echo "$colours" | cut -d' ' -f$(((i - 1) % 12 + 1)))
    set -- "$@" "DEF:p$i=$rrd:value:AVERAGE" "LINE2:p$i#$c:$ds/$doc"
  done
  rrdtool graph "$png" "$@" >/dev/null
}

stop() {
  trap - INT TERM EXIT
  kill -TERM "$collectd_pid" 2>/dev/null || true
  wait "$collectd_pid" 2>/dev/null || true
  kill -TERM "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  echo
  if graph; then echo "graph of the run: $png"; fi
  echo "configuration, logs and data of the run: $run"
  exit 0
}
trap stop INT TERM EXIT

echo "coze-sim: $(head -1 "$run/sim.out"); collectd: $run/collectd.conf"
while :; do
  sleep 3
  [ -t 1 ] && printf '\033[H\033[2J'
  echo "collectd-coze demo, $(($(date +%s) - started)) s (Ctrl-C stops)"
  table || true
  echo
  echo "collectd log (coze plugin):"
  grep 'coze plugin' "$run/collectd.log" | tail -4 | cut -c1-150
  if [ "$duration" -gt 0 ] &&
    [ $(($(date +%s) - started)) -ge "$duration" ]; then
    stop
  fi
  kill -0 "$collectd_pid" 2>/dev/null || {
    echo "collectd stopped:"
    cat "$run/collectd.out"
    stop
  }
done
