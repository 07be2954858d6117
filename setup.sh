#!/usr/bin/env bash
# setup.sh: everything a new machine needs, in one place.
#
#   ./setup.sh serve [ARGS]   install, build, run `standin serve ARGS`
#   ./setup.sh check          install, build, run `make check`
#   ./setup.sh build          install and build only (into build/)
#   ./setup.sh check-sanitizers   make check in an ASan+UBSan build (build-asan/)
#   ./setup.sh check-valgrind     the unit tests and end-to-end tests under valgrind
#   ./setup.sh build-clang        build with clang, warnings as errors (build-clang/)
#   ./setup.sh distcheck          make distcheck
#   ./setup.sh bench              make bench (installs wrk and nginx)
#   ./setup.sh soak               make soak: 10 minutes under load, faults flipping
#   ./setup.sh fuzz               the libFuzzer targets (build-fuzz/, clang):
#                                 each fuzzed for FUZZ_SECONDS (default 60)
#
# Missing Debian packages are installed with apt-get (as root, or with
# sudo). The build is out of tree, in build/, so that other builds
# (sanitizers, clang, distcheck) can sit beside it.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)

# Build tools and libraries, the real clients the tests drive, the
# Prometheus parser that checks GET /metrics (tests/prom-check.py),
# nginx, the real upstream of tests/e2e-proxy-nginx.sh, and node and npm,
# which install and run toxiproxy-node-client (from the npm registry) in
# tests/e2e-toxiproxy-node.sh.
PACKAGES=(gcc make autoconf automake pkg-config
	libevent-dev libssl-dev libjansson-dev check libhttp-parser-dev
	curl jq openssl clang-format python3-prometheus-client nginx-light
	nodejs)
# npm too, but only where there is none: a nodejs that bundles it
# (NodeSource's, as on this project's machines) conflicts with Debian's npm.
command -v npm >/dev/null || PACKAGES+=(npm)

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "setup.sh: installing ${missing[*]}" >&2
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# configure_in DIR [CONFIGURE-ARGS]: configure a build directory once.
configure_in() {
	local dir=$1
	shift
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
		[ Makefile.am -nt Makefile.in ]; then
		autoreconf -fi
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
		(cd "$dir" && "$top/configure" -q "$@")
	fi
}

build() {
	install_packages "${PACKAGES[@]}"
	configure_in build
	make -s -C build -j"$(nproc)"
}

cmd=${1:-build}
[ $# -gt 0 ] && shift
case $cmd in
build)
	build ;;
serve)
	build
	exec build/standin serve "$@" ;;
check)
	build
	make -C build -j"$(nproc)" check ;;
check-sanitizers)
	install_packages "${PACKAGES[@]}"
	configure_in build-asan --enable-sanitizers
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -C build-asan -j"$(nproc)" check ;;
check-valgrind)
	install_packages "${PACKAGES[@]}" valgrind
	configure_in build
	make -s -C build -j"$(nproc)"
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	CK_FORK=no STANDIN_WRAPPER="$vg" make -C build check LOG_COMPILER="$vg" ;;
build-clang)
	install_packages "${PACKAGES[@]}" clang
	configure_in build-clang CC=clang
	# Two runs: "all" recurses into a sub-make, and one make building
	# both goals at once would race it on libstandin.a.
	make -s -C build-clang -j"$(nproc)" all
	make -s -C build-clang -j"$(nproc)" tests/check_util ;;
distcheck)
	build
	make -C build distcheck ;;
bench)
	build
	install_packages wrk nginx-light procps
	make -C build bench ;;
soak)
	build
	install_packages python3 procps
	make -C build soak ;;
fuzz)
	# clang with libFuzzer's runtime; llvm for symbolized stack traces.
	install_packages "${PACKAGES[@]}" clang libclang-rt-dev llvm
	configure_in build-fuzz CC=clang --enable-fuzz
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} make -C build-fuzz -j"$(nproc)" fuzz ;;
*)
	echo "usage: ./setup.sh [build|serve [ARGS]|check|check-sanitizers|check-valgrind|build-clang|distcheck|bench|soak|fuzz]" >&2
	exit 64 ;;
esac
