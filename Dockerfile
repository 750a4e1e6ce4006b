# SMO production image: Node 24, the compiled TypeScript, config/, and helm (built from the Go module
# proxy in a builder stage, as scripts/build-tools.sh does). hdarctl is not redistributed: mount it
# and set SMO_HDARCTL_BINARY (only `{"artifact": …}` deployments need it).
ARG HELM_VERSION=v3.22.0

FROM golang:1.26-bookworm AS helm
ARG HELM_VERSION
RUN CGO_ENABLED=0 GOBIN=/out go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY projections ./projections
COPY bench ./bench
RUN npx tsc -p tsconfig.build.json && node scripts/copy-console-assets.cjs && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=8000 SMO_BIND=0.0.0.0 SMO_DATA_DIR=/data SMO_HELM_BINARY=/usr/local/bin/helm
WORKDIR /app
COPY --from=helm /out/helm /usr/local/bin/helm
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
COPY package.json ./
# An init as PID 1 (tini, from Debian): node there reaps only the children it started, so whatever a killed helm
# left behind (a credential plugin, a post-renderer) stayed a zombie for the container's life; tini reaps them and
# passes SIGTERM/SIGINT on to SMO.
RUN apt-get update && apt-get install -y --no-install-recommends 'tini=0.19.0-1*' && rm -rf /var/lib/apt/lists/*
# The volume's mount point exists and belongs to the runtime user before VOLUME, so a new named volume is writable.
RUN mkdir -p /data && chown 1000:1000 /data
# The image's "node" user, by number so the host can resolve it.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8000
# Liveness on the port and address SMO listens on (PORT, SMO_BIND; 0.0.0.0 or :: through loopback). /health/live needs
# no token, even with SMO_PROTECT_OPERATIONS. A readinessProbe would use /health/ready (README, Production mode).
HEALTHCHECK --interval=15s --timeout=3s CMD ["node", "-e", "const b=process.env.SMO_BIND||'';const h=['','0.0.0.0','::'].includes(b)?'127.0.0.1':b.includes(':')?'['+b+']':b;fetch('http://'+h+':'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# A young generation capped at 8 MB per semi-space (left to itself V8 grows it to 64 MB during a catch-up and keeps
# it), and the old generation grown by half its live size at a time (V8's own factor, up to 4x while allocation is
# fast, sizes the heap for the catch-up's garbage). See the README's "Where the memory goes".
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "dist/src/main.js"]
