#!/usr/bin/env bash
# scripts/slurm/stop.sh [DIR] -- stop exactly the daemons scripts/slurm/start.sh started in DIR.
# Uses the "pid starttime" records in DIR/pids/*.pid; a pid is only signalled if it is still
# the same process (same start time, not a zombie). Never kills by name.
# Running jobs are scancel'ed first (so no slurmstepd is left behind), unless
# SLURM_STOP_KEEP_JOBS=1. State, logs and the accounting DB are kept (start again resumes).
set -uo pipefail
DIR=${1:-${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/slurm-cluster}}
[ -d "$DIR" ] || { echo "no such dir $DIR" >&2; exit 1; }
DIR=$(cd "$DIR" && pwd)
export PATH=$PATH:/usr/sbin:/sbin SLURM_CONF="$DIR/etc/slurm.conf"
trap '' PIPE
log() { printf '[stop-slurm %s] %s\n' "$(date +%T)" "$*" >&2 2>/dev/null || true; }
exec 9>"$DIR/.lock"; flock -w 120 9 || { log "lock busy"; exit 1; }

proc_start() { local s; s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  set -- $s; [ "$1" != Z ] && [ "$1" != X ] || return 1; echo "${20}"; }
is_running() { local f="$DIR/pids/$1.pid" pid st cur; [ -f "$f" ] || return 1
  read -r pid st <"$f" || return 1; cur=$(proc_start "$pid") || return 1; [ "$cur" = "$st" ]; }

if is_running slurmctld && [ "${SLURM_STOP_KEEP_JOBS:-0}" != 1 ]; then
  jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    log "cancelling jobs: $jobs"; scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 150); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.2; done
    left=$(squeue -h -o '%A %T' 2>/dev/null | tr '\n' ' '); [ -n "$left" ] && log "jobs still present: $left"
  fi
fi

rc=0
for d in slurmd slurmctld slurmdbd mariadbd munged; do   # reverse start order
  f="$DIR/pids/$d.pid"; [ -f "$f" ] || continue
  read -r pid _ <"$f"
  if is_running "$d"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 150); do is_running "$d" || break; sleep 0.1; done   # <=15 s
    if is_running "$d"; then log "$d pid $pid ignored SIGTERM; SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.5; fi
    if is_running "$d"; then log "$d pid $pid still alive"; rc=1; continue; fi
    log "stopped $d (pid $pid)"
  else
    log "$d (pid $pid) was not running"
  fi
  rm -f "$f"
done
exit $rc
