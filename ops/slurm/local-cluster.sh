#!/usr/bin/env bash
# A one-node Slurm cluster inside this machine, for the tests and for trying the
# launcher: Debian's munge, slurmctld and slurmd (ops/install-deps.sh installs them).
#   ops/slurm/local-cluster.sh start   starts munged, slurmctld and slurmd (idempotent)
#                                      and waits until the node is idle
#   ops/slurm/local-cluster.sh stop    stops the three daemons it started
#   ops/slurm/local-cluster.sh status  prints sinfo
# Needs root (slurmd runs jobs as their owners). State lives in $STATE (default
# /var/lib/pseudotrack-slurm); the configuration is written to /etc/slurm/slurm.conf
# only when that file is absent or was written by this script.
# Settings chosen from what was measured on Debian 12's slurm 22.05 here:
#   proctrack/pgid    proctrack/linuxproc leaves a job's children running after scancel
#   task/none         no cgroup setup inside a container
#   no accounting     (no slurmdbd: `sacct` does not work; use `scontrol show job`)
#   MailProg=/bin/true
#   AuthInfo=cred_expire=10 and sched_interval=2,bf_interval=2: a requeued job is
#                     started again after ~10 s instead of ~3 min
#   JobRequeue=1      batch jobs may be requeued (scontrol requeue, node failure)
set -euo pipefail

STATE=${STATE:-/var/lib/pseudotrack-slurm}
CONF=/etc/slurm/slurm.conf
MARK="# written by pseudotrack ops/slurm/local-cluster.sh"
NODE=$(hostname -s)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then echo "local-cluster: must run as root (slurmd and munged)" >&2; exit 1; fi
}

write_conf() {
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    echo "local-cluster: $CONF exists and was not written by this script; leaving it (and this cluster) alone" >&2
    exit 1
  fi
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d" "$STATE/log"
  cat > "$CONF.tmp" <<CONF
$MARK
ClusterName=pseudotrack-local
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
JobRequeue=1
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=10
MinJobAge=600
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$NODE CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  mv "$CONF.tmp" "$CONF"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starting and stopping are serialised machine-wide (two worktrees' tests, a person trying
# the launcher): the daemons are started with the lock's descriptor closed.
lock() { exec 8>/var/lock/pseudotrack-slurm-cluster.lock; flock 8; }

start_munge() {
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
  chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  if running /run/munge/munged.pid && munge -n </dev/null >/dev/null 2>&1; then return; fi
  rm -f /run/munge/munged.pid /run/munge/munge.socket.2*
  if command -v runuser >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged 8>&-
  else
    su -s /bin/sh munge -c /usr/sbin/munged 8>&-
  fi
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && return; sleep 0.1; done
  echo "local-cluster: munged did not start" >&2; exit 1
}

start() {
  need_root
  lock
  command -v slurmctld >/dev/null || { echo "local-cluster: slurmctld missing; run ops/install-deps.sh" >&2; exit 1; }
  write_conf
  start_munge
  running "$STATE/slurmctld.pid" || /usr/sbin/slurmctld 8>&-
  running "$STATE/slurmd.pid" || /usr/sbin/slurmd 8>&-
  for _ in $(seq 150); do
    state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    case "$state" in
      idle*|mixed*|allocated*) echo "local-cluster: node $NODE $state"; return 0 ;;
      down*|drain*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.2
  done
  echo "local-cluster: node $NODE did not become idle (state: ${state:-none}); logs in $STATE/log" >&2
  exit 1
}

stop_pid() {
  local file=$1 name=$2
  if running "$file"; then
    local pid; pid=$(cat "$file")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "local-cluster: stopped $name ($pid)"
  fi
  rm -f "$file"
}

stop() {
  need_root
  lock
  stop_pid "$STATE/slurmd.pid" slurmd
  stop_pid "$STATE/slurmctld.pid" slurmctld
  stop_pid /run/munge/munged.pid munged
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
