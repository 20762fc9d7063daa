#!/usr/bin/env bash
# Writes the seed inputs of tests/fuzz/corpus/ that come from real checkpoints: a busybox
# sleep dumped by a private daemon (its own socket, database and directory) in every
# compression and as 2 streams, then cut into each harness's input format. The other seeds
# (configuration, runc state, store requests, S3 answers, frames) are written by hand.
# Usage: tests/fuzz/make-seeds.sh path/to/cedana   (as root, with CRIU 4 provisioned)
set -euo pipefail
cedana=$(realpath "${1:?usage: make-seeds.sh CEDANA_BINARY}")
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
work=$(mktemp -d)
daemon=
sleeper=
cleanup() {
    [[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null || true
    [[ -n $daemon ]] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/cfg" "$work/ck"
"$cedana" daemon start --address "$work/d.sock" --db "$work/jobs.db" --config-dir "$work/cfg" >"$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do [[ -S $work/d.sock ]] && break; sleep 0.1; done
# With no environment and / as its directory, so that its memory and images hold nothing
# of the machine that made the seeds.
(cd / && exec env -i setsid busybox sleep 600 </dev/null >/dev/null 2>&1) &
sleeper=$!

dump() {
    "$cedana" dump process "$sleeper" --address "$work/d.sock" --config-dir "$work/cfg" --dir "$work/ck" --leave-running "$@" >/dev/null
}
for c in none tar gzip lz4 zlib zstd; do dump --name "c-$c" --compression "$c"; done
dump --name s-none --compression none --streams 2

python3 - "$work/ck" "$corpus" <<'PY'
import glob, gzip, io, os, struct, subprocess, sys, tarfile, zlib
ck, corpus = sys.argv[1], sys.argv[2]
def put(harness, name, data):
    os.makedirs(os.path.join(corpus, harness), exist_ok=True)
    open(os.path.join(corpus, harness, name), "wb").write(data)
def read(path):
    return open(path, "rb").read()

# Nothing of the machine that made them may stay in the seeds: CRIU's dump.log holds its
# mount table, and the memory (pages-*.img) its kernel's vDSO with the kernel's build path.
# So the archives are packed here from the images (any tar is what restore reads), without
# dump.log and with the memory zeroed, and the shards' records are blanked in place.
plain = os.path.join(ck, "c-none")
def tar_of_images():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name in sorted(os.listdir(plain)):
            if name == "dump.log":
                continue
            info = t.gettarinfo(os.path.join(plain, name), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            data = read(os.path.join(plain, name))
            if name.startswith("pages-"):
                data = bytes(len(data))
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()
def tool(argv, data):
    return subprocess.run(argv, input=data, capture_output=True, check=True).stdout
tar = tar_of_images()
archives = [tar, gzip.compress(tar, mtime=0), tool(["lz4", "-c", "-q"], tar), zlib.compress(tar), tool(["zstd", "-c", "-q"], tar)]
for i, (ext, data) in enumerate(zip(["tar", "tar-gz", "tar-lz4", "tar-zlib", "tar-zst"], archives)):
    put("archive", "real-" + ext, bytes([i]) + data)

put("metadata", "real", read(os.path.join(plain, "cedana.json")))

# criu_image: records of (u8 name length, name, u16 length, bytes) (criu_image_fuzz.cpp).
records = b""
for path in sorted(glob.glob(os.path.join(plain, "*.img"))):
    name = os.path.basename(path).encode()
    data = read(path)
    if name.startswith(b"pages-") or len(data) > 65535:
        continue
    records += bytes([len(name)]) + name + struct.pack("<H", len(data)) + data
put("criu_image", "real", records)

# shards: one byte for the compression and shard count (shards_fuzz.cpp), then each shard
# but the last behind a u32 length. Uncompressed only: their records (shard_format.hpp) are
# blanked in place (dump.log in img-0, the memory in the others), which keeps img-0's index
# of the memory shards true; the frames harness covers the codecs.
def blank_records(shard, blank):
    data = bytearray(shard)
    at = 32
    while at + 28 <= len(data) and data[at:at + 4] == b"FILE":
        name_size = struct.unpack_from("<H", data, at + 4)[0]
        length = struct.unpack_from("<Q", data, at + 16)[0]
        name = bytes(data[at + 28:at + 28 + name_size])
        start = at + 28 + name_size
        if blank(name):
            data[start:start + length] = bytes(length)
        at = start + length
    return bytes(data)
shards = sorted(glob.glob(os.path.join(ck, "s-none", "img-*")))
assert len(shards) == 2, shards
img0 = blank_records(read(shards[0]), lambda name: name == b"dump.log")
img1 = blank_records(read(shards[1]), lambda name: True)
put("shards", "real-none", bytes([0]) + struct.pack("<I", len(img0)) + img0 + img1)
PY
echo "make-seeds: wrote the real-* seeds under $corpus"
