# The two commands a newcomer needs: `make demo` and `make test`. Both install what is
# missing (as root), build, and are safe to run again.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test unit e2e bench clean

all: build

deps:
	scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCEDANA_WERROR=ON >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD_DIR)/cedana

# The suites run in a session of their own, holding only their stdio (see the script).
IN_OWN_SESSION = tests/run-isolated.sh

unit: build
	$(IN_OWN_SESSION) ctest --test-dir $(BUILD_DIR) --output-on-failure

# The job suite runs a second time with one daemon kept for the whole file, to catch state
# that leaks from one request to the next.
e2e: build
	CEDANA_BIN=$(abspath $(BUILD_DIR))/cedana $(IN_OWN_SESSION) bats tests/e2e
	CEDANA_BIN=$(abspath $(BUILD_DIR))/cedana CEDANA_E2E_SHARED_DAEMON=1 $(IN_OWN_SESSION) bats tests/e2e/jobs.bats tests/e2e/runc.bats tests/e2e/containerd.bats tests/e2e/containerd_rootfs.bats

test: unit e2e

bench: build
	bench/run.sh $(BUILD_DIR)/cedana
	bench/jobs.sh $(BUILD_DIR)/cedana
	bench/runc.sh $(BUILD_DIR)/cedana
	bench/containerd.sh $(BUILD_DIR)/cedana
	bench/streams.sh $(BUILD_DIR)/cedana
	bench/s3.sh $(BUILD_DIR)/cedana
	bench/migrate.sh $(BUILD_DIR)/cedana

clean:
	rm -rf $(BUILD_DIR)
