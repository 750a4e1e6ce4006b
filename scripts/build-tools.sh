#!/usr/bin/env bash
# Builds the real external tools used by tests and local runs, from the Go module proxy only:
#   tools/ferretdb/ferretdb  FerretDB v1 (SQLite backend) via the wrapper module in tools/ferretdb
#   tools/bin/helm           helm v3.22.0
# Idempotent: each tool is rebuilt only when missing or outdated. Needs Go >= 1.26 (helm's go.mod).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/tools/bin"
FERRET_DIR="$ROOT/tools/ferretdb"

HELM_VERSION=v3.22.0
# helm v3.22.0's go.mod requires k8s.io/client-go v0.37.0 -> Kubernetes 1.37. Helm's Makefile injects
# this so `helm template`/`helm lint` default to that KubeVersion instead of the source default v1.20.
HELM_K8S_MINOR=37
HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in pkg/chartutil pkg/lint/rules; do
  HELM_LDFLAGS+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done

command -v go >/dev/null || { echo "build-tools: 'go' not found in PATH" >&2; exit 1; }
echo "build-tools: using $(go version)"

# --- FerretDB: rebuild when the binary is missing or older than any wrapper source file.
ferret_bin="$FERRET_DIR/ferretdb"
if [[ ! -x "$ferret_bin" ]] || [[ -n "$(find "$FERRET_DIR" -maxdepth 1 \( -name go.mod -o -name go.sum -o -name '*.go' \) -newer "$ferret_bin")" ]]; then
  echo "build-tools: building $ferret_bin"
  start=$SECONDS
  (cd "$FERRET_DIR" && CGO_ENABLED=0 go build -o ferretdb .)
  echo "build-tools: ferretdb built in $((SECONDS - start))s"
else
  echo "build-tools: $ferret_bin is up to date"
fi

# --- helm: `go install module@version` (not `go build`) so the pinned release is used, ignoring any go.mod here.
# A stamp next to the binary records the exact install spec; a different spec means outdated.
helm_bin="$BIN_DIR/helm"
helm_stamp="$BIN_DIR/helm.stamp"
helm_spec="helm.sh/helm/v3/cmd/helm@$HELM_VERSION $HELM_LDFLAGS"
if [[ ! -x "$helm_bin" ]] || [[ "$(cat "$helm_stamp" 2>/dev/null)" != "$helm_spec" ]]; then
  echo "build-tools: installing helm $HELM_VERSION into $BIN_DIR (Kubernetes default 1.$HELM_K8S_MINOR)"
  mkdir -p "$BIN_DIR"
  start=$SECONDS
  GOBIN="$BIN_DIR" CGO_ENABLED=0 go install -ldflags "$HELM_LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  printf '%s\n' "$helm_spec" >"$helm_stamp"
  echo "build-tools: helm built in $((SECONDS - start))s"
else
  echo "build-tools: $helm_bin is up to date"
fi

echo "build-tools: helm version: $("$helm_bin" version --short)"
