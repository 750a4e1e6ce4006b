#!/usr/bin/env bash
# Upstream's solver for `npm run bench:optimizer -- --versus-upstream`: CVXPY + HiGHS (highspy) in a throwaway venv
# under tools/ (pinned in requirements.txt, a pip freeze of the venv used). Reads instances on stdin.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=tools/venv-bench-upstream
if ! "$VENV/bin/python" -c 'import cvxpy, highspy' 2>/dev/null; then
  echo "== Python venv $VENV (cvxpy + highspy)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/bench-upstream/requirements.txt >&2
fi
exec "$VENV/bin/python" scripts/bench-upstream/decide_placement.py
