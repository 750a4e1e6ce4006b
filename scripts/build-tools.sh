#!/usr/bin/env bash
# Builds the real external tools used by tests and local runs, from the Go module proxy only:
#   tools/ferretdb/ferretdb  FerretDB v1 (SQLite backend) via the wrapper module in tools/ferretdb
#   tools/bin/helm           helm v3.22.0
#   tools/bin/<lab tools>    the Karmada lab (scripts/karmada-lab.sh): kube-apiserver, kube-controller-manager,
#                            kube-scheduler, kubectl v1.34.1; karmada-{aggregated-apiserver,controller-manager,
#                            scheduler,webhook} and karmadactl v1.16.0 (wrapper module tools/karmada); kwok v0.7.0;
#                            etcd v3.6.4 (wrapper module tools/etcd); crane v0.22.1 (`crane registry serve`).
# Everything but FerretDB is built once into a cache OUTSIDE the repository, one directory per tool and version
# (${SMO_TOOLS_CACHE:-/var/cache/smo-tools}/<tool>-<version>), so a fresh clone (CI) on the same machine reuses it;
# tools/bin holds symlinks into that cache. A cache entry is complete only when its `.stamp` matches the build
# inputs (version, flags, wrapper go.mod/go.sum), so an interrupted build is redone, never half-used.
#   --no-lab   build only FerretDB and helm
# Idempotent. Needs Go >= 1.26 (helm's go.mod).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/tools/bin"
FERRET_DIR="$ROOT/tools/ferretdb"
CACHE="${SMO_TOOLS_CACHE:-/var/cache/smo-tools}"
WITH_LAB=1
[[ "${1:-}" == "--no-lab" ]] && WITH_LAB=0

HELM_VERSION=v3.22.0
K8S_VERSION=v1.34.1      # Karmada v1.16.0 is built against k8s.io/* v0.34.1
KARMADA_VERSION=v1.16.0
KWOK_VERSION=v0.7.0
ETCD_VERSION=v3.6.4      # not Debian's 3.4: kube-apiserver 1.34 then disables watch progress requests and kwok misses pods
CRANE_VERSION=v0.22.1

# helm v3.22.0's go.mod requires k8s.io/client-go v0.37.0 -> Kubernetes 1.37. Helm's Makefile injects
# this so `helm template`/`helm lint` default to that KubeVersion instead of the source default v1.20.
HELM_K8S_MINOR=37
HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in pkg/chartutil pkg/lint/rules; do
  HELM_LDFLAGS+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done
K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
KUBE_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
KUBE_LDFLAGS+=" -X k8s.io/component-base/version.gitMinor=$K8S_MINOR -X k8s.io/component-base/version.gitTreeState=clean"
KUBE_LDFLAGS+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
KARMADA_LDFLAGS="$KUBE_LDFLAGS -X github.com/karmada-io/karmada/pkg/version.gitVersion=$KARMADA_VERSION"

command -v go >/dev/null || { echo "build-tools: 'go' not found in PATH" >&2; exit 1; }
echo "build-tools: using $(go version); cache $CACHE"
mkdir -p "$BIN_DIR" "$CACHE"

# fresh DIR SPEC: true when DIR/.stamp records exactly SPEC (the entry was completed with these inputs).
fresh() { [[ -f "$1/.stamp" ]] && [[ "$(cat "$1/.stamp")" == "$2" ]]; }
# link DIR NAME...: tools/bin/NAME -> DIR/NAME
link() { local dir=$1; shift; for n in "$@"; do ln -sfn "$dir/$n" "$BIN_DIR/$n"; done; }
# go_install NAME VERSION PACKAGE LDFLAGS: `go install PACKAGE@VERSION` (the module's own go.mod, pinned release)
go_install() {
  local name=$1 version=$2 pkg=$3 ldflags=$4 dir="$CACHE/$1-$2" spec="$3@$2 $4"
  if fresh "$dir" "$spec"; then echo "build-tools: $name $version cached in $dir"; else
    echo "build-tools: building $name $version into $dir"
    local start=$SECONDS; rm -rf "$dir"; mkdir -p "$dir"
    GOBIN="$dir" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$pkg@$version"
    printf '%s\n' "$spec" >"$dir/.stamp"
    echo "build-tools: $name built in $((SECONDS - start))s"
  fi
  link "$dir" "$name"
}

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

# An older checkout installed helm as a plain file in tools/bin; the cache symlink replaces it.
[[ -L "$BIN_DIR/helm" ]] || rm -f "$BIN_DIR/helm" "$BIN_DIR/helm.stamp"
go_install helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$HELM_LDFLAGS"
echo "build-tools: helm version: $("$BIN_DIR/helm" version --short)"

[[ $WITH_LAB == 1 ]] || exit 0

# --- Kubernetes + Karmada: one wrapper module (tools/karmada/go.mod) pins k8s.io/kubernetes and Karmada on a
# single dependency graph (k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces staging modules).
# The main packages are copied from the module cache at build time, into a work directory inside the cache entry.
KUBE_CMDS="kube-apiserver kube-controller-manager kube-scheduler kubectl"
KARMADA_CMDS="karmada-aggregated-apiserver karmada-controller-manager karmada-scheduler karmada-webhook karmadactl"
kdir="$CACHE/karmada-$KARMADA_VERSION-k8s-$K8S_VERSION"
kspec="$(cat "$ROOT/tools/karmada/go.mod" "$ROOT/tools/karmada/go.sum" | sha256sum | cut -c1-16) $KARMADA_LDFLAGS"
if fresh "$kdir" "$kspec"; then echo "build-tools: Kubernetes $K8S_VERSION + Karmada $KARMADA_VERSION cached in $kdir"; else
  echo "build-tools: building Kubernetes $K8S_VERSION + Karmada $KARMADA_VERSION into $kdir"
  total=$SECONDS
  rm -f "$kdir/.stamp"; mkdir -p "$kdir/src"
  cp "$ROOT/tools/karmada/go.mod" "$ROOT/tools/karmada/go.sum" "$kdir/src/"
  (
    cd "$kdir/src"
    go mod download k8s.io/kubernetes github.com/karmada-io/karmada
    kmod="$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION"
    amod="$(go env GOMODCACHE)/github.com/karmada-io/karmada@$KARMADA_VERSION"
    declare -A main_of=(
      [kube-apiserver]="$kmod/cmd/kube-apiserver/apiserver.go"
      [kube-controller-manager]="$kmod/cmd/kube-controller-manager/controller-manager.go"
      [kube-scheduler]="$kmod/cmd/kube-scheduler/scheduler.go"
      [kubectl]="$kmod/cmd/kubectl/kubectl.go"
      [karmada-aggregated-apiserver]="$amod/cmd/aggregated-apiserver/main.go"
      [karmada-controller-manager]="$amod/cmd/controller-manager/controller-manager.go"
      [karmada-scheduler]="$amod/cmd/scheduler/main.go"
      [karmada-webhook]="$amod/cmd/webhook/main.go"
      [karmadactl]="$amod/cmd/karmadactl/karmadactl.go"
    )
    for c in $KUBE_CMDS $KARMADA_CMDS; do
      mkdir -p "cmd/$c"; cp "${main_of[$c]}" "cmd/$c/main.go"; chmod u+w "cmd/$c/main.go"
    done
    # The lab applies Karmada's CRDs and webhook configuration of the same release: kept beside the binaries.
    rm -rf "$kdir/manifests"; mkdir -p "$kdir/manifests"
    cp -r "$amod/charts/karmada/_crds/bases" "$kdir/manifests/crds"
    cp "$amod/artifacts/deploy/webhook-configuration.yaml" "$kdir/manifests/"
    chmod -R u+w "$kdir/manifests"
    for c in $KUBE_CMDS $KARMADA_CMDS; do
      case $c in karmada*) ld=$KARMADA_LDFLAGS ;; *) ld=$KUBE_LDFLAGS ;; esac
      start=$SECONDS
      CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "$ld" -o "$kdir/$c" "./cmd/$c"
      echo "build-tools: $c built in $((SECONDS - start))s"
    done
  )
  printf '%s\n' "$kspec" >"$kdir/.stamp"
  echo "build-tools: Kubernetes + Karmada built in $((SECONDS - total))s"
fi
link "$kdir" $KUBE_CMDS $KARMADA_CMDS

# --- etcd v3.6: wrapper module (tools/etcd/go.mod) because server/v3's own go.mod has ../ replace directives.
edir="$CACHE/etcd-$ETCD_VERSION"
espec="$(cat "$ROOT/tools/etcd/go.mod" "$ROOT/tools/etcd/go.sum" | sha256sum | cut -c1-16)"
if fresh "$edir" "$espec"; then echo "build-tools: etcd $ETCD_VERSION cached in $edir"; else
  echo "build-tools: building etcd $ETCD_VERSION into $edir"
  start=$SECONDS
  rm -f "$edir/.stamp"; mkdir -p "$edir/src"
  cp "$ROOT/tools/etcd/go.mod" "$ROOT/tools/etcd/go.sum" "$edir/src/"
  (
    cd "$edir/src"
    go mod download go.etcd.io/etcd/server/v3
    cp "$(go env GOMODCACHE)/go.etcd.io/etcd/server/v3@$ETCD_VERSION/main.go" main.go; chmod u+w main.go
    CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$edir/etcd" .
  )
  printf '%s\n' "$espec" >"$edir/.stamp"
  echo "build-tools: etcd built in $((SECONDS - start))s"
fi
link "$edir" etcd

# kwok v0.7.0 does not compile against apimachinery v0.34, so it keeps its own module graph.
go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "-s -w"
go_install crane "$CRANE_VERSION" github.com/google/go-containerregistry/cmd/crane "-s -w"

echo "build-tools: lab tools ready in $BIN_DIR: $("$BIN_DIR/kube-apiserver" --version), karmadactl $("$BIN_DIR/karmadactl" version 2>/dev/null | grep -o 'GitVersion:"[^"]*"' | head -1), $("$BIN_DIR/etcd" --version | head -1)"
