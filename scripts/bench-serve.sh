#!/usr/bin/env bash
# Load benchmark of `kyso serve`, run by hand on an otherwise idle machine:
#
#   apt-get install wrk        # the HTTP load generator (this script installs nothing)
#   bash scripts/bench-serve.sh
#
# It builds kyso (release), starts `kyso serve` on 127.0.0.1 (fixture trust root, the agency key
# with its password from the environment, a bearer token) and measures:
#   (a) POST /v1/verify of the fixture letter signed twice, keep-alive, wrk -t2 -c16: requests/s
#       and p99 latency; against
#   (b) `kyso batch` documents/s over a folder of N copies of the same letter (target: the
#       service verifies at >= 70% of the batch rate);
#   (c) POST /v1/sign?key=agency (bearer token, no audit log, and again with an audit log synced
#       per signing) requests/s against `openssl speed -multi 2 rsa2048` signs/s (target >= 60%),
#       and against the same with AVX-512 IFMA masked (kyso signs RSA through aws-lc-rs, which has an IFMA path too);
#   (d) the server's peak RSS (VmHWM) under UPLOADS concurrent uploads of UPLOAD_MB MB each
#       (python3 threads), with the default concurrency (64) and with concurrency = UPLOADS.
#
# Environment: DURATION (wrk seconds, default 20), N (batch copies, 2000), UPLOADS (200),
# UPLOAD_MB (10), CARGO_TARGET_DIR (honoured). Needs wrk, python3, openssl, curl.
# Writes to bench-out/serve/ (gitignored).
set -euo pipefail
trap 'echo "bench-serve: failed at line $LINENO" >&2; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' ERR
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in wrk python3 openssl curl; do
    command -v "$tool" >/dev/null || { echo "bench-serve: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

duration=${DURATION:-20}
n=${N:-2000}
uploads=${UPLOADS:-200}
upload_mb=${UPLOAD_MB:-10}
target=${CARGO_TARGET_DIR:-target}
kyso=$target/release/kyso
root=$PWD/fixtures/pki/root.pem
work=$PWD/bench-out/serve
export KYSO_PASSWORD=kyso-fixture KYSO_BENCH_KEY_PASSWORD=kyso-fixture   # fixture-only password
token=bench-token-3c9f1e7a
token_sha=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }'; }

cargo build --release --quiet --bin kyso
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$work"
mkdir -p "$work/copies"

# The letter signed twice (the author certifies, the agency seals), and the unsigned letter.
"$kyso" sign fixtures/pdf/letter-classic.pdf -o "$work/personal.pdf" --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --certify >/dev/null
"$kyso" sign "$work/personal.pdf" -o "$work/letter.pdf" --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD >/dev/null
cp fixtures/pdf/letter-classic.pdf "$work/unsigned.pdf"

# config NAME CONCURRENCY [AUDIT]: a configuration file, printed.
config() {
    local f="$work/$1.toml"
    {
        printf '[trust]\nanchors = ["%s"]\n\n[server]\nlisten = "127.0.0.1:0"\n' "$root"
        printf 'body_limit = %d\nconcurrency = %d\n' $(((upload_mb + 6) * 1024 * 1024)) "$2"
        [ -n "${3:-}" ] && printf 'audit_log = "%s"\n' "$3"
        printf '\n[[server.tokens]]\nname = "bench"\nsha256 = "%s"\nscopes = ["sign:agency", "verify"]\n' "$token_sha"
        printf '\n[[keys]]\nid = "agency"\np12 = "%s"\npassword_env = "KYSO_BENCH_KEY_PASSWORD"\n' "$PWD/fixtures/pki/agency.p12"
    } >"$f"
    echo "$f"
}

pid=
addr=
# start CONFIG: starts kyso serve, sets pid and addr (host:port).
start() {
    local log="${1%.toml}.log"
    rm -f "$log"
    : >"$log"
    "$kyso" --config "$1" serve >/dev/null 2>"$log" &
    pid=$!
    addr=
    for _ in $(seq 1 300); do
        addr=$(sed -n 's|^kyso serve: listening on http://||p' "$log")
        [ -n "$addr" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "bench-serve: kyso serve did not start" >&2; exit 1; }
}
stop() {
    kill -TERM "$pid"
    wait "$pid" || { echo "bench-serve: kyso serve exited with $?" >&2; exit 1; }
}

cat >"$work/post.lua" <<'EOF'
-- POSTs the file $KYSO_BENCH_BODY, with $KYSO_BENCH_AUTH as the Authorization header if set.
wrk.method = "POST"
local f = assert(io.open(os.getenv("KYSO_BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/pdf"
local auth = os.getenv("KYSO_BENCH_AUTH")
if auth then wrk.headers["Authorization"] = auth end
EOF

# run_wrk NAME PATH BODY [AUTH]: wrk -t2 -c16 with latency; prints "rps p99 non2xx errors".
run_wrk() {
    local out="$work/wrk-$1.txt"
    KYSO_BENCH_BODY=$3 KYSO_BENCH_AUTH=${4:-} wrk -t2 -c16 -d"${duration}s" --latency -s "$work/post.lua" "http://$addr$2" >"$out"
    local rps p99 non2xx errors
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    errors=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")
    echo "$rps ${p99:--} ${non2xx:-0} ${errors:-none}"
}

echo "== (a) POST /v1/verify, wrk -t2 -c16 -d${duration}s (keep-alive)"
start "$(config verify 64)"
curl -sf --data-binary @"$work/letter.pdf" "http://$addr/v1/verify" | grep -q '"status":"passed"' ||
    { echo "bench-serve: the letter does not verify as passed" >&2; exit 1; }
read -r verify_rps verify_p99 verify_bad verify_err < <(run_wrk verify /v1/verify "$work/letter.pdf")
verify_hwm=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
stop

echo "== (b) kyso batch over $n copies"
for ((i = 0; i < n; i++)); do cp "$work/letter.pdf" "$work/copies/letter-$i.pdf"; done
cat "$work"/copies/*.pdf >/dev/null
t0=$(now)
"$kyso" batch "$work/copies" --trust "$root" --quiet --report "$work/batch.jsonl" || true
t1=$(now)
passed=$(grep -c '"status":"passed"' "$work/batch.jsonl" || true)
[ "$passed" -eq "$n" ] || { echo "bench-serve: batch passed $passed of $n" >&2; exit 1; }
batch_dps=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

echo "== (c) POST /v1/sign?key=agency, wrk -t2 -c16 -d${duration}s; openssl speed rsa2048"
start "$(config sign 64)"
code=$(curl -s -o "$work/served.pdf" -w '%{http_code}' -H "Authorization: Bearer $token" --data-binary @"$work/unsigned.pdf" "http://$addr/v1/sign?key=agency")
[ "$code" = 200 ] || { echo "bench-serve: sign answered $code" >&2; exit 1; }
read -r sign_rps sign_p99 sign_bad sign_err < <(run_wrk sign "/v1/sign?key=agency" "$work/unsigned.pdf" "Bearer $token")
stop
start "$(config sign-audit 64 "$work/audit.jsonl")"
read -r audit_rps audit_p99 audit_bad audit_err < <(run_wrk sign-audit "/v1/sign?key=agency" "$work/unsigned.pdf" "Bearer $token")
stop
audit_lines=$(wc -l <"$work/audit.jsonl")
rsa_bound=$(openssl speed -seconds 5 -multi 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $(NF-1) }' | tail -n 1)
# OpenSSL 3 signs RSA-2048 with AVX-512 IFMA where the CPU has it (so does aws-lc-rs, kyso's
# RSA signer); the figure with IFMA masked is shown too, for CPUs or libraries without it.
rsa_noifma=$(OPENSSL_ia32cap=":~0x200000" openssl speed -seconds 5 -multi 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $(NF-1) }' | tail -n 1)

echo "== (d) peak RSS under $uploads concurrent uploads of $upload_mb MB"
head -c $((upload_mb * 1024 * 1024)) /dev/urandom >"$work/upload.bin"
printf '%%PDF-1.7\n' | dd of="$work/upload.bin" conv=notrunc status=none
cat >"$work/uploads.py" <<'EOF'
"""N threads POST one file to /v1/verify at once (raw sockets, Connection: close); prints
how many were answered with each status."""
import collections, socket, sys, threading
host, port = sys.argv[1].rsplit(":", 1)
n, body = int(sys.argv[2]), open(sys.argv[3], "rb").read()
head = (f"POST /v1/verify HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n").encode()
start, statuses, lock = threading.Barrier(n), collections.Counter(), threading.Lock()
def one():
    start.wait()
    status = "error"
    try:
        with socket.create_connection((host, int(port)), timeout=120) as s:
            s.sendall(head)
            try:
                s.sendall(body)
            except OSError:
                pass  # refused early (503): the answer is read below
            data = b""
            while len(data) < 64:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "error"
    except OSError:
        pass
    with lock:
        statuses[status] += 1
threads = [threading.Thread(target=one) for _ in range(n)]
for t in threads: t.start()
for t in threads: t.join(300)
print(" ".join(f"{k}x{v}" for k, v in sorted(statuses.items())))
EOF
rss() {   # rss CONCURRENCY: prints "baseline_kB peak_kB statuses"
    start "$(config "rss-$1" "$1")"
    local base
    base=$(awk '/^VmRSS/ { print $2 }' /proc/"$pid"/status)
    local statuses
    statuses=$(python3 "$work/uploads.py" "$addr" "$uploads" "$work/upload.bin")
    local peak
    peak=$(awk '/^VmHWM/ { print $2 }' /proc/"$pid"/status)
    stop
    echo "$base $peak $statuses"
}
read -r rss64_base rss64_peak rss64_statuses < <(rss 64)
read -r rssall_base rssall_peak rssall_statuses < <(rss "$uploads")

mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
echo
echo "kyso serve: $(nproc) cores, load average before the run $load_before, after $(cut -d' ' -f1-3 /proc/loadavg); wrk -t2 -c16 -d${duration}s"
printf '%-50s %14s  %s\n' "what" "figure" "note"
printf '%-50s %14s  %s\n' "(a) POST /v1/verify requests/s" "$verify_rps" "p99 $verify_p99, non-2xx $verify_bad, socket errors: $verify_err"
printf '%-50s %14s\n' "(b) kyso batch documents/s ($n copies)" "$batch_dps"
printf '%-50s %14s  %s\n' "    verify service / batch" "$(ratio "$verify_rps" "$batch_dps")" "(target >= 70%)"
printf '%-50s %14s  %s\n' "(c) POST /v1/sign requests/s (no audit log)" "$sign_rps" "p99 $sign_p99, non-2xx $sign_bad, socket errors: $sign_err"
printf '%-50s %14s  %s\n' "    with an audit log (fsync per signing)" "$audit_rps" "p99 $audit_p99, non-2xx $audit_bad, $audit_lines lines"
printf '%-50s %14s\n' "    openssl speed -multi 2 rsa2048 signs/s" "${rsa_bound:--}"
printf '%-50s %14s  %s\n' "    sign service / openssl" "$(ratio "$sign_rps" "${rsa_bound:-0}")" "(target >= 60%)"
printf '%-50s %14s\n' "    openssl signs/s, AVX-512 IFMA masked" "${rsa_noifma:--}"
printf '%-50s %14s\n' "    sign service / openssl without IFMA" "$(ratio "$sign_rps" "${rsa_noifma:-0}")"
printf '%-50s %14s  %s\n' "(d) RSS idle, concurrency 64" "$(mb "$rss64_base")" ""
printf '%-50s %14s  %s\n' "    peak RSS, $uploads x $upload_mb MB uploads, concurrency 64" "$(mb "$rss64_peak")" "answers: $rss64_statuses"
printf '%-50s %14s  %s\n' "    peak RSS, $uploads x $upload_mb MB uploads, concurrency $uploads" "$(mb "$rssall_peak")" "answers: $rssall_statuses"
printf '%-50s %14s\n' "    peak RSS during (a)" "$(mb "$verify_hwm")"
