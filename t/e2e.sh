#!/bin/sh
# End to end: the built plugin inside the real collectd daemon, polling
# coze-sim; checks what the csv writer stored and what the daemon logged.
# Run by make check; VALGRIND=1 runs the daemon under valgrind, which fails
# the run on any memory error or definite leak.
set -eu

srcdir=${srcdir:-.}
builddir=${builddir:-.}
collectd=${COLLECTD_BIN:-/usr/sbin/collectd}
stock=${COLLECTD_PLUGINS:-/usr/lib/collectd}
token=e2e-token-0123456789

work=$(mktemp -d /tmp/coze-e2e.XXXXXX)
sim_pid=
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

fail() {
  echo "FAIL: $*"
  echo "--- collectd log:"; cat "$work/collectd.log" 2>/dev/null || true
  exit 1
}

passed=0
ok() { passed=$((passed + 1)); echo "ok $passed - $*"; }

# collectd only loads regular files from its PluginDir.
mkdir -p "$work/plugins" "$work/csv"
cp "$builddir/.libs/coze.so" "$stock/csv.so" "$stock/logfile.so" \
  "$work/plugins/"

"$builddir/src/coze-sim" --listen 127.0.0.1:0 --token "$token" \
  --scenario "$srcdir/t/data/e2e-world.json" \
  --collectd-config "$work/coze.conf" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 50); do
  [ -s "$work/coze.conf" ] && break
  sleep 0.1
done
[ -s "$work/coze.conf" ] || fail "coze-sim did not start: $(cat "$work/sim.err")"
head -1 "$work/sim.out" | grep -q '^listening on http://127.0.0.1:[0-9]*$' ||
  fail "coze-sim's first line: $(head -1 "$work/sim.out")"
ok "coze-sim listens and writes the plugin block"

write_conf() { # $1: file, $2: the <Plugin coze> block's file
  cat >"$1" <<CONF
Hostname "e2e-host"
FQDNLookup false
Interval 1
PluginDir "$work/plugins"
TypesDB "/usr/share/collectd/types.db"
BaseDir "$work"
PIDFile "$work/collectd.pid"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$work/collectd.log"
  Timestamp true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$work/csv"
  StoreRates false
</Plugin>
LoadPlugin coze
Include "$2"
CONF
}

# Runs the daemon in the foreground for $2 seconds (longer under
# valgrind), then stops it with SIGTERM; collectd -T would exit before its
# write threads store everything.
run_daemon() { # $1: config, $2: seconds
  secs=$2
  if [ "${VALGRIND:-0}" = 1 ]; then
    secs=$((secs * 3))
    valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite \
      --suppressions="$srcdir/t/valgrind.supp" \
      "$collectd" -f -C "$1" >"$work/daemon.out" 2>&1 &
  else
    "$collectd" -f -C "$1" >"$work/daemon.out" 2>&1 &
  fi
  daemon_pid=$!
  sleep "$secs"
  kill -TERM "$daemon_pid"
  status=0
  wait "$daemon_pid" || status=$?
  daemon_pid=
  [ "$status" = 0 ] ||
    fail "collectd exited with $status: $(cat "$work/daemon.out")"
}

write_conf "$work/collectd.conf" "$work/coze.conf"
run_daemon "$work/collectd.conf" 4
ok "collectd runs the plugin and stops cleanly on SIGTERM"

value_of() { # $1: plugin instance, $2: type-type_instance
  f=$(ls "$work/csv/e2e-host/coze-$1/$2"-* 2>/dev/null | head -1)
  [ -n "$f" ] || fail "nothing stored for coze-$1/$2"
  tail -1 "$f" | cut -d, -f2
}

expect() { # $1: plugin instance, $2: type-type_instance, $3: value
  got=$(value_of "$1" "$2")
  [ "$got" = "$3" ] || fail "coze-$1/$2: want $3, got $got"
}

expect manuals percent-install 40.000000
expect manuals gauge-install 0.000000
expect manuals timeleft-install 120.000000
expect manuals bytes-install 2048.000000
expect manuals percent-faq 100.000000
expect manuals gauge-faq 1.000000
expect manuals bytes-faq 9007199254740992.000000
expect manuals gauge-broken 9.000000
expect manuals percent-broken 35.000000
expect manuals gauge-review 1000.000000
ok "progress, status, size and remaining time stored under e2e-host/coze-manuals"

[ -d "$work/csv/e2e-host/coze-locked" ] &&
  fail "values stored for the dataset whose answers are refused"
grep -q 'coze plugin: dataset "locked" (7442585813587000002): 1 of 1 request(s) failed: code 4100: authentication is invalid, log ID [0-9A-F]*; retrying every interval' \
  "$work/collectd.log" || fail "no error logged for dataset locked"
grep -q 'coze plugin: dataset "manuals" (7442585813587000001): polling 4 documents in 1 request(s) to http://127.0.0.1:[0-9]* every 1 s, timeout 1000 ms' \
  "$work/collectd.log" || fail "no start-up line for dataset manuals"
grep -q 'coze plugin: collectd-coze/[0-9.]*, libcurl/' "$work/collectd.log" ||
  fail "the plugin does not name itself and its version"
ok "a refused dataset is logged with code, message and log ID"

grep -q "$token" "$work/collectd.log" "$work/daemon.out" &&
  fail "the token appears in a log"
ok "the token appears in no log"

# A wrong option is refused at start, naming the option.
sed 's/^  Token /  Tokn /' "$work/coze.conf" >"$work/bad.conf"
write_conf "$work/collectd-bad.conf" "$work/bad.conf"
if "$collectd" -T -C "$work/collectd-bad.conf" >"$work/bad.out" 2>&1; then
  fail "collectd started with an unknown option"
fi
grep -q 'coze plugin: option "Tokn" in <Plugin coze>: unknown option' \
  "$work/collectd.log" || fail "the refusal does not name the option"
ok "a wrong option stops collectd and is named in the log"

rows=$(cat "$work/csv/e2e-host/coze-manuals/percent-install"-* |
  grep -c '^[0-9]')
[ "$rows" -ge 3 ] || fail "only $rows rows after 4 s at 1 s intervals"
logged=$(grep -c 'dataset "locked".*failed' "$work/collectd.log")
[ "$logged" = 1 ] || fail "the lasting failure was logged $logged times"
ok "values come at every interval and a lasting failure is logged once"

# coze-sim ends cleanly on SIGTERM and says how much it served.
kill -TERM "$sim_pid"
status=0
wait "$sim_pid" || status=$?
sim_pid=
[ "$status" = 0 ] || fail "coze-sim exited with $status on SIGTERM"
grep -q '^coze-sim: served [1-9][0-9]* requests$' "$work/sim.err" ||
  fail "coze-sim's last words: $(cat "$work/sim.err")"
ok "coze-sim exits 0 on SIGTERM"

echo "$passed passed, 0 failed"
