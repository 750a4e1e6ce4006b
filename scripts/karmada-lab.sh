#!/usr/bin/env bash
# A real Karmada on loopback, without Docker, for SMO's e2e suite (`npm run test:karmada`) and for trying SMO by hand.
#
#   scripts/karmada-lab.sh up DIR           start everything; writes DIR/env (source it)
#   scripts/karmada-lab.sh down DIR         stop every process `up` started, by PID
#   scripts/karmada-lab.sh stop DIR NAME    stop one component (e.g. member1-apiserver: a lost cluster)
#   scripts/karmada-lab.sh start DIR NAME   start it again with the same command line
#   scripts/karmada-lab.sh status DIR       components and whether they run
#
# What runs (binaries from scripts/build-tools.sh, in tools/bin):
#   etcd v3.6 (one process; each API server has its own prefix);
#   karmada-apiserver (kube-apiserver v1.34.1 + Karmada v1.16.0's CRDs) with its own kube-controller-manager,
#   karmada-aggregated-apiserver (APIService), karmada-webhook, karmada-controller-manager, karmada-scheduler;
#   member1 and member2: kube-apiserver + kube-controller-manager + kube-scheduler + kwok with one fake node each
#   (member1 8 CPU / 32Gi / no GPU, member2 16 CPU / 64Gi / 2 nvidia.com/gpu), joined in push mode;
#   Submariner's Cluster and Gateway CRDs on karmada-apiserver (the broker side) with gateway objects carrying RTTs;
#   the PrometheusRule CRD on karmada-apiserver and the members;
#   an OCI registry (crane registry serve, plain HTTP) holding the charts noise-reduction, image-detection and
#   image-compression-vo (test/fixtures/lab-charts/service, packaged under each name).
# Ports: SMO_LAB_PORT_BASE (default 32000) + 0..49, all on 127.0.0.1; `up` refuses to start over a busy port.
# Keep them below the kernel's ephemeral range (32768+ here): a client connection may take a port there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${SMO_LAB_BIN:-$ROOT/tools/bin}"
CHART_SRC="$ROOT/test/fixtures/lab-charts/service"
CHARTS="noise-reduction image-detection image-compression-vo"

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
CMD=$1
mkdir -p "$2"
LAB="$(cd "$2" && pwd)"
PKI=$LAB/pki RUN=$LAB/run DATA=$LAB/data LOGS=$LAB/logs

B=${SMO_LAB_PORT_BASE:-32000}
ETCD_PORT=$B ETCD_PEER_PORT=$((B + 1))
KARMADA_PORT=$((B + 10)) AGGREGATED_PORT=$((B + 11)) WEBHOOK_PORT=$((B + 12)) KARMADA_KCM_PORT=$((B + 13))
REGISTRY_PORT=$((B + 40))
# member NAME → "apiserver kcm scheduler kwok" ports
member_ports() { case $1 in member1) echo $((B + 20)) $((B + 21)) $((B + 22)) $((B + 23)) ;; member2) echo $((B + 30)) $((B + 31)) $((B + 32)) $((B + 33)) ;; esac; }
# member NAME → node capacity "cpu memory gpu"
member_capacity() { case $1 in member1) echo 8 32Gi 0 ;; member2) echo 16 64Gi 2 ;; esac; }

say() { echo "karmada-lab [+$((SECONDS))s] $*"; }
die() { echo "karmada-lab: $*" >&2; exit 1; }

# run NAME CMD...: start a background component in its own session (so it outlives the caller), logs in
# logs/NAME.log, PID in run/NAME.pid, command line in run/NAME.cmd (for `start DIR NAME`).
run() {
  local name=$1; shift
  printf '%q ' "$@" >"$RUN/$name.cmd"
  launch "$name"
}
launch() {
  local name=$1
  setsid bash -c "exec $(cat "$RUN/$name.cmd")" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}
running() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
# stop_all NAME...: SIGTERM to each, up to 10 s for all to exit, then SIGKILL what is left.
stop_all() {
  local name pids=()
  for name in "$@"; do running "$name" && pids+=("$(cat "$RUN/$name.pid")"); rm -f "$RUN/$name.pid"; done
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do any_alive "${pids[@]}" || break; sleep 0.1; done
  kill -9 "${pids[@]}" 2>/dev/null || true
}
stop_one() { stop_all "$1"; }
any_alive() { local pid; for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }

kubeconfig() { # NAME PORT
  cat >"$LAB/$1.kubeconfig" <<K
apiVersion: v1
kind: Config
clusters:
- name: $1
  cluster: {server: "https://127.0.0.1:$2", certificate-authority: "$PKI/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$PKI/admin.crt", client-key: "$PKI/admin.key"}
contexts:
- name: $1
  context: {cluster: $1, user: admin}
current-context: $1
K
}
kc() { local name=$1; shift; "$BIN/kubectl" --kubeconfig "$LAB/$name.kubeconfig" "$@"; }

wait_for() { # WHAT SECONDS CMD...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  die "$what not ready after ${seconds}s (logs in $LOGS)"
}
api_ready() { curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://127.0.0.1:$1/readyz"; }

certs() {
  mkdir -p "$PKI"; cd "$PKI"
  [[ -f sa.pub ]] && { cd - >/dev/null; return; }
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=smo-lab-ca" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout front-proxy-ca.key -out front-proxy-ca.crt -days 3650 -subj "/CN=smo-lab-front-proxy-ca" 2>/dev/null
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth,clientAuth' \
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:karmada-aggregated-apiserver.karmada-system.svc' >server.ext
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=clientAuth' >client.ext
  sign() { # NAME SUBJECT EXT CA
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial -out "$1.crt" -days 3650 -extfile "$3" 2>/dev/null
    rm -f "$1.csr"
  }
  sign server "/CN=smo-lab-server" server.ext ca
  sign admin "/O=system:masters/CN=admin" client.ext ca
  sign front-proxy-client "/CN=front-proxy-client" client.ext front-proxy-ca
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  cd - >/dev/null
}

apiserver() { # COMPONENT CLUSTER PORT [flags...]: kubeconfig CLUSTER.kubeconfig, etcd prefix /CLUSTER
  local component=$1 name=$2 port=$3; shift 3
  run "$component" "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port="$port" --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix="/$name" \
    --tls-cert-file="$PKI/server.crt" --tls-private-key-file="$PKI/server.key" --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --cert-dir="$DATA/$component" --profiling=false "$@"
  kubeconfig "$name" "$port"
}

controller_manager() { # NAME PORT CLUSTER CONTROLLERS
  local cfg="$LAB/$3.kubeconfig"
  run "$1" "$BIN/kube-controller-manager" --kubeconfig="$cfg" --authentication-kubeconfig="$cfg" --authorization-kubeconfig="$cfg" \
    --bind-address=127.0.0.1 --secure-port="$2" --cert-dir="$DATA/$1" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --leader-elect=false --use-service-account-credentials=false --cluster-name="$3" --controllers="$4"
}

# Submariner's CRDs as SMO reads them (external-apis §3): no status subresource, so `kubectl apply` writes the
# gateways' status (RTTs) directly; SMO only lists these objects.
submariner_crds() {
  local kind plural
  for kind in Cluster Gateway; do
    plural=$(echo "${kind}s" | tr '[:upper:]' '[:lower:]')
    cat <<Y
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: $plural.submariner.io}
spec:
  group: submariner.io
  scope: Namespaced
  names: {kind: $kind, listKind: ${kind}List, plural: $plural, singular: $(echo "$kind" | tr '[:upper:]' '[:lower:]')}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
Y
  done
}

prometheus_rule_crd() {
  cat <<'Y'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: prometheusrules.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: PrometheusRule, listKind: PrometheusRuleList, plural: prometheusrules, singular: prometheusrule, shortNames: [promrule]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              groups:
                type: array
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    interval: {type: string}
                    rules: {type: array, items: {type: object, x-kubernetes-preserve-unknown-fields: true}}
Y
}

# Round trips between the members as Submariner's gateways would measure them (member1 ↔ member2: 4.2 ms).
submariner_objects() {
  local m other cidr
  echo "apiVersion: v1
kind: Namespace
metadata: {name: submariner-k8s-broker}
---
apiVersion: v1
kind: Namespace
metadata: {name: submariner-operator}"
  for m in member1 member2; do
    other=member2; [[ $m == member2 ]] && other=member1
    cidr=1; [[ $m == member2 ]] && cidr=2
    cat <<Y
---
apiVersion: submariner.io/v1
kind: Cluster
metadata: {name: $m, namespace: submariner-k8s-broker}
spec: {cluster_id: $m, color_codes: [blue], cluster_cidr: ["10.24$cidr.0.0/16"], service_cidr: ["10.9$cidr.0.0/16"], global_cidr: []}
---
apiVersion: submariner.io/v1
kind: Gateway
metadata: {name: $m-gw, namespace: submariner-operator}
status:
  haStatus: active
  localEndpoint: {cluster_id: $m, hostname: $m-gw, backend: libreswan}
  connections:
  - status: connected
    endpoint: {cluster_id: $other, hostname: $other-gw, backend: libreswan}
    latencyRTT: {last: 4.2ms, min: 4.1ms, average: 4.2ms, max: 4.4ms, stdDev: 80µs}
Y
  done
}

node_manifest() { # MEMBER
  local cpu memory gpu extra=""
  read -r cpu memory gpu < <(member_capacity "$1")
  [[ $gpu != 0 ]] && extra=", nvidia.com/gpu: \"$gpu\""
  cat <<Y
apiVersion: v1
kind: Node
metadata:
  name: $1-node
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {type: kwok, kubernetes.io/hostname: $1-node, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  allocatable: {cpu: "$cpu", memory: $memory, pods: "110"$extra}
  capacity: {cpu: "$cpu", memory: $memory, pods: "110"$extra}
Y
}

member() { # NAME
  local name=$1 port kcm sched kwok
  read -r port kcm sched kwok < <(member_ports "$name")
  apiserver "$name-apiserver" "$name" "$port"
  wait_for "$name-apiserver" 60 api_ready "$port"
  kc "$name" apply -f - >/dev/null < <(prometheus_rule_crd)
  # ServiceExport/ServiceImport, which the charts propagate to the members.
  kc "$name" apply -f "$(manifests_dir)/crds/multicluster" >/dev/null
  controller_manager "$name-kcm" "$kcm" "$name" '*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle'
  local cfg="$LAB/$name.kubeconfig"
  run "$name-scheduler" "$BIN/kube-scheduler" --kubeconfig="$cfg" --authentication-kubeconfig="$cfg" --authorization-kubeconfig="$cfg" \
    --bind-address=127.0.0.1 --secure-port="$sched" --leader-elect=false
  run "$name-kwok" "$BIN/kwok" --kubeconfig="$cfg" --server-address="127.0.0.1:$kwok" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 --cidr=10.0.0.1/24 --node-ip=10.0.0.1
  kc "$name" apply -f - >/dev/null < <(node_manifest "$name")
}

# Karmada's CRDs and webhook configuration of the release the binaries were built from (kept beside them).
manifests_dir() {
  local dir
  dir="$(dirname "$(readlink -f "$BIN/karmada-controller-manager")")/manifests"
  [[ -d $dir/crds ]] || die "Karmada manifests missing in $dir: run scripts/build-tools.sh"
  echo "$dir"
}

karmada_plane() {
  local manifests cabundle cfg="$LAB/karmada-apiserver.kubeconfig"
  manifests=$(manifests_dir)
  apiserver karmada-apiserver karmada-apiserver "$KARMADA_PORT" --disable-admission-plugins=StorageObjectInUseProtection,ServiceAccount
  wait_for karmada-apiserver 60 api_ready "$KARMADA_PORT"
  kc karmada-apiserver apply --server-side -R -f "$manifests/crds" >/dev/null
  { prometheus_rule_crd; submariner_crds; } | kc karmada-apiserver apply -f - >/dev/null
  kc karmada-apiserver create namespace karmada-system >/dev/null
  kc karmada-apiserver create namespace karmada-cluster >/dev/null
  run karmada-aggregated-apiserver "$BIN/karmada-aggregated-apiserver" \
    --kubeconfig="$cfg" --authentication-kubeconfig="$cfg" --authorization-kubeconfig="$cfg" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix=/karmada-aggregated \
    --bind-address=127.0.0.1 --secure-port="$AGGREGATED_PORT" \
    --tls-cert-file="$PKI/server.crt" --tls-private-key-file="$PKI/server.key" \
    --cert-dir="$DATA/karmada-aggregated-apiserver" --audit-log-path=- --audit-log-maxage=0 --audit-log-maxbackup=0
  cabundle=$(base64 -w0 <"$PKI/ca.crt")
  kc karmada-apiserver apply -f - >/dev/null <<Y
apiVersion: v1
kind: Service
metadata: {name: karmada-aggregated-apiserver, namespace: karmada-system}
spec: {type: ExternalName, externalName: localhost}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1alpha1.cluster.karmada.io}
spec:
  caBundle: $cabundle
  group: cluster.karmada.io
  groupPriorityMinimum: 2000
  service: {name: karmada-aggregated-apiserver, namespace: karmada-system, port: $AGGREGATED_PORT}
  version: v1alpha1
  versionPriority: 10
Y
  # Karmada needs the garbage collector, namespaces and service-account tokens on its own API server.
  controller_manager karmada-kcm "$KARMADA_KCM_PORT" karmada-apiserver \
    namespace,garbagecollector,serviceaccount-token,ttl-after-finished,bootstrapsigner,tokencleaner,csrcleaner,csrsigning,clusterrole-aggregation
  # Without the webhook PropagationPolicies get no permanent-id label and karmada-scheduler ignores every binding.
  mkdir -p "$DATA/karmada-webhook-certs"
  cp "$PKI/server.crt" "$DATA/karmada-webhook-certs/tls.crt"; cp "$PKI/server.key" "$DATA/karmada-webhook-certs/tls.key"
  run karmada-webhook "$BIN/karmada-webhook" --kubeconfig="$cfg" --bind-address=127.0.0.1 --secure-port="$WEBHOOK_PORT" \
    --cert-dir="$DATA/karmada-webhook-certs" --metrics-bind-address="127.0.0.1:$((B + 18))" --health-probe-bind-address="127.0.0.1:$((B + 19))"
  run karmada-controller-manager "$BIN/karmada-controller-manager" --kubeconfig="$cfg" --cluster-status-update-frequency=5s \
    --leader-elect=false --metrics-bind-address="127.0.0.1:$((B + 14))" --health-probe-bind-address="127.0.0.1:$((B + 15))"
  run karmada-scheduler "$BIN/karmada-scheduler" --kubeconfig="$cfg" --enable-scheduler-estimator=false \
    --leader-elect=false --metrics-bind-address="127.0.0.1:$((B + 16))" --health-probe-bind-address="127.0.0.1:$((B + 17))"
  wait_for karmada-webhook 60 curl -sk "https://127.0.0.1:$WEBHOOK_PORT/"
  sed -e "s#karmada-webhook.karmada-system.svc:443#localhost:$WEBHOOK_PORT#g" -e "s#{{caBundle}}#$cabundle#g" \
    "$manifests/webhook-configuration.yaml" | kc karmada-apiserver apply -f - >/dev/null
}

registry() {
  mkdir -p "$DATA/registry"
  run registry "$BIN/crane" registry serve --address "127.0.0.1:$REGISTRY_PORT" --disk "$DATA/registry"
  wait_for registry 30 curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/"
  local chart work="$LAB/charts"
  rm -rf "$work"; mkdir -p "$work"
  export HELM_CACHE_HOME=$LAB/helm/cache HELM_CONFIG_HOME=$LAB/helm/config HELM_DATA_HOME=$LAB/helm/data
  for chart in $CHARTS; do
    cp -r "$CHART_SRC" "$work/$chart"
    sed -i "s/^name: .*/name: $chart/" "$work/$chart/Chart.yaml"
    "$BIN/helm" package "$work/$chart" -d "$work" >/dev/null
    "$BIN/helm" push "$work/$chart-0.1.0.tgz" "oci://127.0.0.1:$REGISTRY_PORT/charts" --plain-http >/dev/null 2>&1 \
      || die "helm push of $chart failed"
  done
}

clusters_ready() {
  [[ "$(kc karmada-apiserver get clusters -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')" == "True True " ]]
}
summaries_ready() { # both clusters report allocatable CPU from their nodes
  [[ "$(kc karmada-apiserver get clusters -o jsonpath='{range .items[*]}{.status.resourceSummary.allocatable.cpu}{" "}{end}')" == "8 16 " ]]
}

up() {
  for tool in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok karmadactl karmada-webhook crane helm; do
    [[ -x $BIN/$tool ]] || die "$BIN/$tool missing: run scripts/build-tools.sh"
  done
  if ls "$RUN"/*.pid >/dev/null 2>&1; then die "a lab seems to run in $LAB already (run/*.pid): 'down' it first"; fi
  local port
  for port in $(seq "$B" $((B + 49))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use (set SMO_LAB_PORT_BASE)"; fi
  done
  rm -rf "$DATA" "$LOGS"; mkdir -p "$RUN" "$DATA" "$LOGS"
  say "certificates"; certs
  say "etcd"
  run etcd "$BIN/etcd" --name lab --data-dir "$DATA/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "lab=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "http://127.0.0.1:$((B + 2))" \
    --quota-backend-bytes 4294967296 --log-level warn
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"
  say "karmada control plane"; karmada_plane
  say "members"; member member1; member member2
  say "registry and charts"; registry
  wait_for "aggregated API (cluster.karmada.io)" 60 kc karmada-apiserver get --raw /apis/cluster.karmada.io/v1alpha1
  say "join"
  for m in member1 member2; do
    "$BIN/karmadactl" join "$m" --kubeconfig "$LAB/karmada-apiserver.kubeconfig" \
      --cluster-kubeconfig "$LAB/$m.kubeconfig" --cluster-context "$m" >>"$LOGS/join.log" 2>&1 || die "join $m failed (logs/join.log)"
  done
  kc karmada-apiserver apply -f - >/dev/null < <(submariner_objects)
  wait_for "clusters Ready" 90 clusters_ready
  wait_for "cluster resource summaries" 60 summaries_ready
  cat >"$LAB/env" <<E
# Written by scripts/karmada-lab.sh up $LAB
export SMO_LAB_DIR=$LAB
export KARMADA_KUBECONFIG=$LAB/karmada-apiserver.kubeconfig
export SUBMARINER_KUBECONFIG=$LAB/karmada-apiserver.kubeconfig
export MEMBER1_KUBECONFIG=$LAB/member1.kubeconfig
export MEMBER2_KUBECONFIG=$LAB/member2.kubeconfig
export SMO_TEST_REGISTRY=oci://127.0.0.1:$REGISTRY_PORT/charts
export INSECURE_REGISTRY=true
export SMO_HELM_BINARY=$BIN/helm
E
  say "up: $(ls "$RUN"/*.pid | wc -l) processes, $(rss_mb) MB RSS; env in $LAB/env"
}

rss_mb() {
  local total=0 f pid
  for f in "$RUN"/*.pid; do
    pid=$(cat "$f")
    total=$((total + $(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo $((total / 1024))
}

down() {
  [[ -d $RUN ]] || { echo "karmada-lab: nothing runs in $LAB"; return 0; }
  local f name controllers=() apiservers=()
  for f in "$RUN"/*.pid; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .pid)
    case $name in etcd) ;; *-apiserver) apiservers+=("$name") ;; *) controllers+=("$name") ;; esac
  done
  # Controllers first, API servers next, etcd last.
  stop_all "${controllers[@]}"
  stop_all "${apiservers[@]}"
  stop_all etcd
  say "down: every process stopped"
}

case $CMD in
  up) up ;;
  down) down ;;
  stop) [[ $# -eq 3 ]] || usage; stop_one "$3" ;;
  start) [[ $# -eq 3 && -f $RUN/$3.cmd ]] || usage; running "$3" || launch "$3" ;;
  status) for f in "$RUN"/*.cmd; do n=$(basename "$f" .cmd); if running "$n"; then echo "$n running"; else echo "$n stopped"; fi; done ;;
  *) usage ;;
esac
