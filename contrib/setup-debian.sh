#!/bin/sh
# Installs from Debian's packages everything collectd-coze needs to build,
# test and run, then configures and builds it in ./build. Safe to run again.
set -eu

cd "$(dirname "$0")/.."

packages="build-essential autoconf automake libtool pkg-config
  collectd-core collectd-dev libcurl4-openssl-dev libjansson-dev
  libmicrohttpd-dev check valgrind clang-format rrdtool"

missing=
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
    --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror
make -j"$(nproc)"
