#!/usr/bin/env bash
# Makes a CRIU >= 4.0 available to cedana and prints the path of the binary to use.
#
# The system's criu is used when it is new enough and `criu check` passes. Otherwise
# Debian 13's CRIU is fetched with apt-get download from the same archive the system
# already uses (read from its own apt sources), unpacked under a private prefix and run
# through that prefix's own loader, so the system's libc and packages stay untouched.
# The prefix also holds libcriu-dev's rpc.proto, which the build compiles.
set -euo pipefail

PREFIX=${CEDANA_CRIU_PREFIX:-/opt/cedana/criu}
SUITE=${CEDANA_CRIU_SUITE:-trixie}
PACKAGES=(criu libcompel1 libcriu-dev)
LAUNCHER="$PREFIX/criu"

log() { echo "provision-criu: $*" >&2; }

criu_is_usable() {
    local bin=$1 version
    version=$("$bin" --version 2>/dev/null | awk '/^Version:/ {print $2}') || return 1
    [ -n "$version" ] || return 1
    [ "${version%%.*}" -ge 4 ] || return 1
    "$bin" check >/dev/null 2>&1
}

if [ -x "$LAUNCHER" ] && [ -f "$PREFIX/usr/include/criu/rpc.proto" ] && criu_is_usable "$LAUNCHER"; then
    echo "$LAUNCHER"
    exit 0
fi

system_criu=$(command -v criu || true)
if [ -n "$system_criu" ] && [ -f /usr/include/criu/rpc.proto ] && criu_is_usable "$system_criu"; then
    echo "$system_criu"
    exit 0
fi

# The archive the system already uses; the first deb822 or one-line source wins.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v -- '-security' | head -n1 || true)
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v -- '-security' | head -n1 || true)
fi
[ -n "$mirror" ] || { log "cannot find a Debian archive in the system's apt sources"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
          -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root")

log "fetching CRIU from Debian $SUITE ($mirror)"
apt-get "${apt_opts[@]}" -qq update
mapfile -t deps < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances "${PACKAGES[@]}" | grep -v '^ ' | grep -v '<' | sort -u)
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "${deps[@]}")
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done

libs="$PREFIX/usr/lib/x86_64-linux-gnu:$PREFIX/lib/x86_64-linux-gnu"
cat >"$work/root/criu" <<LAUNCH
#!/bin/sh
exec "$PREFIX/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$libs" "$PREFIX/usr/sbin/criu" "\$@"
LAUNCH
chmod 0755 "$work/root/criu"

rm -rf "$PREFIX.new"
mkdir -p "$(dirname "$PREFIX")"
cp -a "$work/root" "$PREFIX.new"
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

criu_is_usable "$LAUNCHER" || { log "the provisioned CRIU at $LAUNCHER fails 'criu check'"; exit 1; }
log "CRIU $("$LAUNCHER" --version | awk '/^Version:/ {print $2}') ready at $LAUNCHER"
echo "$LAUNCHER"
