#!/usr/bin/env bash
# Installs the Debian packages cedana builds and tests with, then makes CRIU 4 available.
# Idempotent: only missing packages are installed.
set -euo pipefail

PACKAGES=(
    cmake g++ make pkg-config
    libgrpc++-dev libgrpc-dev libabsl-dev libre2-dev libc-ares-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
    libssl-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
    libsqlite3-dev libarchive-dev liblz4-dev libzstd-dev zlib1g-dev libxxhash-dev
    libfuse3-dev libcurl4-openssl-dev libpugixml-dev libboost1.74-dev
    libgtest-dev bats bats-assert bats-support bats-file
    zsh fish sqlite3 bc lz4 zstd xxhash file python3 bsdutils util-linux procps gcc openssl
    clang libclang-rt-dev
    runc busybox-static jq
    containerd golang-github-containerd-containerd-dev golang-github-gogo-protobuf-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages need root: run as root or install them: ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$(dirname "$0")/provision-criu.sh" >/dev/null

# The S3 tests want a real S3-compatible server on loopback: moto where python3 has it (it
# checks signatures), else s3rver from npm, which tests/e2e/s3_server.bash looks for here.
S3RVER_PREFIX=/opt/cedana/s3rver
if ! python3 -c 'import moto.server, boto3' >/dev/null 2>&1 && [ ! -x "$S3RVER_PREFIX/node_modules/.bin/s3rver" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "install-deps: no moto and no npm for s3rver: the S3 tests will be skipped (run as root to install nodejs and npm)" >&2
            exit 0
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
    echo "install-deps: no moto for python3; installing s3rver into $S3RVER_PREFIX for the S3 tests" >&2
    mkdir -p "$S3RVER_PREFIX"
    npm install --prefix "$S3RVER_PREFIX" --no-audit --no-fund --silent s3rver@3.7.1 >/dev/null
fi
