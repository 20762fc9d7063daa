#!/usr/bin/env bats
# Who may call the daemon: auth tokens over TCP, TLS and mutual TLS, the identity
# remote jobs run as, the UNIX socket's group, and the rules that keep a daemon from
# starting in a state anyone could abuse.
#
# The daemon of a test reads its own configuration directory ($DCFG) and its secrets
# from its own environment; the CLI reads $CFG_DIR, which holds nothing, so a CLI call
# has a token only when the test gives it one.

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
    helpers_setup
    # Nothing the caller's environment holds may give the CLI or a daemon a secret.
    unset CEDANA_AUTH_TOKEN CEDANA_CONNECTION_AUTH_TOKEN_FILE CEDANA_CONNECTION_TLS
    unset CEDANA_CONNECTION_TLS_CERT CEDANA_CONNECTION_TLS_KEY CEDANA_CONNECTION_TLS_CLIENT_CA
    unset CEDANA_CONNECTION_TLS_CA CEDANA_CONNECTION_TLS_CLIENT_CERT CEDANA_CONNECTION_TLS_CLIENT_KEY
    unset CEDANA_CONNECTION_REMOTE_UID CEDANA_CONNECTION_REMOTE_GID CEDANA_CONNECTION_SOCKET_GROUP
    DCFG=$TEST_DIR/daemon-config
    mkdir -p "$DCFG"
    PKI=$TEST_DIR/pki
    # 64 hex characters, as `openssl rand -hex 32` makes them; another for a wrong one.
    TOKEN=$(openssl rand -hex 32)
    WRONG_TOKEN=$(openssl rand -hex 32)
    PORT=$(free_tcp_port)
    ADDR=127.0.0.1:$PORT
    TCP_CLI=("$CEDANA" --protocol tcp --address "$ADDR")
    UNIQ=${BATS_TEST_NUMBER}x$RANDOM$RANDOM
    OPEN_DIR=
    TEST_GROUP=
    TRACKED=()
}

teardown() {
    kill_tracked
    helpers_teardown
    [[ -z $OPEN_DIR ]] || rm -rf "$OPEN_DIR"
    # Only the group this test created.
    [[ -z $TEST_GROUP ]] || groupdel "$TEST_GROUP" 2>/dev/null || true
}

# start_tcp ADDRESS [VAR=VALUE...]: a daemon on tcp ADDRESS, reading $DCFG, with the
# given variables in its environment (and only in its own); waits until it listens.
start_tcp() {
    local address=$1
    shift
    : >"$DAEMON_LOG"  # as in start_daemon_at: no earlier daemon's "listening on" line
    env "$@" "$CEDANA" daemon start --protocol tcp --address "$address" --config-dir "$DCFG" --db "$(daemon_db)" \
        </dev/null >"$DAEMON_LOG.out" 2>"$DAEMON_LOG" 3>&- &
    DAEMON_PID=$!
    DAEMON_PIDS+=("$DAEMON_PID")
    _wait_for_tcp "$DAEMON_PID" "$address" "$DAEMON_LOG"
}

# start_refused [VAR=VALUE...] -- DAEMON-START-ARGS...: starts a daemon that must refuse
# to start. Fails when it listens instead; sets status (its exit status) and output
# (all it wrote).
start_refused() {
    local -a vars=()
    while [[ $1 != -- ]]; do
        vars+=("$1")
        shift
    done
    shift
    local log=$TEST_DIR/refused.log pid rc=0 i
    env "${vars[@]}" "$CEDANA" daemon start --config-dir "$DCFG" --db "$(daemon_db)" "$@" \
        </dev/null >"$log" 2>&1 3>&- &
    pid=$!
    DAEMON_PIDS+=("$pid")
    for ((i = 0; i < SOCKET_WAIT_POLLS; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        if grep -q "listening on" "$log"; then
            fail "the daemon started, but should have refused to; it wrote:
$(cat "$log")"
            return 1
        fi
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "the daemon neither refused to start nor listened within 10 s; it wrote:
$(cat "$log")"
        return 1
    fi
    wait "$pid" || rc=$?
    status=$rc
    output=$(cat "$log")
}

# port_closed PORT: nothing accepts connections on 127.0.0.1:PORT.
port_closed() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for_log REGEX: waits until the daemon's log has a line matching REGEX.
wait_for_log() {
    local re=$1 i
    for ((i = 0; i < SOCKET_WAIT_POLLS; i++)); do
        grep -qE -- "$re" "$DAEMON_LOG" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "the daemon's log has no line matching '$re' after 10 s; it holds:
$(cat "$DAEMON_LOG" 2>/dev/null)"
}

# make_ca NAME: a self-signed CA, $PKI/NAME.pem with its key $PKI/NAME.key.
make_ca() {
    mkdir -p "$PKI"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$PKI/$1.key" -out "$PKI/$1.pem" -subj "/CN=cedana e2e $1" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
        fail "openssl could not make CA $1"
}

# make_cert CA NAME server|client: a certificate $PKI/NAME.pem (key $PKI/NAME.key)
# signed by CA; a server certificate names IP 127.0.0.1.
make_cert() {
    local ca=$1 name=$2 kind=$3 ext=$PKI/$2.ext
    if [[ $kind == server ]]; then
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$ext"
    else
        printf 'extendedKeyUsage=clientAuth\n' >"$ext"
    fi
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$name.key" \
        -out "$PKI/$name.csr" -subj "/CN=cedana e2e $name" 2>/dev/null || fail "openssl could not make a key for $name"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" -CAkey "$PKI/$ca.key" -set_serial "$RANDOM$RANDOM" \
        -days 2 -extfile "$ext" -out "$PKI/$name.pem" 2>/dev/null || fail "openssl could not sign $name"
}

# tls_env: the daemon's environment for TLS with $PKI/server.pem.
tls_env() {
    TLS_ENV=(CEDANA_CONNECTION_TLS_CERT="$PKI/server.pem" CEDANA_CONNECTION_TLS_KEY="$PKI/server.key")
}

# open_dir: a directory uid 65534 may traverse, with a copy of the binary it may run
# ($OPEN_DIR/cedana), a configuration directory it may read and a home of its own.
open_dir() {
    OPEN_DIR=$(mktemp -d /tmp/cedana-e2e-security.XXXXXX)
    chmod 711 "$OPEN_DIR"
    mkdir -m 755 "$OPEN_DIR/config"
    mkdir -m 777 "$OPEN_DIR/home"
    install -m 755 "$(command -v "$CEDANA")" "$OPEN_DIR/cedana"
}

# new_group: a group of this test's own, removed in teardown. Sets TEST_GROUP and TEST_GID.
new_group() {
    local name=cedtest$RANDOM$RANDOM
    groupadd "$name" || fail "groupadd $name failed"
    TEST_GROUP=$name
    TEST_GID=$(getent group "$name" | cut -d: -f3)
}

# ---------------------------------------------------------------------------
# When a daemon refuses to start

@test "a tcp daemon with neither a token nor a client CA refuses to start" {
    start_refused -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "authenticates every call"
    assert_output --partial "CEDANA_AUTH_TOKEN"
    port_closed "$PORT"
}

@test "a tcp daemon on a non-loopback address without TLS refuses to start, even with a token" {
    start_refused CEDANA_AUTH_TOKEN="$TOKEN" -- --protocol tcp --address "0.0.0.0:$PORT"
    assert_failure
    assert_output --partial "without TLS"
    assert_output --partial "connection.tls_cert"
    port_closed "$PORT"
}

@test "a vsock daemon without a token refuses to start" {
    start_refused -- --protocol vsock --address "1:$PORT"
    assert_failure
    assert_output --partial "authenticates every call"
    assert_output --partial "CEDANA_AUTH_TOKEN"
}

@test "half a TLS configuration is refused: a certificate without its key, a client CA without TLS" {
    make_ca ca
    make_cert ca server server
    start_refused CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_TLS_CERT="$PKI/server.pem" -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "connection.tls_key"
    port_closed "$PORT"
    start_refused CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_TLS_CLIENT_CA="$PKI/ca.pem" -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "connection.tls_client_ca"
    port_closed "$PORT"
}

@test "a token shorter than 16 characters is refused; one of 16 is enough" {
    start_refused CEDANA_AUTH_TOKEN=0123456789abcde -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "at least 16"
    port_closed "$PORT"

    # The boundary: 16 characters start a daemon that accepts exactly that token.
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN=0123456789abcdef
    run env CEDANA_AUTH_TOKEN=0123456789abcdef "${TCP_CLI[@]}" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
}

@test "a token file that its group or others may read is refused, naming the file" {
    local file=$TEST_DIR/token
    printf '%s\n' "$TOKEN" >"$file"
    chmod 644 "$file"
    start_refused CEDANA_CONNECTION_AUTH_TOKEN_FILE="$file" -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "$file"
    assert_output --partial "chmod 600"
    port_closed "$PORT"

    chmod 640 "$file"
    start_refused CEDANA_CONNECTION_AUTH_TOKEN_FILE="$file" -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "chmod 600"
}

@test "a token file owned by another user is refused" {
    local file=$TEST_DIR/token
    printf '%s\n' "$TOKEN" >"$file"
    chmod 600 "$file"
    chown 65534:65534 "$file"
    start_refused CEDANA_CONNECTION_AUTH_TOKEN_FILE="$file" -- --protocol tcp --address "$ADDR"
    assert_failure
    assert_output --partial "$file"
    assert_output --partial "uid 65534"
    port_closed "$PORT"
}

@test "a token file of mode 0600 (or 0400) owned by the daemon's user works on both sides" {
    local file=$TEST_DIR/token
    printf '%s\n' "$TOKEN" >"$file"
    chmod 400 "$file"
    start_tcp "$ADDR" CEDANA_CONNECTION_AUTH_TOKEN_FILE="$file"
    # The CLI reads the same kind of file for its token.
    run env CEDANA_CONNECTION_AUTH_TOKEN_FILE="$file" "${TCP_CLI[@]}" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    # The file holds the token: no file, no token.
    run "${TCP_CLI[@]}" ps
    assert_failure
    assert_output --partial "requires an auth token on every call"
    stop_daemon
}

# ---------------------------------------------------------------------------
# The token on every call

@test "a call without the token is refused as unauthenticated, and the daemon logs whom it refused" {
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    run "${TCP_CLI[@]}" daemon check
    assert_failure
    assert_output --partial "Error: this daemon requires an auth token on every call: set CEDANA_AUTH_TOKEN"
    refute_output --partial "Looks good"
    # At warning level, naming the call and the peer.
    wait_for_log "warn(ing)? refused health check from ipv4:127\.0\.0\.1:[0-9]+: this daemon requires an auth token"
    # The daemon survives it and still serves the right token.
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" daemon check
    assert_success
    stop_daemon
}

@test "a call with a wrong token is refused, and the daemon logs it" {
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    run env CEDANA_AUTH_TOKEN="$WRONG_TOKEN" "${TCP_CLI[@]}" ps
    assert_failure
    assert_output --partial "Error: the auth token is wrong:"
    wait_for_log "warn(ing)? refused list jobs from ipv4:127\.0\.0\.1:[0-9]+: the auth token is wrong"
    # A prefix of the right token is no right token either.
    run env CEDANA_AUTH_TOKEN="${TOKEN:0:32}" "${TCP_CLI[@]}" ps
    assert_failure
    assert_output --partial "the auth token is wrong"
    stop_daemon
}

@test "the right token works for daemon check and ps, from the environment or the CLI's config file" {
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    # connection.auth_token in the CLI's own config.json.
    write_config "{\"connection\":{\"auth_token\":\"$TOKEN\"}}"
    chmod 600 "$CFG_DIR/config.json"
    run "${TCP_CLI[@]}" ps
    assert_success
    stop_daemon
}

@test "a refused call runs nothing: run without the token starts no job and writes no output" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local j=noauth_$UNIQ out=$OPEN_DIR/home/noauth.out
    run "${TCP_CLI[@]}" run process --jid "$j" --out "$out" -- /bin/sh -c 'echo ran'
    assert_failure
    assert_output --partial "requires an auth token on every call"
    assert_not_exists "$out"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
    stop_daemon
}

@test "a request's --config cannot change the daemon's connection settings; its token is the CLI's own" {
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    # The CLI takes its token from --config, and strips the section before forwarding:
    # the daemon would refuse a request that carries one.
    run "${TCP_CLI[@]}" --config "{\"connection\":{\"auth_token\":\"$TOKEN\"}}" ps
    assert_success
    # remote_uid in a request does not reach the daemon, which has none set.
    local j=override_$UNIQ
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --config '{"connection":{"remote_uid":0,"remote_gid":0}}' \
        run process --jid "$j" -- /bin/sh -c 'echo ran'
    assert_failure
    assert_output --partial "connection.remote_uid"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
    stop_daemon
}

@test "the CLI refuses to send the token unencrypted to a non-loopback address" {
    run env CEDANA_AUTH_TOKEN="$TOKEN" "$CEDANA" --protocol tcp --address 10.255.255.1:1 ps
    assert_failure
    assert_output --partial "refusing to send the auth token unencrypted"
    assert_output --partial "10.255.255.1:1"
}

# ---------------------------------------------------------------------------
# Whom a remote job runs as

@test "run over tcp without connection.remote_uid is refused and creates no job" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    cd "$OPEN_DIR/home"
    local j=noremote_$UNIQ out=$OPEN_DIR/home/noremote.out
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" run process --jid "$j" --out "$out" -- /bin/sh -c 'echo ran'
    assert_failure
    assert_output --partial "connection.remote_uid"
    assert_not_exists "$out"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
    stop_daemon
}

@test "run over tcp runs the job as connection.remote_uid and remote_gid" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local j=remote_$UNIQ out=$OPEN_DIR/home/remote.out
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" run process --jid "$j" --out "$out" -- \
        /bin/sh -c 'id -u; id -g; echo ready; exec sleep 600'
    assert_success
    local re='^Started job ([^ ]+) \(PID ([0-9]+)\)'
    [[ ${lines[${#lines[@]} - 1]} =~ $re ]] || fail "no Started line in: $output"
    local pid=${BASH_REMATCH[2]}
    track "$pid"
    wait_for_text "$out" ready
    run cat "$out"
    assert_line --index 0 65534
    assert_line --index 1 65534
    assert_equal "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" 65534
    assert_equal "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" 65534
    # The daemon created the log with that identity's rights: it is theirs.
    assert_equal "$(stat -c %u:%g "$out")" 65534:65534
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    assert_output --partial "$j"
    kill_tracked
    stop_daemon
}

@test "a remote job's log is opened with remote_uid's rights, not root's" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local j=remotelog_$UNIQ
    # $TEST_DIR is root's alone: uid 65534 may not create a file there.
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" run process --jid "$j" --out "$TEST_DIR/forbidden.log" -- /bin/sh -c 'echo ran'
    assert_failure
    assert_output --partial "Permission denied"
    assert_not_exists "$TEST_DIR/forbidden.log"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
    stop_daemon
}

@test "run --as-root over tcp is refused even with remote_uid set" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local j=asroot_$UNIQ out=$OPEN_DIR/home/asroot.out
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" run process --as-root --jid "$j" --out "$out" -- /bin/sh -c 'id -u'
    assert_failure
    assert_output --partial "--as-root is refused over tcp"
    assert_not_exists "$out"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "$j"
    stop_daemon
}

# The hole this closes: any local user could reach a tcp daemon on 127.0.0.1 and have it
# run a program as root.
@test "an unprivileged local user with no token cannot run a root job over tcp" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local file=$OPEN_DIR/hole
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$OPEN_DIR/cedana" --config-dir "$OPEN_DIR/config" \
        --protocol tcp --address "$ADDR" run process --as-root --jid "hole_$UNIQ" -- /bin/sh -c "id > $file"
    assert_failure
    assert_output --partial "requires an auth token on every call"
    assert_not_exists "$file"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "hole_$UNIQ"
    stop_daemon
}

@test "an unprivileged local user holding the right token still cannot run a root job over tcp" {
    open_dir
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" CEDANA_CONNECTION_REMOTE_UID=65534 CEDANA_CONNECTION_REMOTE_GID=65534
    cd "$OPEN_DIR/home"
    local file=$OPEN_DIR/hole
    run setpriv --reuid=65534 --regid=65534 --clear-groups env CEDANA_AUTH_TOKEN="$TOKEN" "$OPEN_DIR/cedana" \
        --config-dir "$OPEN_DIR/config" --protocol tcp --address "$ADDR" \
        run process --as-root --jid "hole_$UNIQ" -- /bin/sh -c "id > $file"
    assert_failure
    assert_output --partial "--as-root is refused over tcp"
    assert_not_exists "$file"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" ps
    assert_success
    refute_output --partial "hole_$UNIQ"
    stop_daemon
}

# ---------------------------------------------------------------------------
# TLS

@test "a TLS daemon serves a client that trusts its CA and has the token; its log says TLS" {
    make_ca ca
    make_cert ca server server
    tls_env
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" "${TLS_ENV[@]}"
    run grep -F "listening on" "$DAEMON_LOG"
    assert_output --partial "(tcp, TLS)"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    # --tls-ca implies --tls.
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls-ca "$PKI/ca.pem" ps
    assert_success
    # And the CLI's config file can say the same.
    write_config "{\"connection\":{\"tls\":true,\"tls_ca\":\"$PKI/ca.pem\",\"auth_token\":\"$TOKEN\"}}"
    chmod 600 "$CFG_DIR/config.json"
    run "${TCP_CLI[@]}" ps
    assert_success
    stop_daemon
}

@test "a plain client to a TLS daemon fails and is told about TLS" {
    make_ca ca
    make_cert ca server server
    tls_env
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" "${TLS_ENV[@]}"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" daemon check
    assert_failure
    refute_output --partial "Looks good"
    assert_output --partial "TLS"
    [[ $output == *"requires TLS"* || $output == *"closed the connection"* ]] || fail "unexpected message: $output"
    stop_daemon
}

@test "a client that trusts another CA is told the daemon's certificate is not trusted" {
    make_ca ca
    make_ca other
    make_cert ca server server
    tls_env
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" "${TLS_ENV[@]}"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls --tls-ca "$PKI/other.pem" daemon check
    assert_failure
    assert_output --partial "not trusted"
    refute_output --partial "Looks good"
    stop_daemon
}

@test "over TLS, a wrong token is still refused" {
    make_ca ca
    make_cert ca server server
    tls_env
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" "${TLS_ENV[@]}"
    run env CEDANA_AUTH_TOKEN="$WRONG_TOKEN" "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" ps
    assert_failure
    assert_output --partial "the auth token is wrong"
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" ps
    assert_failure
    assert_output --partial "requires an auth token on every call"
    stop_daemon
}

@test "a --tls client against a plain daemon is told it does not speak TLS" {
    make_ca ca
    start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" daemon check
    assert_failure
    assert_output --partial "does not speak TLS"
    stop_daemon
}

@test "with TLS from its config file, a daemon listens on 0.0.0.0 and is reachable at 127.0.0.1" {
    make_ca ca
    make_cert ca server server
    cat >"$DCFG/config.json" <<EOF
{"connection": {"auth_token": "$TOKEN", "tls_cert": "$PKI/server.pem", "tls_key": "$PKI/server.key"}}
EOF
    chmod 600 "$DCFG/config.json"
    start_tcp "0.0.0.0:$PORT"
    run grep -F "listening on" "$DAEMON_LOG"
    assert_output --partial "(tcp, TLS)"
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
}

# ---------------------------------------------------------------------------
# Mutual TLS

@test "mutual TLS: a client certificate the CA signed is enough, without a token" {
    make_ca ca
    make_cert ca server server
    make_cert ca client client
    tls_env
    start_tcp "$ADDR" "${TLS_ENV[@]}" CEDANA_CONNECTION_TLS_CLIENT_CA="$PKI/ca.pem"
    run grep -F "listening on" "$DAEMON_LOG"
    assert_output --partial "(tcp, mutual TLS)"
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/client.pem" --tls-key "$PKI/client.key" daemon check
    assert_success
    assert_line --regexp '^Looks good'
    stop_daemon
}

@test "mutual TLS: a client without a certificate is refused" {
    make_ca ca
    make_cert ca server server
    make_cert ca client client
    tls_env
    start_tcp "$ADDR" "${TLS_ENV[@]}" CEDANA_CONNECTION_TLS_CLIENT_CA="$PKI/ca.pem"
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" daemon check
    assert_failure
    refute_output --partial "Looks good"
    refute_output --partial "is it running?"
    assert_output --partial "pass --tls-cert and --tls-key"
    # Not because the daemon went away: a client with a certificate still gets in.
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/client.pem" --tls-key "$PKI/client.key" ps
    assert_success
    stop_daemon
}

@test "mutual TLS: a client certificate signed by another CA is refused" {
    make_ca ca
    make_ca other
    make_cert ca server server
    make_cert ca client client
    make_cert other intruder client
    tls_env
    start_tcp "$ADDR" "${TLS_ENV[@]}" CEDANA_CONNECTION_TLS_CLIENT_CA="$PKI/ca.pem"
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/intruder.pem" --tls-key "$PKI/intruder.key" daemon check
    assert_failure
    refute_output --partial "Looks good"
    refute_output --partial "is it running?"
    assert_output --partial "pass --tls-cert and --tls-key"
    run "${TCP_CLI[@]}" --tls --tls-ca "$PKI/ca.pem" --tls-cert "$PKI/client.pem" --tls-key "$PKI/client.key" ps
    assert_success
    stop_daemon
}

# ---------------------------------------------------------------------------
# The UNIX socket's group

@test "daemon start --group: the socket is root:GROUP 0660, members may call and others may not" {
    open_dir
    new_group
    local sock=$OPEN_DIR/cedana.sock
    start_daemon_at "$sock" "$DAEMON_LOG" --group "$TEST_GROUP"
    run stat -c '%a %U %G' "$sock"
    assert_output "660 root $TEST_GROUP"
    cd "$OPEN_DIR/home"
    run setpriv --reuid=65534 --regid=65534 --groups="$TEST_GID" "$OPEN_DIR/cedana" ps --address "$sock" --config-dir "$OPEN_DIR/config"
    assert_success
    assert_line --index 0 --regexp '^JOB'
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$OPEN_DIR/cedana" ps --address "$sock" --config-dir "$OPEN_DIR/config"
    assert_failure
    assert_output --partial "permission denied"
    stop_daemon
}

@test "connection.socket_group in the environment gives the socket its group too" {
    open_dir
    new_group
    local sock=$OPEN_DIR/cedana.sock
    CEDANA_CONNECTION_SOCKET_GROUP=$TEST_GROUP start_daemon_at "$sock" "$DAEMON_LOG"
    run stat -c '%a %U %G' "$sock"
    assert_output "660 root $TEST_GROUP"
    stop_daemon
}

@test "without --group the socket is root:root 0660, and uid 65534 is denied" {
    open_dir
    local sock=$OPEN_DIR/cedana.sock
    start_daemon_at "$sock" "$DAEMON_LOG"
    run stat -c '%a %U %G' "$sock"
    assert_output "660 root root"
    cd "$OPEN_DIR/home"
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$OPEN_DIR/cedana" ps --address "$sock" --config-dir "$OPEN_DIR/config"
    assert_failure
    assert_output --partial "permission denied"
    stop_daemon
}

@test "daemon start --group with an unknown group fails and creates no socket" {
    start_refused -- --address "$SOCK" --group no-such-group-xyz
    assert_failure
    assert_output --partial "no such group"
    assert_output --partial "no-such-group-xyz"
    assert_not_exists "$SOCK"
}

@test "migrate job --to a TLS daemon over TCP: the call's token and --tls-ca carry over; without the CA the target is refused before the job is touched" {
    make_ca ca
    make_cert ca server server
    tls_env
    mkdir -p "$TEST_DIR/a-ckpt" "$TEST_DIR/b-ckpt"
    DAEMON_DB=$TEST_DIR.b.db start_tcp "$ADDR" CEDANA_AUTH_TOKEN="$TOKEN" "${TLS_ENV[@]}" CEDANA_CHECKPOINT_DIR="$TEST_DIR/b-ckpt"
    local b_pid=$DAEMON_PID
    CEDANA_CHECKPOINT_DIR=$TEST_DIR/a-ckpt start_daemon
    write_counter_script "$TEST_DIR/count.sh"
    local jid=tls_$UNIQ log=$TEST_DIR/job.log
    cedana_cli run process "$TEST_DIR/count.sh" --jid "$jid" --out "$log"
    assert_success
    local pid
    pid=$(sed -n 's/^Started job [^ ]* (PID \([0-9]*\)).*/\1/p' <<<"$output")
    track "$pid"
    wait_for_lines "$log" 3
    local started
    started=$(pid_starttime "$pid")

    # The system's roots do not know this daemon's CA.
    CEDANA_AUTH_TOKEN=$TOKEN cedana_cli migrate job "$jid" --to "$ADDR" --tls
    assert_failure
    assert_output --partial "the daemon at $ADDR cannot be used"
    assert_equal "$(pid_starttime "$pid")" "$started"
    run ls -A "$TEST_DIR/a-ckpt"
    assert_output ""

    CEDANA_AUTH_TOKEN=$TOKEN cedana_cli migrate job "$jid" --to "$ADDR" --tls-ca "$PKI/ca.pem"
    assert_success
    assert_output --regexp "^Migrated job $jid to $ADDR \(PID $pid, "
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls-ca "$PKI/ca.pem" ps --config-dir "$DCFG"
    assert_success
    assert_line --regexp "^$jid +process +$pid +(running|sleep) "
    run env CEDANA_AUTH_TOKEN="$TOKEN" "${TCP_CLI[@]}" --tls-ca "$PKI/ca.pem" kill "$jid" --config-dir "$DCFG"
    assert_success
    stop_daemon
    stop_daemon "$b_pid"
}
