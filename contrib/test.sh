#!/bin/sh
# Sets everything up and runs the whole test suite: formatting, the unit,
# integration and end-to-end tests, the end-to-end run under valgrind, and
# the unit and integration tests again under AddressSanitizer and UBSan.
set -eu

cd "$(dirname "$0")/.."
sh contrib/setup-debian.sh

echo "== formatting (clang-format)"
clang-format --dry-run --Werror src/*.c src/*.h src/sim/*.c src/sim/*.h \
  t/*.c t/*.h

echo "== make check"
make -C build check || { cat build/t/*.log; exit 1; }

echo "== end to end under valgrind"
(cd build && VALGRIND=1 srcdir=.. builddir=. sh ../t/e2e.sh) |
  tee build/t/e2e-valgrind.out

echo "== the demo (the README's first command), 12 s"
rm -f coze-demo.png
sh contrib/demo.sh --for 12 >build/t/demo.out 2>&1 || {
  cat build/t/demo.out
  exit 1
}
demo_rows=$(grep -c '^\(manuals\|support\|slow-archive\) .*%' build/t/demo.out)
if [ "$demo_rows" -lt 12 ] || [ ! -s coze-demo.png ] ||
  pgrep -f 'coze-sim .*demo-world.json' >/dev/null; then
  tail -20 build/t/demo.out
  echo "the demo showed $demo_rows rows, drew no graph or left coze-sim running"
  exit 1
fi
echo "1 passed, 0 failed" | tee build/t/demo.result

echo "== sanitizers (ASan, UBSan)"
mkdir -p build-asan
cd build-asan
[ -f Makefile ] || ../configure --enable-werror \
  CFLAGS="-O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all"
make -j"$(nproc)" check TESTS="t/test_config t/test_response t/test_plugin t/test_sim" ||
  { cat t/*.log; exit 1; }
cd ..

# One closing line for every check run: Check's counts and the end-to-end
# test's, from the plain and the sanitizer builds.
cat build/t/*.log build/t/e2e-valgrind.out build/t/demo.result \
  build-asan/t/*.log | awk '
  /^[0-9]+%: Checks: / {
    gsub(",", ""); pass += $3 - $5 - $7; fail += $5 + $7
  }
  /^[0-9]+ passed, [0-9]+ failed$/ { pass += $1; fail += $3 }
  END { printf "%d passed, %d failed\n", pass, fail; exit fail > 0 }'
