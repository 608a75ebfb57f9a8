#!/usr/bin/env bash
# Starts a single-node Slurm cluster on this machine (munge + slurmctld + slurmd) for Trellis's
# Slurm backend and its integration test. Idempotent: a cluster that is already up is left alone,
# a slurm.conf that this script did not write is used as it is, and nothing is installed
# (Debian: apt-get install -y slurm-wlm munge). Needs root. Prints one line when the node is idle.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
MARK='# written by trellis scripts/slurm/start-cluster.sh'
HOST=$(hostname -s)
PARTITION=${TRELLIS_SLURM_PARTITION:-trellis}

for binary in munged slurmctld slurmd sinfo scontrol; do
  command -v "$binary" >/dev/null 2>&1 || { echo "start-cluster: $binary is not installed; on Debian run: apt-get install -y slurm-wlm munge" >&2; exit 1; }
done

node_state() { sinfo -h -n "$HOST" -o %t 2>/dev/null | head -n 1 || true; }

case "$(node_state)" in
  idle | mix | alloc | comp)
    echo "slurm: already up, node $HOST is $(node_state)"
    exit 0
    ;;
esac

# munge: every node shares one key; the Debian package usually creates it already.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n </dev/null >/dev/null 2>&1; then
  # --force: munged refuses to start in containers whose /run or /var permissions it dislikes.
  if ! out=$(munged --force 2>&1); then echo "start-cluster: munged did not start: $out" >&2; exit 1; fi
fi

# slurm.conf: the node's real CPUs, sockets and memory come from `slurmd -C`, so slurmd accepts it.
if [ ! -f "$CONF" ] || grep -qF "$MARK" "$CONF"; then
  node_line=$(slurmd -C | head -n 1)
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  cat >"$CONF.tmp" <<CONF
$MARK
ClusterName=trellis
SlurmctldHost=$HOST
AuthType=auth/munge
CryptoType=crypto/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SlurmdUser=root
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
# Seconds between the TERM and the KILL that Slurm sends at a time limit or a plain scancel.
KillWait=10
MinJobAge=300
$node_line State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
  mv -f "$CONF.tmp" "$CONF"
fi

# pgrep -x matches the daemon's exact name; we only ask whether one runs, we never signal by name.
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
  state=$(node_state)
  case "$state" in
    idle | mix | alloc)
      echo "slurm: up, node $HOST is $state, $(sinfo -h -n "$HOST" -o '%c CPUs, %m MiB, partition %P' | head -n 1)"
      exit 0
      ;;
    down* | drain* | drng*)
      scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
      ;;
  esac
  sleep 1
done
echo "start-cluster: node $HOST did not become idle within 60s (state: $(node_state)); see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
