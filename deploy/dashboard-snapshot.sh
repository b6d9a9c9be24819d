#!/usr/bin/env bash
# Renders the Grafana dashboard's data without Grafana: runs every panel query of
# deploy/grafana/dashboards/hindsight.json against a Prometheus over a time window
# (/api/v1/query_range) and plots one small chart per panel, in the dashboard's order, to a PNG.
# Usage: deploy/dashboard-snapshot.sh PROMETHEUS-URL START-EPOCH END-EPOCH OUT.png
# Needs curl, jq, gnuplot (Debian: gnuplot-nox). Grafana's $__rate_interval becomes RATE_INTERVAL
# (default 15s: four scrapes of deploy/check-prometheus.sh's 1 s interval, with margin).
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: $0 PROMETHEUS-URL START END OUT.png" >&2; exit 2; }
prom="$1"; start="$2"; end="$3"; out="$4"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dashboard="$root/deploy/grafana/dashboards/hindsight.json"
rate="${RATE_INTERVAL:-15s}"
step=$(( (end - start) / 150 )); (( step >= 1 )) || step=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npanels=$(jq '[.panels[] | select(.targets)] | length' "$dashboard")
cols=4
rows=$(( (npanels + cols - 1) / cols ))
plot="$work/plot.gp"
{
  echo "set terminal pngcairo size $((cols * 520)),$((rows * 330 + 40)) font 'Sans,9'"
  echo "set output '$out'"
  echo "set multiplot layout $rows,$cols title \"Hindsight dashboard — Prometheus data, $(date -u -d "@$start" '+%Y-%m-%d %H:%M:%S')–$(date -u -d "@$end" '+%H:%M:%S') UTC (x: seconds)\" font 'Sans,12'"
  echo "set key top left font 'Sans,8' opaque"
  echo "set grid"
  echo "set yrange [0:*]"   # every panel shows a non-negative quantity
  echo "set xrange [0:$((end - start))]"
} >"$plot"

i=0
while IFS= read -r panel; do
  i=$((i + 1))
  title=$(jq -r '.title + (if .type == "stat" then " (stat)" else "" end)' <<<"$panel")
  unit=$(jq -r '.fieldConfig.defaults.unit // ""' <<<"$panel")
  scale=1; format='%g'
  case "$unit" in
    percentunit) scale=100; title+=" [%]"; format='%.3g' ;;
    bytes) format='%.1s %cB' ;;   # engineering notation: 25.4 MB
    s) format='%g s' ;;
  esac
  data="$work/panel$i.dat"; : >"$data"
  curves=()
  while IFS=$'\t' read -r expr legend; do
    e=${expr//\$__rate_interval/$rate}; e=${e//\$__range/$((end - start))s}; e=${e//\$__interval/${step}s}
    curl -fsS -m 20 -G --data-urlencode "query=$e" --data-urlencode "start=$start" \
      --data-urlencode "end=$end" --data-urlencode "step=$step" "$prom/api/v1/query_range" >"$work/result.json"
    # one gnuplot data block per returned series ("seconds-since-start value"), blocks apart by 2 blank lines
    jq -r --argjson t0 "$start" --argjson k "$scale" '.data.result[]
        | ([.values[] | select(.[1] != "NaN") | "\(.[0] - $t0) \((.[1] | tonumber) * $k)"] | join("\n")
           | if . == "" then "0 NaN" else . end), "", ""' \
      "$work/result.json" >>"$data"
    # legends: Grafana's {{label}} replaced by the series' label value
    while IFS= read -r name; do curves+=("$name"); done < <(jq -r --arg legend "$legend" '.data.result[] | . as $s
        | $legend | gsub("\\{\\{ *(?<l>[a-zA-Z_]+) *\\}\\}"; $s.metric[.l] // "")' "$work/result.json")
  done < <(jq -r '.targets[] | [.expr, .legendFormat] | @tsv' <<<"$panel")
  printf 'set title "%s"\nset format y "%s"\n' "$title" "$format" >>"$plot"
  if (( ${#curves[@]} == 0 )); then
    # no series yet (e.g. no lease was ever lost): an empty chart that says so
    echo "set label 1 'no data in this window' at graph 0.5,0.5 center" >>"$plot"
    echo "plot [0:$((end - start))][0:1] NaN notitle" >>"$plot"
    echo "unset label 1" >>"$plot"
  else
    parts=()
    for c in "${!curves[@]}"; do
      parts+=("'$data' index $c using 1:2 with steps lw 2 title \"${curves[$c]//\"/}\"")
    done
    (IFS=,; echo "plot ${parts[*]}") >>"$plot"
  fi
done < <(jq -c '.panels[] | select(.targets)' "$dashboard")
echo "unset multiplot" >>"$plot"
gnuplot "$plot"
