#!/usr/bin/env bats
# Restores of checkpoints nobody can vouch for (a remote store, a copy from another
# machine, a file crafted to hurt): each is refused with what is wrong, restores nothing
# and writes nothing outside the restore's own scratch space.

load helpers

# The shared teardown, kept under another name, runs after this file's own cleanup.
eval "helpers_$(declare -f teardown)"

teardown() {
    kill_test_processes
    unmount_test_mounts
    helpers_teardown
}

# craft_tar OUT KIND: writes a gzip'ed tar holding one unsafe entry of KIND (dotdot,
# absolute, symlink, hardlink, device, fifo, or huge: a header claiming a TiB that the
# archive does not hold) next to a harmless file.
craft_tar() {
    python3 - "$@" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w:gz") as t:
    data = b"{}\n"
    info = tarfile.TarInfo("cedana.json")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    if kind == "dotdot":
        data = b"evil\n"
        info = tarfile.TarInfo("../evil")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    elif kind == "symlink":
        info = tarfile.TarInfo("pages-1.img")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        t.addfile(info)
    elif kind == "absolute":
        data = b"evil\n"
        info = tarfile.TarInfo(sys.argv[3])
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    elif kind == "hardlink":
        info = tarfile.TarInfo("pages-1.img")
        info.type = tarfile.LNKTYPE
        info.linkname = "cedana.json"
        t.addfile(info)
    elif kind == "fifo":
        info = tarfile.TarInfo("pages-1.img")
        info.type = tarfile.FIFOTYPE
        t.addfile(info)
    elif kind == "huge":
        info = tarfile.TarInfo("pages-1.img")
        info.size = 1 << 40
        t.fileobj.write(info.tobuf(format=tarfile.GNU_FORMAT) + b"x" * 4096)
    elif kind == "device":
        info = tarfile.TarInfo("pages-1.img")
        info.type = tarfile.CHRTYPE
        info.devmajor, info.devminor = 1, 3
        t.addfile(info)
PY
}


@test "an archive with a ../evil entry is refused and writes nothing outside" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    craft_tar "$TEST_DIR/in/evil.tar.gz" dotdot
    cedana_restore "$TEST_DIR/in/evil.tar.gz"
    assert_failure
    assert_output --partial "../evil"
    assert_output --partial "outside"
    assert_not_exists "$TEST_DIR/in/evil"
    assert_not_exists "$TEST_DIR/evil"
    assert_only_entries "$TEST_DIR/in" evil.tar.gz
    stop_daemon
}

@test "an archive with a symlink entry is refused" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    craft_tar "$TEST_DIR/in/link.tar.gz" symlink
    cedana_restore "$TEST_DIR/in/link.tar.gz"
    assert_failure
    assert_output --partial "pages-1.img"
    assert_output --partial "not a plain file or directory"
    assert_only_entries "$TEST_DIR/in" link.tar.gz
    stop_daemon
}

@test "an archive with a device node entry is refused" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    craft_tar "$TEST_DIR/in/dev.tar.gz" device
    cedana_restore "$TEST_DIR/in/dev.tar.gz"
    assert_failure
    assert_output --partial "pages-1.img"
    assert_output --partial "not a plain file or directory"
    assert_only_entries "$TEST_DIR/in" dev.tar.gz
    stop_daemon
}

@test "an archive with an absolute entry name is refused and writes nothing there" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    craft_tar "$TEST_DIR/in/abs.tar.gz" absolute "$TEST_DIR/outside-evil"
    cedana_restore "$TEST_DIR/in/abs.tar.gz"
    assert_failure
    assert_output --partial "outside-evil"
    assert_not_exists "$TEST_DIR/outside-evil"
    assert_only_entries "$TEST_DIR/in" abs.tar.gz
    stop_daemon
}

@test "an archive with a hard link or a FIFO entry is refused" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    local kind
    for kind in "hardlink:is a hard link" "fifo:not a plain file or directory"; do
        craft_tar "$TEST_DIR/in/${kind%%:*}.tar.gz" "${kind%%:*}"
        cedana_restore "$TEST_DIR/in/${kind%%:*}.tar.gz"
        assert_failure
        assert_output --partial "pages-1.img"
        assert_output --partial "${kind#*:}"
        assert_output --partial "unsafe"
    done
    assert_only_entries "$TEST_DIR/in" fifo.tar.gz hardlink.tar.gz
    stop_daemon
}

@test "an archive entry claiming a TiB it does not hold is refused as truncated, nothing left" {
    start_daemon
    mkdir -p "$TEST_DIR/in"
    craft_tar "$TEST_DIR/in/huge.tar.gz" huge
    cedana_restore "$TEST_DIR/in/huge.tar.gz"
    assert_failure
    assert_output --regexp "corrupted or truncated|truncated"
    assert_only_entries "$TEST_DIR/in" huge.tar.gz
    stop_daemon
}

# edit_metadata CKPT PYTHON: runs PYTHON on the checkpoint directory's cedana.json, loaded
# as `m`, and writes it back.
edit_metadata() {
    python3 - "$1/cedana.json" "$2" <<'PY'
import json, sys
path, code = sys.argv[1], sys.argv[2]
m = json.load(open(path))
exec(code)
json.dump(m, open(path, "w"))
PY
}

# a_file_outside: a file beside the checkpoint that a lying cedana.json names.
a_file_outside() {
    echo "not yours" >"$TEST_DIR/outside.txt"
}

@test "a cedana.json naming files outside the checkpoint (absolute, ../) is refused, names nothing of them, nothing restored" {
    start_daemon
    a_file_outside
    for name in "$TEST_DIR/outside.txt" "../outside.txt" ".."; do
        make_checkpoint none
        edit_metadata "$CKPT" "m['files']['$name'] = {'size': 10, 'xxh3': '0'}"
        cedana_restore "$CKPT"
        assert_failure
        assert_output --partial "refusing the checkpoint"
        # Nothing about the outside file (its size) may come back to the caller.
        refute_output --partial "10 bytes"
        assert_nothing_restored "$PID"
        rm -rf "$TEST_DIR/ckpt"
    done
    assert_equal "$(cat "$TEST_DIR/outside.txt")" "not yours"
    stop_daemon
}

@test "a cedana.json with PIDs, descriptors or streams no dump writes is refused without a daemon too" {
    for lie in "m['pid'] = 0" "m['pids'] = [m['pid'], -5]" "m['streams'] = 1" "m['stdio'] = [{'fd': 9, 'kind': 'pipe', 'key': 'pipe:[1]'}]"; do
        start_daemon
        make_checkpoint none
        stop_daemon
        edit_metadata "$CKPT" "$lie"
        run "$CEDANA" restore process --path "$CKPT" --no-server --config-dir "$CFG_DIR"
        assert_failure
        assert_output --partial "refusing the checkpoint"
        assert_nothing_restored "$PID"
        rm -rf "$TEST_DIR/ckpt"
    done
}

@test "a cedana.json lying about an image's size or checksum is refused before CRIU runs" {
    start_daemon
    make_checkpoint none
    edit_metadata "$CKPT" "m['files']['pstree.img']['size'] += 1"
    cedana_restore "$CKPT"
    assert_failure
    assert_output --partial "pstree.img has"
    assert_nothing_restored "$PID"
    assert_not_exists "$CKPT/restore.log"
    edit_metadata "$CKPT" "m['files']['pstree.img']['size'] -= 1; m['files']['pstree.img']['xxh3'] = '0' * 16"
    cedana_restore "$CKPT"
    assert_failure
    assert_output --partial "pstree.img fails its checksum"
    assert_nothing_restored "$PID"
    assert_not_exists "$CKPT/restore.log"
    stop_daemon
}

# set_core_arch CKPT MTYPE: rewrites the architecture of every core-*.img (CRIU's core_entry
# field 1, a varint: 1 is x86_64, 3 aarch64) and the checksums in cedana.json to match, as
# a checkpoint made on another machine would have them.
set_core_arch() {
    python3 - "$1" "$2" <<'PY'
import glob, json, os, struct, subprocess, sys
ckpt, mtype = sys.argv[1], int(sys.argv[2])
meta_path = os.path.join(ckpt, "cedana.json")
m = json.load(open(meta_path))
def xxh3(path):
    return subprocess.run(["xxhsum", "-H3", path], capture_output=True, text=True, check=True).stdout.split()[-1]
for path in glob.glob(os.path.join(ckpt, "core-*.img")):
    data = bytearray(open(path, "rb").read())
    # common magic, core magic, then the first entry's u32 length and its first field.
    assert data[12] == 0x08, "core_entry does not begin with field 1"
    data[13] = mtype
    open(path, "wb").write(data)
    # cedana's checksum of a file smaller than one chunk: XXH3-64 of its XXH3-64, little-endian.
    digest = int(xxh3(path), 16)
    le = path + ".digest"
    open(le, "wb").write(struct.pack("<Q", digest))
    m["files"][os.path.basename(path)]["xxh3"] = xxh3(le)
    os.remove(le)
json.dump(m, open(meta_path, "w"))
PY
}

@test "a checkpoint of another architecture is refused, naming it, nothing restored" {
    command -v xxhsum >/dev/null || skip "xxhsum (package xxhash) is not installed"
    start_daemon
    make_checkpoint none
    set_core_arch "$CKPT" 3
    cedana_restore "$CKPT"
    assert_failure
    assert_output --partial "aarch64"
    assert_nothing_restored "$PID"
    stop_daemon
}
