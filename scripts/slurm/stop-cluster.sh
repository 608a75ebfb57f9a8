#!/usr/bin/env bash
# Stops the single-node Slurm cluster that scripts/slurm/start-cluster.sh started: slurmctld and
# slurmd (through `scontrol shutdown`), then munged by the pid in its pid file. Jobs still running
# are killed. Leaves /etc/slurm/slurm.conf and the munge key in place for the next start.
set -euo pipefail

wait_gone() { # <pid file>: waits up to 30 s for the daemon named in the pid file to exit
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  echo "stop-cluster: process $pid from $1 is still running" >&2
  return 1
}

stopped=()
if command -v scontrol >/dev/null 2>&1 && scontrol ping >/dev/null 2>&1; then
  scontrol shutdown >/dev/null
  wait_gone /run/slurmctld.pid
  wait_gone /run/slurmd.pid
  stopped+=(slurmctld slurmd)
fi
if [ -f /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; then
  kill "$(cat /run/munge/munged.pid)"
  wait_gone /run/munge/munged.pid
  stopped+=(munged)
fi
echo "slurm: stopped ${stopped[*]:-nothing (no cluster was running)}"
