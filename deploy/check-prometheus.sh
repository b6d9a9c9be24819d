#!/usr/bin/env bash
# End-to-end monitoring check (run by .ci/run after the test suite; needs no Docker):
#   1. promtool: check config, check rules, test rules (deploy/prometheus/tests);
#   2. starts the service (./hindsight serve, embedded H2, loopback, random free ports) with the
#      image's actuator settings, and a real Prometheus on deploy/prometheus/prometheus.yml whose
#      target is replaced by the service's actuator port;
#   3. trains a tiny quantized job over HTTP with the API key and waits for it to succeed;
#   4. asserts through Prometheus's query API that the key series exist with sensible values,
#      that every alert rule evaluates without error and none fires, that every dashboard query
#      is valid PromQL; after ordinary API traffic (answered, 404 and 400) lints the scraped
#      /actuator/prometheus text with `promtool check metrics` (every family, HELP text included).
# Bounded (CHECK_TIMEOUT, default 170 s); every process it starts is stopped on exit.
# Options: --keep DIR      copy the logs, the rendered prometheus.yml and the scrape into DIR
#          --snapshot PNG  afterwards train a few more jobs (one fails on NaN) and render the
#                          dashboard's queries to PNG (deploy/dashboard-snapshot.sh; not in CI)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
limit="${CHECK_TIMEOUT:-170}"
keep=""
snapshot=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep="$2"; shift 2 ;;
    --snapshot) snapshot="$2"; shift 2 ;;
    *) echo "usage: $0 [--keep DIR] [--snapshot PNG]" >&2; exit 2 ;;
  esac
done

log() { printf '[check-prometheus %3ds] %s\n' "$SECONDS" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
left() { echo $(( limit - SECONDS )); }

# ---- tools: CI machines start fresh; install what is missing (CI runs as root) -------------------
missing=()
for tool in prometheus promtool curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if (( ${#missing[@]} )); then
  [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null \
    || fail "missing ${missing[*]}: apt-get install prometheus curl jq"
  log "installing ${missing[*]} (Debian packages prometheus, curl, jq)"
  # The package would start a system Prometheus on :9090; this check runs its own. policy-rc.d
  # (exit 101) is Debian's way to install without starting services.
  own_policy=0
  [[ -e /usr/sbin/policy-rc.d ]] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1; }
  installed=0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    prometheus curl jq >/dev/null && installed=1
  if (( own_policy )); then rm -f /usr/sbin/policy-rc.d; fi
  (( installed )) || fail "apt-get install prometheus curl jq failed"
fi
[[ -x target/hindsight.jar || -f target/hindsight.jar ]] || log "target/hindsight.jar missing: ./hindsight builds it"

work="$(mktemp -d /tmp/hindsight-check.XXXXXX)"
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $rc -ne 0 ]]; then
    for f in service.log prometheus.log; do
      [[ -f "$work/$f" ]] && { echo "---- last lines of $f"; tail -n 40 "$work/$f"; }
    done
  fi
  if [[ -n "$keep" ]]; then mkdir -p "$keep" && cp -r "$work"/. "$keep"/ 2>/dev/null || true; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. static checks ------------------------------------------------------------------------------
promtool check config deploy/prometheus/prometheus.yml >/dev/null || fail "promtool check config"
promtool check rules deploy/prometheus/rules/*.yml >/dev/null || fail "promtool check rules"
promtool test rules deploy/prometheus/tests/*.yml >/dev/null || fail "promtool test rules"
log "promtool check config, check rules, test rules: ok"

# ---- 2. service and Prometheus on free loopback ports ----------------------------------------------
used=" "
# Ports below the kernel's ephemeral range: a port probed free there can be taken by an outgoing
# connection (the service's own, a test's) before the listener binds it.
read -r ephemeral_lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_lo=32768
(( ephemeral_lo > 12000 )) || ephemeral_lo=32768
free_port() {
  local p
  while :; do
    p=$(( 10000 + RANDOM % (ephemeral_lo - 10000) ))
    [[ "$used" == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue   # something listens there
    used+="$p "
    echo "$p"
    return
  done
}
app_port=$(free_port); mgmt_port=$(free_port); prom_port=$(free_port)
key="check-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
app="http://127.0.0.1:$app_port"
mgmt="http://127.0.0.1:$mgmt_port"
prom="http://127.0.0.1:$prom_port"

# The image's settings (Dockerfile): actuator on its own port, metrics open there.
env -u SPRING_DATASOURCE_URL -u SPRING_DATASOURCE_USERNAME -u SPRING_DATASOURCE_PASSWORD \
  SERVER_PORT="$app_port" MANAGEMENT_SERVER_PORT="$mgmt_port" SERVER_ADDRESS=127.0.0.1 \
  MANAGEMENT_SERVER_ADDRESS=127.0.0.1 HINDSIGHT_SECURITY_PROTECT_PROMETHEUS=false \
  HINDSIGHT_API_KEY="$key" HINDSIGHT_DATADIR="$work/data" HINDSIGHT_WORKER_THREADS=1 \
  JAVA_OPTS="-Xmx1g" ./hindsight serve >"$work/service.log" 2>&1 &
service_pid=$!
pids+=("$service_pid")

mkdir -p "$work/prom"
cp -r deploy/prometheus/rules "$work/prom/"
sed -e 's/^\(  scrape_interval:\) 15s$/\1 1s/' -e 's/^\(  evaluation_interval:\) 15s$/\1 1s/' \
    -e '/# targets (check-prometheus.sh replaces/,$d' deploy/prometheus/prometheus.yml >"$work/prom/prometheus.yml"
printf '    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$mgmt_port" >>"$work/prom/prometheus.yml"
grep -q 'scrape_interval: 1s' "$work/prom/prometheus.yml" || fail "prometheus.yml: no '  scrape_interval: 15s' line to override"
promtool check config "$work/prom/prometheus.yml" >/dev/null || fail "promtool check config (rendered for the check)"
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=("$!")
echo "$prom" >"$work/prometheus-url"

# wait_for SECONDS WHAT COMMAND...: retries COMMAND every 0.5 s until it succeeds
wait_for() {
  local until=$(( SECONDS + $1 )) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$service_pid" 2>/dev/null || fail "the service exited while waiting for $what"
    (( SECONDS < until && SECONDS < limit )) || fail "timed out waiting for $what"
    sleep 0.5
  done
}
wait_for "$(left)" "Prometheus ready" curl -fsS -m 2 "$prom/-/ready"
wait_for "$(left)" "the service's readiness probe" curl -fsS -m 2 "$mgmt/actuator/health/readiness"
log "service ready on $app (actuator $mgmt), Prometheus on $prom"
curl -fsS -m 5 "$mgmt/actuator/health/liveness" >/dev/null || fail "liveness probe"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$app/api/v1/jobs")
[[ "$code" == 401 ]] || fail "the API answered $code without a key (expected 401)"

# ---- 3. a tiny quantized job -----------------------------------------------------------------------
submit() {  # submit SPEC -> job id
  local body code
  body=$(curl -sS -m 10 -w '\n%{http_code}' -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data "$1" "$app/api/v1/jobs")
  code="${body##*$'\n'}"; body="${body%$'\n'*}"
  [[ "$code" == 201 ]] || { echo "$body" >&2; return 1; }
  jq -r .id <<<"$body"
}
await() {  # await ID STATUS
  local until=$(( SECONDS + $(left) )) status=""
  while (( SECONDS < until )); do
    status=$(curl -fsS -m 5 -H "Authorization: Bearer $key" "$app/api/v1/jobs/$1" | jq -r .status)
    [[ "$status" == "$2" ]] && return 0
    case "$status" in SUCCEEDED|FAILED|CANCELLED) fail "job $1 ended $status, expected $2" ;; esac
    sleep 0.5
  done
  fail "timed out waiting for job $1 to reach $2 (last: $status)"
}
spec() {  # spec TRAIN-EXAMPLES TRAINING-FIELDS [TOP-LEVEL FIELDS]: a synthetic MLP job
  printf '{"model": {"arch": "mlp"}, "dataset": {"name": "synthetic", "trainLimit": %s, "testLimit": 64},
    "training": {%s}%s}' "$1" "$2" "${3:+, $3}"
}
tiny='"epochs": 1, "batchSize": 32, "seed": 7'   # 256 examples: 8 steps
job_spec=$(spec 256 "$tiny" '"quantization": {}')
job=$(submit "$job_spec") || fail "the service refused the job spec"
log "submitted tiny quantized job $job; waiting for it to succeed"
await "$job" SUCCEEDED
log "job $job SUCCEEDED"

# ---- ordinary API traffic, answered and refused, so the scrape holds the HTTP series of both ------
traffic() {  # traffic EXPECTED-CODE METHOD PATH [JSON]
  local code
  code=$(curl -sS -o /dev/null -w '%{http_code}' -m 10 -X "$2" -H "Authorization: Bearer $key" \
    ${4:+-H 'Content-Type: application/json' --data "$4"} "$app$3")
  [[ "$code" == "$1" ]] || fail "$2 $3 answered $code, expected $1"
}
unknown="00000000-0000-4000-8000-000000000000"
traffic 200 GET /api/v1/jobs
traffic 200 GET "/api/v1/jobs/$job"
traffic 200 GET "/api/v1/jobs/$job/result"
traffic 200 GET "/api/v1/jobs/$job/metrics"
traffic 200 GET "/api/v1/jobs/$job/quantizers"
traffic 200 GET /api/v1/datasets
traffic 404 GET "/api/v1/jobs/$unknown"
traffic 404 POST "/api/v1/jobs/$unknown/cancel"
traffic 400 GET /api/v1/jobs/not-an-id
traffic 400 POST /api/v1/jobs '{"model": {"arch": "nope"}}'
log "API traffic: 6 answered, 4 refused (404, 400)"
ended=$(date +%s)

# ---- 4. assertions through Prometheus --------------------------------------------------------------
query() {  # query PROMQL -> the first sample's value, empty when there is none
  curl -fsS -m 5 -G --data-urlencode "query=$1" "$prom/api/v1/query" | jq -r '.data.result[0].value[1] // empty'
}
# Wait for a scrape taken 3 s after the job ended: the queue gauges are database counts the
# service caches for 2 s.
scraped_after_job() { [[ "$(query 'timestamp(up{job="hindsight"})' | cut -d. -f1)" -gt $(( ended + 3 )) ]]; }
wait_for "$(left)" "Prometheus to scrape the finished job" scraped_after_job

failures=0
expect() {  # expect DESCRIPTION PROMQL JQ-CONDITION-ON-v
  local v
  v=$(query "$2")
  if [[ -n "$v" ]] && jq -en --argjson v "$v" "$3" >/dev/null 2>&1; then
    printf '  ok    %-58s %-14s %s\n' "$1" "$v" "$3"
  else
    printf '  FAIL  %-58s %-14s %s   [%s]\n' "$1" "${v:-<none>}" "$3" "$2"
    failures=$((failures + 1))
  fi
}
log "assertions (PromQL via $prom/api/v1/query):"
expect 'target up' 'up{job="hindsight"}' '$v == 1'
expect 'jobs submitted' 'sum(hindsight_jobs_submitted_total)' '$v >= 1'
expect 'jobs succeeded' 'sum(hindsight_jobs_succeeded_total)' '$v >= 1'
expect 'queue empty again' 'max(hindsight_jobs_queued)' '$v == 0'
expect 'nothing running' 'max(hindsight_jobs_running)' '$v == 0'
expect 'test accuracy recorded (count)' 'sum(hindsight_job_test_accuracy_count)' '$v >= 1'
expect 'test accuracy in [0, 1] (mean)' 'sum(hindsight_job_test_accuracy_sum) / sum(hindsight_job_test_accuracy_count)' '$v >= 0 and $v <= 1'
expect 'training samples (1 epoch of 256)' 'sum(hindsight_training_samples_total)' '$v >= 256'
expect 'training steps timed' 'sum(hindsight_step_duration_seconds_count)' '$v >= 8'
expect 'step-time histogram buckets' 'count(hindsight_step_duration_seconds_bucket)' '$v > 1'
expect 'step time p90 from buckets (s)' 'histogram_quantile(0.9, sum by (le) (hindsight_step_duration_seconds_bucket))' '$v > 0 and $v < 60'
expect 'job duration recorded' 'sum(hindsight_job_duration_seconds_count{status="succeeded"})' '$v >= 1'
expect 'bytes moved by quantization' 'sum(hindsight_quantization_bytes_moved_total)' '$v > 0'
expect 'bytes moved < bytes if dynamic' 'sum(hindsight_quantization_bytes_moved_if_dynamic_total) - sum(hindsight_quantization_bytes_moved_total)' '$v > 0'
expect 'saving ratio (dynamic / in-hindsight)' 'sum(hindsight_quantization_bytes_moved_if_dynamic_total) / sum(hindsight_quantization_bytes_moved_total)' '$v > 1'
expect 'clipped fraction recorded, tensor kinds' 'count(count by (tensor_kind) (hindsight_quantization_clipped_fraction_count))' '$v >= 1'
expect 'clipped fraction in [0, 1] (max)' 'max(hindsight_quantization_clipped_fraction_max)' '$v >= 0 and $v <= 1'
expect 'non-finite events series, tensor kinds' 'count(count by (tensor_kind) (hindsight_quantization_nonfinite_events_total))' '$v >= 1'
expect 'no alert firing on a healthy service' 'count(ALERTS{alertstate="firing"}) or vector(0)' '$v == 0'

# Every alert rule loaded and evaluated without error on the real series.
rules_json=$(curl -fsS -m 5 "$prom/api/v1/rules")
declared=$(grep -c '^ *- alert:' deploy/prometheus/rules/*.yml | awk -F: '{s += $NF} END {print s}')
loaded=$(jq '[.data.groups[].rules[] | select(.type == "alerting")] | length' <<<"$rules_json")
unhealthy=$(jq -r '.data.groups[].rules[] | select(.health != "ok" and .health != "unknown") | "\(.name): \(.lastError)"' <<<"$rules_json")
if [[ "$loaded" == "$declared" && -z "$unhealthy" ]]; then
  printf '  ok    %-58s %s\n' "alert rules loaded and evaluating" "$loaded/$declared"
else
  printf '  FAIL  alert rules: %s of %s loaded; errors: %s\n' "$loaded" "$declared" "${unhealthy:-none}"
  failures=$((failures + 1))
fi

# Every dashboard query is valid PromQL (Grafana's interval variables set to the check's scale).
bad=0; total=0
while IFS= read -r expr; do
  total=$((total + 1))
  e=${expr//\$__rate_interval/10s}; e=${e//\$__range/5m}; e=${e//\$__interval/2s}
  status=$(curl -sS -m 5 -G --data-urlencode "query=$e" "$prom/api/v1/query" | jq -r .status)
  [[ "$status" == success ]] || { echo "  FAIL  dashboard query rejected: $expr"; bad=$((bad + 1)); }
done < <(jq -r '.panels[].targets[].expr' deploy/grafana/dashboards/hindsight.json)
if (( bad == 0 && total > 0 )); then
  printf '  ok    %-58s %s\n' "dashboard queries accepted by Prometheus" "$total"
else
  failures=$((failures + 1))
fi

# The exposition passes Prometheus's linter, every family included (each has HELP text: meters
# registered without a description get one from MeterDescriptions).
curl -fsS -m 10 "$mgmt/actuator/prometheus" >"$work/scrape.txt"
grep -q '^http_server_requests_seconds_count{.*status="404"' "$work/scrape.txt" \
  || { echo "  FAIL  the scrape has no http_server_requests series of a 404 answer"; failures=$((failures + 1)); }
if lint=$(promtool check metrics <"$work/scrape.txt" 2>&1); then
  printf '  ok    %-58s %s lines, %s families\n' "promtool check metrics, whole /actuator/prometheus" \
    "$(wc -l <"$work/scrape.txt")" "$(grep -c '^# TYPE ' "$work/scrape.txt")"
else
  printf '  FAIL  promtool check metrics on /actuator/prometheus:\n%s\n' "$lint"
  failures=$((failures + 1))
fi

log "series hindsight_* in Prometheus (value at the last scrape):"
curl -fsS -m 5 -G --data-urlencode 'query={__name__=~"hindsight_.*", __name__!~".*_bucket"}' "$prom/api/v1/query" \
  | jq -r '.data.result[] | ([.metric | to_entries[] | select(.key | IN("__name__", "instance", "job", "application") | not)
      | "\(.key)=\"\(.value)\""] | join(",")) as $labels
      | [.metric.__name__ + (if $labels == "" then "" else "{" + $labels + "}" end), .value[1]] | @tsv' \
  | sort | awk -F'\t' '{printf "  %-100s %s\n", $1, $2}'
(( failures == 0 )) || fail "$failures assertion(s) failed"
log "all checks passed in ${SECONDS}s"

# ---- optional: a dashboard picture -----------------------------------------------------------------
if [[ -n "$snapshot" ]]; then
  start=$(date +%s)
  limit=$(( SECONDS + 300 ))
  log "snapshot: a burst of jobs (quantized, FP32, one failing on NaN) for the picture"
  ids=()
  for seed in 11 12 13 14 15; do
    fields='"quantization": {}'; (( seed == 15 )) && fields=""
    id=$(submit "$(spec 1024 "\"epochs\": 2, \"batchSize\": 32, \"seed\": $seed" "$fields")") || fail "submit"
    ids+=("$id")
  done
  failing=$(submit "$(spec 256 "$tiny, \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2")") \
    || fail "submit"
  for id in "${ids[@]}"; do await "$id" SUCCEEDED; done
  await "$failing" FAILED
  sleep 15   # a few more scrapes after the last job
  deploy/dashboard-snapshot.sh "$prom" "$start" "$(date +%s)" "$snapshot"
  log "snapshot written to $snapshot"
fi
