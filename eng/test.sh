#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs and starts every service the tests need
# (RabbitMQ, ActiveMQ, PostgreSQL, Redis, the Python interop peers), then runs every test project.
#
# Three passes. Tests that restart a shared broker (class names containing "BrokerRestart") run on
# their own, one at a time, after everything else: a broker restart in the middle of another
# assembly's test would fail that test for a reason it does not own. Then every benchmark case runs
# once (a smoke run, no figures). Then the cluster suite ("ClusterFailover") runs alone on the
# three-node RabbitMQ cluster of eng/cluster.sh, started only for it so its three nodes do not
# compete for the cores with the passes before.
set -euo pipefail
cd "$(dirname "$0")/.."

eng/services.sh up
# shellcheck source=eng/env.sh
source eng/env.sh

log=$(mktemp -t eventing-tests.XXXXXX)
# The fault suite appends one line per provider and scenario here (confirmed, delivered, lost, duplicates, resume).
EVENTING_FAULT_SUMMARY=$(mktemp -t eventing-faults.XXXXXX)
export EVENTING_FAULT_SUMMARY
bench=$(mktemp -d -t eventing-bench.XXXXXX)
trap 'rm -rf "$log" "$EVENTING_FAULT_SUMMARY" "$bench"' EXIT

dotnet build Eventing.sln -c Release --nologo -v:q -clp:ErrorsOnly

status=0
dotnet test Eventing.sln -c Release --no-build --nologo \
  --filter 'FullyQualifiedName!~BrokerRestart&FullyQualifiedName!~ClusterFailover' \
  --blame-hang-timeout 5m 2>&1 | tee -a "$log" || status=$?

dotnet test Eventing.sln -c Release --no-build --nologo -m:1 \
  --filter 'FullyQualifiedName~BrokerRestart' \
  --blame-hang-timeout 5m -- xUnit.ParallelizeTestCollections=false 2>&1 | tee -a "$log" || status=$?

# Every benchmark case once, in process: a benchmark that throws, or whose twin or provider loses messages, fails
# the run. Their figures come from a quiet machine (README, Benchmarks). The benchmarks bound their own waits; the
# timeout (the run takes ~2 min) only keeps a hang elsewhere (setup, cleanup) from holding CI.
bench_status=0
timeout -k 30s 15m dotnet run -c Release --no-build --project tests/Eventing.Benchmarks -- --smoke --filter '*' \
  --artifacts "$bench/artifacts" > "$bench/log" 2>&1 || bench_status=$?
if [[ $bench_status -ne 0 ]]; then
  tail -n 200 "$bench/log"
  status=$bench_status
fi

# A cluster that does not start fails its tests (their fixture tries again and reports why).
eng/cluster.sh up || status=$?
dotnet test Eventing.sln -c Release --no-build --nologo -m:1 \
  --filter 'FullyQualifiedName~ClusterFailover' \
  --blame-hang-timeout 5m -- xUnit.ParallelizeTestCollections=false 2>&1 | tee -a "$log" || status=$?
eng/cluster.sh down >/dev/null 2>&1 || true

if [[ -s $EVENTING_FAULT_SUMMARY ]]; then
  echo "Fault suite:"
  sed 's/^fault-summary: /  /' "$EVENTING_FAULT_SUMMARY"
fi

grep -h "^Benchmark smoke run" "$bench/log" || echo "Benchmark smoke run: no summary (exit code $bench_status; 124: not done within 15 min)"

# One closing line for the whole run (dotnet test prints one per assembly and pass).
awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") failed += $(i + 1)
      if ($i == "Passed:") passed += $(i + 1)
      if ($i == "Skipped:") skipped += $(i + 1)
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
