#!/usr/bin/env bash
# Validates the deployment manifests with the tools this machine has (run by .ci/run):
#   docker compose config (or docker-compose config) on docker-compose.yml, both profiles;
#   helm lint + helm template on helm/hindsight (defaults, and GPU + multi-replica + ServiceMonitor).
# A tool that is not installed is reported as skipped; a tool that is installed must pass.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

compose=()
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
fi
if (( ${#compose[@]} )); then
  HINDSIGHT_API_KEY=ci "${compose[@]}" -f docker-compose.yml config -q
  HINDSIGHT_API_KEY=ci "${compose[@]}" -f docker-compose.yml --profile gpu config -q
  echo "[check-manifests] ${compose[*]} config: ok (default and gpu profiles)"
else
  echo "[check-manifests] SKIP compose config: neither 'docker compose' nor docker-compose is installed"
fi

if command -v helm >/dev/null; then
  base=(--set apiKey=ci)
  fleet=(--set apiKey=ci,replicaCount=2,database.url=jdbc:postgresql://db:5432/hindsight,gpu.enabled=true
         --set serviceMonitor.enabled=true,persistence.accessMode=ReadWriteMany)
  helm lint helm/hindsight "${base[@]}"
  helm lint helm/hindsight "${fleet[@]}"
  helm template hindsight helm/hindsight "${base[@]}" >/dev/null
  helm template hindsight helm/hindsight "${fleet[@]}" >/dev/null
  # the chart refuses what cannot work: several replicas on a ReadWriteOnce volume
  if helm template hindsight helm/hindsight --set apiKey=ci,replicaCount=2,database.url=jdbc:postgresql://db/h \
      >/dev/null 2>&1; then
    echo "[check-manifests] helm template accepted 2 replicas on a ReadWriteOnce volume" >&2; exit 1
  fi
  echo "[check-manifests] helm lint, helm template: ok"
else
  echo "[check-manifests] SKIP helm lint/template: helm is not installed (not packaged by Debian)"
fi
