# A cedana store (`cedana store serve`) of the test's own on loopback, and raw calls to
# its API with curl.

# store_start [serve args]: starts a store on 127.0.0.1 (a free port) keeping its files in
# $STORE_DIR with a fresh token; exports CEDANA_URL and CEDANA_AUTH_TOKEN (so every daemon and
# CLI the test starts uses it) and sets STORE_PID. Restarted on the same dir and token when
# called again.
store_start() {
    STORE_DIR=${STORE_DIR:-$TEST_DIR/store}
    STORE_TOKEN_FILE=${STORE_TOKEN_FILE:-$TEST_DIR/store.token}
    if [[ ! -e $STORE_TOKEN_FILE ]]; then
        openssl rand -hex 24 >"$STORE_TOKEN_FILE"
        chmod 600 "$STORE_TOKEN_FILE"
    fi
    local out=$TEST_DIR/store.out i
    : >"$out"
    "$CEDANA" store serve --address 127.0.0.1:0 --dir "$STORE_DIR" --token-file "$STORE_TOKEN_FILE" "$@" </dev/null >"$out" 2>&1 3>&- &
    STORE_PID=$!
    TEST_PIDS+=("$STORE_PID")
    for ((i = 0; i < 200; i++)); do
        grep -q '^cedana store serving ' "$out" && break
        kill -0 "$STORE_PID" 2>/dev/null || fail "the store exited: $(cat "$out")"
        sleep 0.05
    done
    grep -q '^cedana store serving ' "$out" || fail "the store did not listen within 10 s: $(cat "$out")"
    CEDANA_URL=$(sed -n 's/^cedana store serving .* at //p' "$out")
    CEDANA_AUTH_TOKEN=$(cat "$STORE_TOKEN_FILE")
    export CEDANA_URL CEDANA_AUTH_TOKEN
}

# store_stop: SIGTERM to the store; it must exit 0.
store_stop() {
    local rc=0
    kill -TERM "$STORE_PID"
    wait "$STORE_PID" || rc=$?
    [[ $rc -eq 0 ]] || fail "the store exited with status $rc: $(cat "$TEST_DIR/store.out")"
}

# store_files [PATH]: the published files under PATH of the store, relative, sorted.
store_files() {
    local root=$STORE_DIR/objects/${1:-}
    [[ -d $root ]] || return 0
    (cd "$STORE_DIR/objects" && find "./${1:-}" -type f | sed 's|^\./||' | LC_ALL=C sort)
}

# assert_store_files [FILE...]: the store holds exactly FILE... and no unfinished upload.
assert_store_files() {
    local expected='' actual
    (($#)) && expected=$(printf '%s\n' "$@" | LC_ALL=C sort)
    actual=$(store_files)
    [[ $actual == "$expected" ]] || fail "the store holds:
$actual
expected:
$expected"
    assert_dir_empty "$STORE_DIR/partial"
}

# api METHOD PATH [curl args]: a call to the file API with the token; prints the body and,
# on its last line, the HTTP status.
api() {
    local method=$1 path=$2
    shift 2
    curl -sS --path-as-is -X "$method" -H "Authorization: Bearer $CEDANA_AUTH_TOKEN" -w '\n%{http_code}' "$@" "$CEDANA_URL/v2/$path"
}

# signed METHOD URL [curl args]: a call to a URL the store handed out; body, then status.
signed() {
    local method=$1 url=$2
    shift 2
    curl -sS -X "$method" -w '\n%{http_code}' "$@" "$url"
}

# status_of OUTPUT: the status line that api and signed end with.
status_of() { tail -n1 <<<"$1"; }
# body_of OUTPUT: all but the status line.
body_of() { sed '$d' <<<"$1"; }
