#!/usr/bin/env bash
# Runs the shared load harness (../shared/bench by default) with dirigo beside
# the peer servers, in one run, so the figures can be read as ratios:
#
#   bench/run.sh                        # memory sessions, all peers, all workloads
#   STORE=bolt bench/run.sh             # the embedded store (file in a temp dir)
#   STORE=redis://127.0.0.1:6379/0 bench/run.sh
#   RUNS=3 bench/run.sh                 # three runs, then a side-by-side table
#   SERVERS='go-raw' WORKLOADS='hello counter' bench/run.sh
#   PAGE=0 bench/run.sh                 # without the page workload (bench/page.sh)
#
# Each run ends with the `page` workload (a server page, bench/page.sh),
# appended to that run's results.tsv. After the runs, bench/summary.sh
# prints one line per workload: medians over the runs with their spread,
# and dirigo's ratio to every peer that ran the workload.
#
# Every other variable of the harness (DURATION, CONNS, PIN, ...) passes
# through; see ../shared/bench/README.md. Needs wrk (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
HARNESS=${HARNESS:-../shared/bench}
# From a worktree under /work/wt the shared folder is one level further up.
[[ -d $HARNESS ]] || HARNESS=../../shared/bench
STORE=${STORE:-memory}
RUNS=${RUNS:-1}
[[ -x $HARNESS/run.sh ]] || { echo "no harness at $HARNESS (set HARNESS)" >&2; exit 2; }

bin=$(mktemp -d)/dirigo
go build -o "$bin" ./cmd/dirigo
data=$(mktemp -d)
trap 'rm -rf "$(dirname "$bin")" "$data"' EXIT

export SUT_NAME=${SUT_NAME:-dirigo}
export SUT_CMD="$bin --addr 127.0.0.1:\$PORT --scripts \$SUT_SCRIPTS --sessions $STORE --data $data"
outs=()
for i in $(seq 1 "$RUNS"); do
  out=$(pwd)/bench/out/$(date -u +%Y%m%dT%H%M%SZ)-run$i
  OUT=$out "$HARNESS/run.sh"
  if [[ ${PAGE:-1} != 0 ]]; then
    HARNESS=$(cd "$HARNESS" && pwd) STORE=$STORE bench/page.sh "$bin" "$out"
  fi
  outs+=("$out")
done
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if (( RUNS > 1 )); then
  "$HARNESS/compare.sh" "${outs[@]}" | tee "$(pwd)/bench/out/compare-$stamp.md"
fi
bench/summary.sh -n "$SUT_NAME" "${outs[@]}" | tee "$(pwd)/bench/out/summary-$stamp.txt"
