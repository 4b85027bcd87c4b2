# Starfail - user-facing targets. CMake does the building; this file only
# wraps it so that one command is enough on a fresh Debian machine.
#
#   make          build build/starfaild and build/starfailctl
#   make test     install missing packages, build, run every test; then the
#                 same tests again in an ASan/UBSan build; then every fuzzer
#                 for FUZZ_SMOKE_S seconds
#   make demo     network-namespace lab showing a failover (needs root)
#   make bench    benchmarks with figures and ratios against baselines
#   make fuzz     build the libFuzzer harnesses and run each briefly
#   make cross    build for armhf, arm64, mipsel and s390x (big-endian) with
#                 Debian's cross compilers; their unit tests under qemu-user
#   make clean

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SMOKE_S ?= 5
CMAKE_ARGS ?=
CROSS_ARCHES ?= armhf arm64 mipsel s390x
# in `make test`: one 32-bit and the big-endian architecture, UBSan on
CROSS_CI_ARCHES ?= armhf s390x

.PHONY: all deps build test test-release test-asan test-cross cross build-variants fuzz-build fuzz-smoke demo bench fuzz clean

all: build

deps:
	@./tools/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	$(MAKE) fuzz-smoke
	$(MAKE) build-variants
	$(MAKE) test-cross
	@# reached only when every step passed (make stops at the first failure)
	@./tools/test-summary.sh $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(CROSS_CI_ARCHES:%=build-cross-%)

# Tests without a network namespace two at a time (ctest-fast.log), then the
# net and lab tests three at a time (ctest.log; mostly waiting), each in namespaces of its own
# (tests/isolate.sh).
# The ASan build leaves out lab_*, the lab's own self-tests (Python and the
# delay shim; no daemon code): the release build runs them.
CTEST_FAST = ctest --output-on-failure --timeout 300 -LE 'net|lab' -j 2 -O ctest-fast.log
CTEST_NET  = ctest --output-on-failure --timeout 300 -L 'net|lab' -j 3 -O ctest.log

test-release: build
	cd $(BUILD) && $(CTEST_FAST) && $(CTEST_NET)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSF_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh -c "$(CTEST_FAST) && $(CTEST_NET) -E '^lab_'"

demo: deps build
	./tools/demo.sh $(BUILD)

bench: deps build
	./bench/run.sh $(BUILD)

# the 32-bit UBSan and big-endian unit-test runs of `make test`
test-cross:
	./tools/cross.sh deps $(CROSS_CI_ARCHES)
	JOBS=$(JOBS) ./tools/cross.sh test --ubsan $(CROSS_CI_ARCHES)

cross:
	./tools/cross.sh deps $(CROSS_ARCHES)
	JOBS=$(JOBS) ./tools/cross.sh test $(CROSS_ARCHES)

# every optional feature off must still build (warnings are errors)
build-variants:
	cmake -S . -B build-minimal -DSF_STARLINK=OFF -DSF_PROMETHEUS=OFF -DSF_MQTT=OFF -DSF_WEBHOOK=OFF -DSF_TESTS=OFF -DCMAKE_BUILD_TYPE=MinSizeRel
	cmake --build build-minimal -j $(JOBS) --target starfaild starfailctl

fuzz-build: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DSF_FUZZ=ON -DSF_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-smoke: fuzz-build
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_S)

fuzz: fuzz-build
	./fuzz/run.sh $(FUZZ_BUILD) 30

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-minimal build-cross-* build-size-*
