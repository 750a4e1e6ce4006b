#!/usr/bin/env bash
# API fuzzing: Schemathesis against SMO's own OpenAPI document (/smo-api-spec.json).
#
#   scripts/fuzz.sh            # full run (100 examples per operation, 3–4 minutes on 2 cores)
#   scripts/fuzz.sh --quick    # smoke run (5 examples per operation)
#
# Environment: FUZZ_MAX_EXAMPLES (examples per operation), FUZZ_SEED (default 1: reproducible),
# FUZZ_REPORT_DIR (JUnit + NDJSON reports; default tools/fuzz-report), FUZZ_QUICK=1 (= --quick).
#
# SMO runs from the TypeScript sources (Node 24 from node_modules) on a free loopback port, over a
# temporary data directory, in embedded mode (simulated clusters and helm), with the fake NFVCL of
# the tests and the fake hdarctl, an API token (so the document declares bearer auth and the
# `ignored_auth` check runs) and a rate limit high enough not to throttle the fuzzer. Every check
# of Schemathesis runs: no 5xx, every status, content type, header and body as documented,
# invalid input refused, valid input accepted (see scripts/fuzz/schemathesis.toml for the
# exceptions). Exits non-zero when Schemathesis finds a failure or SMO logs an unhandled error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCHEMATHESIS_VERSION=4.32.5
NODE=$ROOT/node_modules/.bin/node
VENV=$ROOT/tools/venv-fuzz

quick=${FUZZ_QUICK:-0}
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 64 ;;
  esac
done
if [[ $quick == 1 ]]; then max_examples=${FUZZ_MAX_EXAMPLES:-5}; else max_examples=${FUZZ_MAX_EXAMPLES:-100}; fi
seed=${FUZZ_SEED:-1}
report_dir=${FUZZ_REPORT_DIR:-$ROOT/tools/fuzz-report}

[[ -x $NODE ]] || { echo "fuzz: $NODE missing: run npm install first" >&2; exit 2; }
# scripts/fuzz/requirements.txt pins Schemathesis and everything it pulls in (pip freeze of the venv used).
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== Python venv $VENV with schemathesis==$SCHEMATHESIS_VERSION"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/fuzz/requirements.txt
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/smo-fuzz.XXXXXX")
smo_pid=''
nfvcl_pid=''
cleanup() {
  local code=$?
  if [[ -n $smo_pid ]]; then kill "$smo_pid" 2>/dev/null || true; wait "$smo_pid" 2>/dev/null || true; fi
  if [[ -n $nfvcl_pid ]]; then kill "$nfvcl_pid" 2>/dev/null || true; wait "$nfvcl_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "== fake NFVCL"
"$NODE" --no-experimental-strip-types -r ./scripts/register-ts.cjs scripts/fuzz/fake-nfvcl.ts >"$work/nfvcl.out" 2>"$work/nfvcl.err" &
nfvcl_pid=$!
for _ in $(seq 100); do [[ -s $work/nfvcl.out ]] && break; sleep 0.1; done
nfvcl_url=$(head -1 "$work/nfvcl.out")
[[ $nfvcl_url == http://* ]] || { echo "fuzz: the fake NFVCL did not start" >&2; cat "$work/nfvcl.err" >&2; exit 2; }

port=$(free_port)
url=http://127.0.0.1:$port
token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
echo "== SMO on $url (data in $work/data)"
env SMO_DATA_DIR="$work/data" PORT="$port" SMO_BIND=127.0.0.1 LOG_LEVEL=warn \
  SMO_RATE_LIMIT=1000000 SMO_API_TOKENS="$token:operate" SMO_SQLITE_SYNCHRONOUS=normal \
  NFVCL_BASE_URL="$nfvcl_url" NFVCL_POLL_INTERVAL_MS=200 NFVCL_TIMEOUT=10 \
  SMO_HDARCTL_BINARY="$ROOT/test/fixtures/fake-hdarctl/hdarctl" SMO_DEPLOY_WAIT=5 \
  "$NODE" --no-experimental-strip-types -r ./scripts/register-ts.cjs src/main.ts >"$work/smo.log" 2>&1 &
smo_pid=$!
for _ in $(seq 300); do
  curl -fs "$url/health/live" >/dev/null 2>&1 && break
  kill -0 "$smo_pid" 2>/dev/null || { echo "fuzz: SMO exited" >&2; cat "$work/smo.log" >&2; exit 2; }
  sleep 0.2
done
curl -fs "$url/health/live" >/dev/null || { echo "fuzz: SMO did not answer /health/live" >&2; exit 2; }

echo "== schemathesis $SCHEMATHESIS_VERSION: $max_examples examples per operation, seed $seed"
mkdir -p "$report_dir"
status=0
# /events/stream is an endless Server-Sent Events stream: nothing to fuzz in a request/response loop.
"$VENV/bin/schemathesis" --config-file scripts/fuzz/schemathesis.toml run "$url/smo-api-spec.json" \
  --header "Authorization: Bearer $token" \
  --exclude-path /events/stream \
  --max-examples "$max_examples" --seed "$seed" --workers 1 --no-color \
  --report junit,ndjson --report-dir "$report_dir" || status=$?

# An unhandled error answers 500 (caught above) and is logged; a crash of a background task is only logged.
if grep -q '"unhandled error"\|"level":50\|"level":60' "$work/smo.log"; then
  echo "fuzz: SMO logged errors:" >&2
  grep '"level":50\|"level":60' "$work/smo.log" | head -20 >&2
  status=${status/#0/1}
fi
kill -0 "$smo_pid" 2>/dev/null || { echo "fuzz: SMO died during the run" >&2; tail -50 "$work/smo.log" >&2; status=1; }
echo "== fuzz: exit $status (reports in $report_dir)"
exit "$status"
