#!/usr/bin/env bash
# Fleet benchmarks: camaudit and peers against the simulated fleet in network namespaces.
# Manual only (root; creates and deletes its own namespaces). Results in bench/results/.
#   bench/run.sh smoke     N=20, 1 run, camaudit only, fails unless every camera is identified (< 30 s)
#   bench/run.sh camaudit  camaudit on clean fleets (50/250/1000, --wait 1s) and the issue-2 figure
#   bench/run.sh peers     camaudit, WSDiscovery + onvif-zeep-async, npm onvif; fleets with stragglers
#   bench/run.sh full      camaudit, then peers
# Peers: bench/setup-peers.sh first. Parsers: cargo bench -p camaudit-protocol --bench parse
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p camaudit -p camaudit-test-support -p camaudit-bench
B=target/release/camaudit-fleetbench

camaudit() {
  timeout 20m "$B" --sizes 50,250,1000 --runs 5 --check --label camaudit-clean-wait1s "$@"
  timeout 20m "$B" --sizes 50,250,1000 --runs 5 --stragglers --label camaudit-stragglers-wait1s "$@"
  timeout 10m "$B" --sizes 250 --runs 5 --wait 2s --check --label issue2-clean-wait2s "$@"
}

peers() {
  timeout 3h "$B" --sizes 50,250,1000 --runs 5 --stragglers \
    --tools camaudit,wsd-zeep,node-onvif --label peers-stragglers-wait1s "$@"
}

case "${1:-full}" in
  smoke) shift || true; timeout 60 "$B" --sizes 20 --runs 1 --warmup 0 --stragglers --check --label smoke "$@" ;;
  camaudit) shift; camaudit "$@" ;;
  peers) shift; peers "$@" ;;
  full) shift || true; camaudit "$@"; peers "$@" ;;
  *) echo "usage: $0 smoke|camaudit|peers|full [extra camaudit-fleetbench flags]" >&2; exit 2 ;;
esac
