# A real S3-compatible server on loopback for a test file: moto (moto_server), with
# signature checking on, or, where moto is not installed, s3rver (npm; scripts/install-deps.sh
# installs it then), and helpers that look into its buckets with curl's own SigV4.
#
#   setup_file()    { s3_start; }      # or from setup(): one server per test
#   setup()         { s3_require; ...; s3_make_bucket "$BUCKET"; }
#   teardown_file() { s3_stop; }
#
# s3_start exports S3_ENDPOINT (http://127.0.0.1:PORT), AWS_ENDPOINT, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_REGION=us-east-1, which every daemon and CLI the tests start
# inherit; nothing of the caller's own AWS configuration (profiles, session tokens, other
# endpoints, CEDANA_AWS_*) reaches them.
#
# Authentication. moto's server accepts any credentials by default: every signature passes.
# With INITIAL_NO_AUTH_ACTION_COUNT=N in its environment it lets N requests through
# unchecked and then checks each request's SigV4 signature against the access keys of its
# own IAM, and the action against that user's policies. s3_start starts it with a count
# (S3_NO_AUTH_ACTIONS) that covers the bootstrap, makes an IAM user with an allow-all inline
# policy and an access key through the iam API of the same endpoint while the unchecked
# requests last, then ends the unchecked window at once through moto's own
# /moto-api/reset-auth (count 0), so that from then on every request is checked: a wrong
# secret gets 403 SignatureDoesNotMatch, an unknown key id 403 InvalidAccessKeyId.
# s3_start verifies that before it returns (the right keys list, a wrong secret is refused).
# The server is moto's own (moto.server:main, what moto_server runs) with one fix to that
# check, for queries with escaped characters (see _s3_write_launcher); S3_STOCK_MOTO=1 runs
# the stock moto_server instead.
#
# s3rver (3.7.1) takes any secret for a known key id (S3RVER): tests of refused credentials
# call s3_require_signatures and are skipped there; it cannot abort a multipart upload
# (405), so the tests of aborted uploads call s3_require_abort; it keeps unfinished multipart uploads in
# its directory (BUCKET/._S3rver_uploads/ID/key), which s3_uploads reads, since it does not
# implement ListMultipartUploads. S3_SERVER=s3rver picks it even where moto is installed.
#
# Needs: helpers.bash loaded (free_tcp_port), curl, python3; boto3 and moto, or node and
# s3rver. Without either server, s3_start skips the test (from setup_file, where bats 1.8
# cannot skip, it records S3_UNAVAILABLE and s3_require skips each test).

S3_REGION=us-east-1
# Upper bound for moto to answer HTTP: 600 polls of 0.05 s = 30 s (it imports a lot).
S3_START_POLLS=600
# Requests moto serves unchecked at its start; s3_start needs 3 (user, policy, key).
S3_NO_AUTH_ACTIONS=20

# _s3_write_launcher FILE: writes moto's server (moto.server:main, what moto_server runs)
# with one fix to its signature check. moto checks a signature against the request's URL as
# werkzeug rebuilds it, an IRI in which the query's escapes are undone (%2F is /, %3D is =),
# while a SigV4 client, as AWS wants, signs every query name and value URI-encoded: any
# request with an escaped character in its query (a listing with prefix=a%2Fb) got 403
# SignatureDoesNotMatch although signed right (moto issue #5948). The fix encodes the query
# again, as SigV4 says, before moto computes the signature; the rest is moto's own.
_s3_write_launcher() {
    cat >"$1" <<'PY'
import sys
from urllib.parse import quote, unquote

import moto.iam.access_control as access_control
from moto.server import main

_moto_create_aws_request = access_control.IAMRequestBase._create_aws_request


def _create_aws_request(self):
    path, sep, query = self._path.partition("?")
    if sep:
        pairs = (pair.partition("=") for pair in query.split("&") if pair)
        self._path = path + "?" + "&".join(
            quote(unquote(k), safe="-_.~") + eq + quote(unquote(v), safe="-_.~") for k, eq, v in pairs)
    return _moto_create_aws_request(self)


access_control.IAMRequestBase._create_aws_request = _create_aws_request
sys.exit(main())
PY
}

# Where scripts/install-deps.sh puts s3rver; S3RVER_BIN overrides it.
S3RVER_DEFAULT_BIN=/opt/cedana/s3rver/node_modules/.bin/s3rver
# s3rver's one account.
S3RVER_KEY=S3RVER

# _s3_server_cmd: sets S3_SERVER_CMD to the command that runs the server and S3_KIND to moto
# or s3rver, both empty when there is none. moto: the fixed launcher (see
# _s3_write_launcher) when python3 has moto, else a stock moto_server (also with
# S3_STOCK_MOTO=1), whose signature check refuses escaped queries. s3rver when there is no
# moto, or with S3_SERVER=s3rver.
_s3_server_cmd() {
    S3_SERVER_CMD=()
    S3_KIND=
    local s3rver=${S3RVER_BIN:-$S3RVER_DEFAULT_BIN}
    if [[ ${S3_SERVER:-} != s3rver ]]; then
        if [[ ${S3_STOCK_MOTO:-0} != 1 ]] && python3 -c 'import moto.server, moto.iam.access_control, boto3' >/dev/null 2>&1; then
            _s3_write_launcher "$S3_DIR/moto_server.py"
            S3_SERVER_CMD=(python3 "$S3_DIR/moto_server.py")
            S3_KIND=moto
            return 0
        elif command -v moto_server >/dev/null 2>&1 && python3 -c 'import boto3' >/dev/null 2>&1; then
            S3_SERVER_CMD=(moto_server)
            S3_KIND=moto
            return 0
        fi
    fi
    if [[ -x $s3rver ]] && command -v node >/dev/null 2>&1; then
        # Its paginated listings need MD5 from OpenSSL's legacy provider on Node 17+.
        S3_SERVER_CMD=(env NODE_OPTIONS=--openssl-legacy-provider node "$s3rver" -d "$S3_DIR/s3rver-data" -s)
        S3_KIND=s3rver
    fi
}

# s3_checks_signatures: succeeds when the server refuses a wrong secret (moto).
s3_checks_signatures() {
    [[ $S3_KIND == moto ]]
}

# s3_require_abort: skips a test that a multipart upload is aborted on a server that cannot
# abort one (s3rver 3.7.1 answers AbortMultipartUpload 405 and keeps the parts).
s3_require_abort() {
    [[ $S3_KIND != s3rver ]] || skip "needs a server that aborts multipart uploads (moto); s3rver answers 405 and keeps them"
}

# s3_require_signatures: skips a test of refused credentials on a server that takes any.
s3_require_signatures() {
    s3_checks_signatures || skip "needs a server that checks signatures (moto); $S3_KIND takes any secret"
}

# _s3_unavailable MESSAGE: skips the test, or (in setup_file, where bats 1.8 cannot skip)
# records MESSAGE in S3_UNAVAILABLE for s3_require.
_s3_unavailable() {
    export S3_UNAVAILABLE=$1
    if [[ -n ${BATS_TEST_NAME:-} ]]; then
        skip "$1"
    fi
    return 0
}

# s3_require: skips the test when s3_start found no server to start.
s3_require() {
    if [[ -n ${S3_UNAVAILABLE:-} ]]; then
        skip "$S3_UNAVAILABLE"
    fi
    [[ -n ${S3_ENDPOINT:-} ]] || fail "s3_require: no S3 server was started (call s3_start first)"
}

# _s3_clean_env: nothing of the caller's AWS configuration may reach moto, boto3, the daemon
# or the CLI; loopback never goes through a proxy.
_s3_clean_env() {
    unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
    unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_IAM AWS_CA_BUNDLE
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT AWS_REGION AWS_DEFAULT_REGION
    unset "${!CEDANA_AWS_@}"
    export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    export AWS_EC2_METADATA_DISABLED=true
    export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}
    export no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}
}

# _s3_py CODE [ARGS...]: runs python3 CODE with ARGS as sys.argv[1:], where `s3` is a boto3
# client of the server (path-style, the exported keys) and `iam` an IAM one. An S3 error
# ends it with status 1 and one line on stderr (NoSuchBucket, SignatureDoesNotMatch, ...).
_s3_py() {
    local code=$1
    shift
    python3 -c "
import os, sys, boto3, botocore.exceptions
from botocore.config import Config
def _hook(kind, err, tb):
    if isinstance(err, botocore.exceptions.ClientError):
        sys.stderr.write(f'{err}\\n')
    else:
        sys.__excepthook__(kind, err, tb)
sys.excepthook = _hook
_kw = dict(endpoint_url=os.environ['S3_ENDPOINT'], region_name=os.environ.get('AWS_REGION', 'us-east-1'),
           aws_access_key_id=os.environ['AWS_ACCESS_KEY_ID'], aws_secret_access_key=os.environ['AWS_SECRET_ACCESS_KEY'],
           config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
s3 = boto3.client('s3', **_kw)
iam = boto3.client('iam', **_kw)
$code" "$@"
}

# _s3_wait_http PID URL LOG: waits until URL answers HTTP (any status), or fails when PID
# died or it did not answer in time.
_s3_wait_http() {
    local pid=$1 url=$2 log=$3 i code
    for ((i = 0; i < S3_START_POLLS; i++)); do
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null) || true
        [[ -n $code && $code != 000 ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 2
        sleep 0.05
    done
    echo "moto (pid $pid) did not answer on $url within $((S3_START_POLLS / 20)) s; its log:" >&2
    cat "$log" >&2
    return 1
}

# s3_start: starts the server on a free port of 127.0.0.1 in the background (PID in S3_PID
# and in $S3_DIR/server.pid), waits until it answers and exports the endpoint and the keys:
# for moto, it turns signature checking on with an IAM user of its own whose keys these are
# (see the top of this file); s3rver has its one account.
s3_start() {
    S3_DIR=${S3_DIR:-${BATS_FILE_TMPDIR:-$(mktemp -d "${TMPDIR:-/tmp}/s3-server.XXXXXX")}}
    mkdir -p "$S3_DIR"
    export S3_DIR
    _s3_server_cmd
    if ((${#S3_SERVER_CMD[@]} == 0)); then
        _s3_unavailable "no S3-compatible server (moto, or s3rver: scripts/install-deps.sh) on this machine"
        return 0
    fi
    export S3_KIND
    if [[ -n ${S3_PID:-} ]] && kill -0 "$S3_PID" 2>/dev/null; then
        fail "s3_start: a server (pid $S3_PID) is already running on $S3_ENDPOINT"
        return 1
    fi
    _s3_clean_env
    unset S3_UNAVAILABLE
    local log=$S3_DIR/server.log port attempt rc probe
    [[ $S3_KIND == moto ]] && probe=/moto-api/ || probe=/
    # The port can be taken between free_tcp_port and moto's bind: then moto dies, another one.
    for ((attempt = 0; attempt < 5; attempt++)); do
        port=$(free_tcp_port) || { fail "s3_start: no free TCP port"; return 1; }
        if [[ $S3_KIND == moto ]]; then
            INITIAL_NO_AUTH_ACTION_COUNT=$S3_NO_AUTH_ACTIONS "${S3_SERVER_CMD[@]}" -H 127.0.0.1 -p "$port" \
                </dev/null >"$log" 2>&1 3>&- &
        else
            mkdir -p "$S3_DIR/s3rver-data"
            "${S3_SERVER_CMD[@]}" -a 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 3>&- &
        fi
        S3_PID=$!
        echo "$S3_PID" >"$S3_DIR/server.pid"
        rc=0
        _s3_wait_http "$S3_PID" "http://127.0.0.1:$port$probe" "$log" || rc=$?
        ((rc == 0)) && break
        if ((rc == 2)); then
            wait "$S3_PID" 2>/dev/null || true
            S3_PID=
            grep -qiE 'address already in use' "$log" && continue
            fail "s3_start: $S3_KIND (${S3_SERVER_CMD[*]}) exited before answering on port $port; its log:
$(cat "$log")"
            return 1
        fi
        s3_stop
        fail "s3_start: $S3_KIND did not answer on port $port"
        return 1
    done
    [[ -n $S3_PID ]] || { fail "s3_start: every port tried was taken; the server's log: $(cat "$log")"; return 1; }
    export S3_PID S3_PORT=$port
    export S3_ENDPOINT=http://127.0.0.1:$port
    export AWS_ENDPOINT=$S3_ENDPOINT AWS_REGION=$S3_REGION
    if [[ $S3_KIND == s3rver ]]; then
        export AWS_ACCESS_KEY_ID=$S3RVER_KEY AWS_SECRET_ACCESS_KEY=$S3RVER_KEY
        local code
        code=$(_s3_curl -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/") || code=000
        [[ $code == 200 ]] || { fail "s3_start: s3rver does not list its buckets with its own keys (HTTP $code)"; return 1; }
        return 0
    fi
    # Bootstrap, unchecked: the IAM user whose keys the tests sign with, allowed everything.
    local keys
    keys=$(AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap _s3_py '
import json
iam.create_user(UserName="cedana-e2e")
iam.put_user_policy(UserName="cedana-e2e", PolicyName="allow-all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
k = iam.create_access_key(UserName="cedana-e2e")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
' 2>&1) || {
        fail "s3_start: cannot create the IAM user and key in moto: $keys"
        return 1
    }
    AWS_ACCESS_KEY_ID=${keys%% *}
    AWS_SECRET_ACCESS_KEY=${keys#* }
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    # From now on every request is checked.
    local reset
    reset=$(curl -s -m 5 -X POST -H 'Content-Type: text/plain' --data-binary 0 "$S3_ENDPOINT/moto-api/reset-auth") ||
        { fail "s3_start: moto's reset-auth did not answer"; return 1; }
    [[ $reset == *'"status": "ok"'* ]] || { fail "s3_start: moto's reset-auth said: $reset"; return 1; }
    # Proof that it checks: the right keys list the buckets, a wrong secret is refused.
    local check
    check=$(_s3_py '
import botocore.exceptions
s3.list_buckets()
bad = boto3.client("s3", **dict(_kw, aws_secret_access_key="wrong-secret"))
try:
    bad.list_buckets()
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
else:
    print("accepted")
' 2>&1) || { fail "s3_start: the server refuses its own keys: $check"; return 1; }
    [[ $check == "SignatureDoesNotMatch 403" ]] ||
        { fail "s3_start: moto does not check signatures (a wrong secret got: $check)"; return 1; }
}

# s3_stop: stops the server s3_start started, by its recorded PID only, and waits until it
# is gone (SIGKILL after 10 s). Nothing to do when none runs.
s3_stop() {
    local pid=${S3_PID:-} i state
    [[ -n $pid ]] || pid=$(cat "${S3_DIR:-/nonexistent}/server.pid" 2>/dev/null) || true
    [[ -n $pid ]] || return 0
    # Only if that PID still is our server (not a process that got the number since).
    if grep -qaE 'moto|s3rver' "/proc/$pid/cmdline" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do
            state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || state=
            [[ -z $state || $state == Z ]] && break
            sleep 0.05
        done
        [[ -z $state || $state == Z ]] || kill -KILL "$pid" 2>/dev/null || true
    fi
    # Reaped when it is this shell's child (setup_file and teardown_file share one shell).
    wait "$pid" 2>/dev/null || true
    rm -f "${S3_DIR:-/nonexistent}/server.pid"
    S3_PID=
}

# _s3_curl ARGS...: curl signing with the exported keys (SigV4, payload unsigned, as cedana
# sends it).
_s3_curl() {
    curl -sS -m 60 --aws-sigv4 "aws:amz:$S3_REGION:s3" -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}

# _s3_object_url BUCKET KEY: the object's path-style URL, the key percent-encoded.
_s3_object_url() {
    printf '%s/%s/%s' "$S3_ENDPOINT" "$1" "$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/-_.~"))' "$2")"
}

# _s3_expect CODE WHAT OUT ARGS...: _s3_curl ARGS..., its body into the file OUT (- for
# none kept), whose status must be CODE; otherwise the answer goes to stderr, naming WHAT,
# and it fails.
_s3_expect() {
    local want=$1 what=$2 out=$3 body code
    shift 3
    body=$out
    [[ $out == - ]] && body=$(mktemp)
    code=$(_s3_curl -o "$body" -w '%{http_code}' "$@") || code=000
    local rc=0
    if [[ $code != "$want" ]]; then
        echo "$what: HTTP $code $(cat "$body" 2>/dev/null)" >&2
        rc=1
    fi
    [[ $out == - ]] && rm -f "$body"
    return $rc
}

# s3_make_bucket NAME: creates the bucket NAME.
s3_make_bucket() {
    _s3_expect 200 "create bucket $1" - -X PUT "$S3_ENDPOINT/$1"
}

# s3_bucket_exists NAME: succeeds when the bucket NAME exists, fails when it does not.
s3_bucket_exists() {
    local code
    code=$(_s3_curl -o /dev/null -w '%{http_code}' -I "$S3_ENDPOINT/$1") || code=000
    [[ $code == 200 ]] && return 0
    [[ $code == 404 ]] && return 1
    echo "head bucket $1: HTTP $code" >&2
    return 2
}

# s3_keys BUCKET [PREFIX]: the keys of the objects in BUCKET (under PREFIX), one a line, in
# S3's order (bytewise), through every page of ListObjectsV2. Fails, saying why on stderr,
# when the bucket does not exist.
s3_keys() {
    local bucket=$1 prefix=${2:-} token='' page query out
    page=$(mktemp)
    while :; do
        query=$(python3 -c 'import sys, urllib.parse as u
q = [("continuation-token", sys.argv[2])] if sys.argv[2] else []
print(u.urlencode(q + [("list-type", "2"), ("prefix", sys.argv[1])], quote_via=u.quote, safe="-_.~"))' "$prefix" "$token")
        _s3_expect 200 "list s3://$bucket/$prefix" "$page" "$S3_ENDPOINT/$bucket?$query" || { rm -f "$page"; return 1; }
        out=$(python3 -c 'import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
for c in root.iter(ns + "Contents"):
    print("K" + c.find(ns + "Key").text)
t = root.find(ns + "NextContinuationToken")
if (root.findtext(ns + "IsTruncated") or "false") == "true" and t is not None:
    print("T" + t.text)' "$page") || { rm -f "$page"; return 1; }
        sed -n 's/^K//p' <<<"$out"
        token=$(sed -n 's/^T//p' <<<"$out")
        [[ -n $token ]] || break
    done
    rm -f "$page"
}

# s3_uploads BUCKET: the multipart uploads begun in BUCKET and neither completed nor
# aborted, one a line: KEY UPLOAD_ID. Empty when there are none.
s3_uploads() {
    if [[ $S3_KIND == s3rver ]]; then
        local dir=$S3_DIR/s3rver-data/$1/._S3rver_uploads id
        [[ -d $S3_DIR/s3rver-data/$1 ]] || { echo "no bucket $1" >&2; return 1; }
        [[ -d $dir ]] || return 0
        for id in "$dir"/*/; do
            [[ -e ${id}key ]] || continue
            id=${id%/}
            echo "$(cat "$id/key") ${id##*/}"
        done
        return 0
    fi
    local page
    page=$(mktemp)
    _s3_expect 200 "list the multipart uploads of $1" "$page" "$S3_ENDPOINT/$1?uploads=" || { rm -f "$page"; return 1; }
    python3 -c 'import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
for u in root.iter(ns + "Upload"):
    print(u.findtext(ns + "Key"), u.findtext(ns + "UploadId"))' "$page"
    rm -f "$page"
}

# s3_get BUCKET KEY FILE: downloads the object into FILE.
s3_get() {
    _s3_expect 200 "get s3://$1/$2" "$3" "$(_s3_object_url "$1" "$2")"
}

# s3_put BUCKET KEY FILE: uploads FILE as the object KEY (one PUT).
s3_put() {
    _s3_expect 200 "put s3://$1/$2" - -T "$3" "$(_s3_object_url "$1" "$2")"
}

# s3_truncate BUCKET KEY BYTES: rewrites the object with only its first BYTES bytes. Fails
# when it is not longer than that (it would not be cut short).
s3_truncate() {
    local whole cut size
    whole=$(mktemp)
    cut=$(mktemp)
    s3_get "$1" "$2" "$whole" || { rm -f "$whole" "$cut"; return 1; }
    size=$(stat -c %s "$whole")
    if (($3 >= size)); then
        echo "s3_truncate: $2 has $size bytes, not more than $3" >&2
        rm -f "$whole" "$cut"
        return 1
    fi
    head -c "$3" "$whole" >"$cut"
    s3_put "$1" "$2" "$cut"
    local rc=$?
    rm -f "$whole" "$cut"
    return $rc
}

# s3_size BUCKET KEY: the object's size in bytes.
s3_size() {
    _s3_curl -f -I "$(_s3_object_url "$1" "$2")" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}'
}
