# The two commands a newcomer needs: `make demo` and `make test`. Both install what is
# missing (as root), build, and are safe to run again.
#
# Two builds: the release build (g++, BUILD_DIR: the static `cedana` that ships, and what
# the end-to-end suite and the benchmarks run) and the instrumented build (clang,
# ASAN_BUILD_DIR, cmake/Sanitizers.cmake: ASan + UBSan + libFuzzer's coverage, -O1 and line
# tables, and the fault points), where the unit tests, the fuzz corpus, the fuzzers and the
# fault-injection suite run. `make test` builds
# the release binary without its unit tests, which the instrumented build runs: each source
# is compiled once per build, which keeps CI within its time on two cores.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 180
# What `make test` fuzzes each harness for: a smoke run, enough to catch a harness broken
# by a change; `make fuzz` is the search.
FUZZ_SMOKE_SECONDS ?= 8

.PHONY: all deps configure build release demo test unit e2e bench clean asan-build unit-asan e2e-asan test-asan faults fuzz fuzz-smoke

all: build

deps:
	scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCEDANA_WERROR=ON >/dev/null

# Everything of the release build, its unit tests (g++) included.
build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The binary and the benchmarks' workload only.
release: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target cedana memhog

demo: release
	scripts/demo.sh $(BUILD_DIR)/cedana

# The suites run in a session of their own, holding only their stdio (see the script).
IN_OWN_SESSION = tests/run-isolated.sh

# The unit tests and the fuzz corpus of the release build (g++, not instrumented).
unit: build
	$(IN_OWN_SESSION) ctest --test-dir $(BUILD_DIR) --output-on-failure

# The job suite runs a second time with one daemon kept for the whole file, to catch state
# that leaks from one request to the next.
e2e: release
	CEDANA_BIN=$(abspath $(BUILD_DIR))/cedana $(IN_OWN_SESSION) bats tests/e2e
	CEDANA_BIN=$(abspath $(BUILD_DIR))/cedana CEDANA_E2E_SHARED_DAEMON=1 $(IN_OWN_SESSION) bats tests/e2e/jobs.bats tests/e2e/runc.bats tests/e2e/containerd.bats tests/e2e/containerd_rootfs.bats

test: unit-asan fuzz-smoke e2e faults

asan-build: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
		-DCEDANA_STATIC=OFF -DCEDANA_FUZZ=ON -DCEDANA_FAULT_POINTS=ON -DCEDANA_WERROR=ON >/dev/null
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

# Any report fails the run: UBSan's are fatal (-fno-sanitize-recover), ASan's always are,
# leaks included.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

unit-asan: asan-build
	$(SANITIZER_ENV) $(IN_OWN_SESSION) ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure

# The daemon and CLI instrumented under the end-to-end suite. Leaks are not checked there:
# the daemon ends on a signal, and what it holds then is not a leak.
e2e-asan: asan-build
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CEDANA_BIN=$(abspath $(ASAN_BUILD_DIR))/cedana $(IN_OWN_SESSION) bats tests/e2e

test-asan: unit-asan e2e-asan

# The daemon SIGKILLed at every step of a dump and of a restore (tests/faults), which needs
# the fault points only the instrumented build has (pipeline/fault_point.hpp).
faults: asan-build
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CEDANA_BIN=$(abspath $(ASAN_BUILD_DIR))/cedana $(IN_OWN_SESSION) bats tests/faults

# Looks for new inputs: every harness for FUZZ_SECONDS, from the kept corpus (scripts/fuzz.sh).
fuzz: asan-build
	scripts/fuzz.sh $(ASAN_BUILD_DIR) $(FUZZ_SECONDS)

fuzz-smoke: asan-build
	scripts/fuzz.sh $(ASAN_BUILD_DIR) $(FUZZ_SMOKE_SECONDS)

bench: release
	bench/run.sh $(BUILD_DIR)/cedana
	bench/jobs.sh $(BUILD_DIR)/cedana
	bench/runc.sh $(BUILD_DIR)/cedana
	bench/containerd.sh $(BUILD_DIR)/cedana
	bench/streams.sh $(BUILD_DIR)/cedana
	bench/s3.sh $(BUILD_DIR)/cedana
	bench/migrate.sh $(BUILD_DIR)/cedana

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
