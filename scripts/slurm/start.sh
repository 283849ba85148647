#!/usr/bin/env bash
# scripts/slurm/start.sh [DIR] -- bring up a private single-node SLURM cluster (Debian bookworm
# packages, munge auth) without systemd. Idempotent: installs packages if missing,
# (re)writes the config under DIR, starts only what is not already running, waits until
# the node is usable, and prints the environment to use on stdout (all logging -> stderr):
#     eval "$(scripts/slurm/start.sh "$DIR")"      # sets SLURM_CONF
# Stop with: scripts/slurm/stop.sh DIR   (kills exactly the pids recorded here).
#
# Knobs (environment):
#   SLURM_ACCOUNTING=dbd|none   dbd (default): private MariaDB + slurmdbd -> real sacct.
#                               none: no sacct ("accounting storage is disabled"); finished
#                               jobs stay in `scontrol show job` for MinJobAge (1 h) and are
#                               appended to DIR/log/jobcomp.log (jobcomp/filetxt) in both modes.
#   SLURM_PORT_BASE=6817        slurmctld=BASE, slurmd=BASE+1, slurmdbd=BASE+2, mariadb=BASE+3
#   SLURM_FAKE_GPUS=2           gres gpu:N backed by fake device files (0 = no GRES)
#   SLURM_NODE_NAME=$(hostname -s)   SLURM_CLUSTER_NAME=local
#   SLURM_ENFORCE_ACCOUNTS=0    1 (with dbd): AccountingStorageEnforce=associations, so sbatch refuses
#                               an account the user has no association with (root has account root)
#   SLURM_PARTITIONS="debug"    partitions over the one node, ';'-separated, each "NAME [KEY=VALUE...]"
#                               with slurm.conf partition keys; the first is the default. Example:
#                               "cpu MaxTime=2-00:00:00;gpu MaxTime=2-00:00:00;short MaxTime=30"
#   SLURM_CLEAN=1               wipe controller state + accounting DB before starting
#   SLURM_NO_INSTALL=1          fail instead of running apt-get
#   SLURM_START_TIMEOUT=60      seconds to wait for each daemon / the node
# Unset knobs default to the values of the previous start in DIR (DIR/settings).
set -euo pipefail

# a reader that closes our stderr early (`| head`) must not kill us half-way (SIGPIPE);
# daemons get the default SIGPIPE back via `env --default-signal=PIPE` below
trap '' PIPE
DIR=${1:-${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/slurm-cluster}}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
# settings not given in the environment default to those of the previous start in DIR
# (so a plain re-run is a no-op), else to the built-in defaults
[ -f "$DIR/settings" ] && . "$DIR/settings"
ACCT=${SLURM_ACCOUNTING:-${SAVED_ACCT:-dbd}}
BASE=${SLURM_PORT_BASE:-${SAVED_BASE:-6817}}
CTLD_PORT=$BASE; SLURMD_PORT=$((BASE+1)); DBD_PORT=$((BASE+2)); DB_PORT=$((BASE+3))
NGPU=${SLURM_FAKE_GPUS:-${SAVED_NGPU:-2}}
NODE=${SLURM_NODE_NAME:-${SAVED_NODE:-$(hostname -s 2>/dev/null || echo localhost)}}
CLUSTER=${SLURM_CLUSTER_NAME:-${SAVED_CLUSTER:-local}}
PARTS=${SLURM_PARTITIONS:-${SAVED_PARTS:-debug}}
ENFORCE=${SLURM_ENFORCE_ACCOUNTS:-${SAVED_ENFORCE:-0}}
TIMEOUT=${SLURM_START_TIMEOUT:-60}
T0=$(date +%s.%N)
case "$ACCT" in dbd|none) ;; *) echo "SLURM_ACCOUNTING must be dbd or none" >&2; exit 2;; esac

log() { printf '[start-slurm %s] %s\n' "$(date +%T)" "$*" >&2 2>/dev/null || true; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$DIR"/{etc,state,spool,log,run,pids,munge,dev,jobs}
exec 9>"$DIR/.lock"; flock -w 300 9 || die "another start/stop holds $DIR/.lock"

# ---------- 1. install (only if something is missing) ----------
need_pkgs=(slurmctld slurmd slurm-client munge)
need_bins=(slurmctld slurmd slurmstepd sbatch squeue scontrol sinfo munged mungekey)
if [ "$ACCT" = dbd ]; then need_pkgs+=(slurmdbd mariadb-server); need_bins+=(slurmdbd sacct sacctmgr mariadbd mariadb-install-db mariadb mariadb-admin); fi
export PATH=$PATH:/usr/sbin:/sbin
missing=0
for b in "${need_bins[@]}"; do command -v "$b" >/dev/null 2>&1 || missing=1; done
if [ $missing = 1 ]; then
  [ "${SLURM_NO_INSTALL:-0}" = 1 ] && die "slurm/munge binaries missing and SLURM_NO_INSTALL=1"
  [ "$(id -u)" = 0 ] || die "packages missing and not root: apt-get install ${need_pkgs[*]}"
  log "installing ${need_pkgs[*]} (apt-get, --no-install-recommends)"
  ti=$(date +%s)
  made_policy=0
  # never let package postinst scripts start system daemons (they would grab the default
  # munge socket / ports with /etc/slurm/slurm.conf); Docker images usually ship this file.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1; fi
  export DEBIAN_FRONTEND=noninteractive
  inst() { apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "${need_pkgs[@]}" >"$DIR/apt-install.log" 2>&1; }
  if ! inst; then log "install failed, running apt-get update and retrying"; apt-get update -q >>"$DIR/apt-install.log" 2>&1 || true; inst || { [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -20 "$DIR/apt-install.log" >&2; die "apt-get install failed (see $DIR/apt-install.log)"; }; fi
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  log "install done in $(( $(date +%s) - ti )) s: $(dpkg-query -W -f='${Package}=${Version} ' slurmctld munge 2>/dev/null)"
fi

# ---------- helpers ----------

proc_start() { # starttime (clock ticks since boot) of a live, non-zombie pid; fails otherwise
  local s; s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  set -- $s; [ "$1" != Z ] && [ "$1" != X ] || return 1; echo "${20}"; }
is_running() { # name -> 0 if the pid recorded for this daemon is alive and is the same process
  local f="$DIR/pids/$1.pid" pid st cur; [ -f "$f" ] || return 1
  read -r pid st <"$f" || return 1; cur=$(proc_start "$pid") || return 1; [ "$cur" = "$st" ]; }
port_listening() { # port -> 0 if something LISTENs on it (any address), via /proc, no ss needed
  local hex; hex=$(printf ':%04X' "$1"); cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" '$4=="0A" && substr($2, length($2)-4)==p {f=1} END{exit !f}'; }
start_daemon() { # name exe args...  (exe must run in the foreground); records "pid starttime"
  local name=$1 exe; shift; exe=$(readlink -f "$(command -v "$1")")
  # own session (no SIGINT/SIGHUP from the caller's terminal or process group); fd 9 (the
  # lock) closed so daemons do not keep holding it
  setsid env --default-signal=PIPE "$@" >>"$DIR/log/$name.stdout" 2>&1 </dev/null 9>&- &
  local pid=$! st; st=$(proc_start "$pid") || die "$name exited immediately: $(tail -5 "$DIR/log/$name.stdout")"
  echo "$pid $st" >"$DIR/pids/$name.pid"; STARTED+=("$name")
  for _ in $(seq 1 50); do   # wait for the exec (pid must end up running the daemon binary)
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] && break
    is_running "$name" || die "$name died at start: $(tail -5 "$DIR/log/$name.stdout")"; sleep 0.05; done
  log "started $name pid $pid"; }
wait_for() { # description cmd... -> poll until cmd succeeds
  local what=$1 end=$(( $(date +%s) + TIMEOUT )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt $end ] || die "timeout waiting for $what"; sleep 0.2; done; }
need_port_free() { if port_listening "$1"; then die "port $1 ($2) already in use by another process; set SLURM_PORT_BASE to another base"; fi; }

STARTED=(); UP=0
on_exit() { # on failure, stop (by recorded pid) whatever this run started, newest first
  local rc=$? i d pid; [ $rc = 0 ] || [ "$UP" = 1 ] && return
  for ((i=${#STARTED[@]}-1;i>=0;i--)); do d=${STARTED[$i]}
    if is_running "$d"; then read -r pid _ <"$DIR/pids/$d.pid"; log "start failed: stopping $d pid $pid"; kill "$pid" 2>/dev/null
      for _ in $(seq 1 50); do is_running "$d" || break; sleep 0.1; done; is_running "$d" && kill -9 "$pid"; fi
    rm -f "$DIR/pids/$d.pid"; done; }
trap on_exit EXIT
ALL=(munged slurmctld slurmd); [ "$ACCT" = dbd ] && ALL=(munged mariadbd slurmdbd slurmctld slurmd)
export SLURM_CONF="$DIR/etc/slurm.conf"
print_env() {
  cat >"$DIR/env.sh" <<EOF
export SLURM_CONF=$SLURM_CONF
export SLURM_LOCAL_DIR=$DIR
EOF
  cat "$DIR/env.sh" 2>/dev/null || true; }

# ---------- already fully up? then do nothing ----------
all_up=1; for d in "${ALL[@]}"; do is_running "$d" || all_up=0; done
if [ $all_up = 1 ] && [ "${SLURM_CLEAN:-0}" != 1 ] && scontrol ping 2>/dev/null | grep -q UP; then
  log "already running in $DIR ($(sinfo -h -N -o '%N %T' 2>/dev/null))"; print_env; exit 0
fi
# partial leftovers of an earlier start: stop the ones we recorded, then start everything fresh
if is_running slurmctld && [ -n "$(squeue -h -o %A 2>/dev/null)" ]; then   # no orphaned slurmstepd
  log "cancelling jobs before restart"; scancel $(squeue -h -o %A | sort -u) 2>/dev/null || true
  for _ in $(seq 1 150); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.2; done; fi
for d in slurmd slurmctld slurmdbd mariadbd munged; do
  if is_running "$d"; then read -r pid _ <"$DIR/pids/$d.pid"; log "stopping leftover $d pid $pid"; kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do is_running "$d" || break; sleep 0.1; done; is_running "$d" && kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$DIR/pids/$d.pid"
done
if [ "${SLURM_CLEAN:-0}" = 1 ]; then log "SLURM_CLEAN=1: wiping state"; rm -rf "$DIR/state" "$DIR/spool" "$DIR/mysql/data"; mkdir -p "$DIR/state" "$DIR/spool"; fi
mkdir -p "$DIR/spool/$NODE"
# all ports must be free before anything starts
need_port_free "$CTLD_PORT" slurmctld; need_port_free "$SLURMD_PORT" slurmd
if [ "$ACCT" = dbd ]; then need_port_free "$DBD_PORT" slurmdbd; need_port_free "$DB_PORT" mariadb; fi

printf 'SAVED_ACCT=%q SAVED_BASE=%q SAVED_NGPU=%q SAVED_NODE=%q SAVED_CLUSTER=%q SAVED_PARTS=%q SAVED_ENFORCE=%q\n' "$ACCT" "$BASE" "$NGPU" "$NODE" "$CLUSTER" "$PARTS" "$ENFORCE" >"$DIR/settings"

# ---------- 2. config ----------
# hardware as slurmd sees it (CPUs/sockets/cores/threads); memory a bit below the real total
hw=$(slurmd -C 2>/dev/null | head -1)
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$hw"; }
CPUS=$(get CPUs); SOCK=$(get SocketsPerBoard); CORES=$(get CoresPerSocket); THR=$(get ThreadsPerCore); BOARDS=$(get Boards)
NPROC=$(nproc)
memtotal_mb=$(( $(awk '/^MemTotal:/{print $2}' /proc/meminfo) / 1024 ))
REALMEM=$(( memtotal_mb * 95 / 100 ))
if [ -n "$CPUS" ] && [ "$CPUS" = "$NPROC" ]; then TOPO="CPUs=$CPUS Boards=${BOARDS:-1} SocketsPerBoard=$SOCK CoresPerSocket=$CORES ThreadsPerCore=$THR"
else TOPO="CPUs=$NPROC"; fi   # cpuset-restricted container: trust nproc

GRES_NODE=""; GRES_TYPES=""
if [ "$NGPU" -gt 0 ] 2>/dev/null; then
  GRES_TYPES="GresTypes=gpu"; GRES_NODE="Gres=gpu:$NGPU"
  for ((i=0;i<NGPU;i++)); do [ -e "$DIR/dev/nvidia$i" ] || mknod "$DIR/dev/nvidia$i" c 1 3 2>/dev/null || ln -s /dev/null "$DIR/dev/nvidia$i"; done   # char dev needed: a plain file gives no CUDA_VISIBLE_DEVICES
  printf 'AutoDetect=off\nNodeName=%s Name=gpu File=%s/dev/nvidia[0-%d]\n' "$NODE" "$DIR" $((NGPU-1)) >"$DIR/etc/gres.conf"
else rm -f "$DIR/etc/gres.conf"; fi

ACCT_LINES="AccountingStorageType=accounting_storage/none"
if [ "$ACCT" = dbd ]; then
  ACCT_LINES="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
# the dbd connection does NOT use AuthInfo's socket; it needs the munge socket here:
AccountingStoragePass=$DIR/munge/munge.socket
AccountingStorageTRES=gres/gpu"
  if [ "$ENFORCE" = 1 ]; then ACCT_LINES="$ACCT_LINES
AccountingStorageEnforce=associations"; fi
fi

cat >"$DIR/etc/slurm.conf" <<EOF
# generated by scripts/slurm/start.sh -- single node, no systemd, no cgroups
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
EnforcePartLimits=ALL
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
$ACCT_LINES
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
DependencyParameters=kill_invalid_depend
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MinJobAge=3600
KillWait=5
MailProg=/bin/true
$GRES_TYPES
NodeName=$NODE NodeAddr=127.0.0.1 $TOPO RealMemory=$REALMEM $GRES_NODE State=UNKNOWN
EOF
first=1; IFS=';' read -ra _parts <<<"$PARTS"
for p in "${_parts[@]}"; do
  read -r pname pkeys <<<"$p"; [ -n "$pname" ] || continue
  case " $pkeys " in *" MaxTime="*) ;; *) pkeys="$pkeys MaxTime=INFINITE";; esac
  echo "PartitionName=$pname Nodes=ALL Default=$([ $first = 1 ] && echo YES || echo NO) State=UP $pkeys" >>"$DIR/etc/slurm.conf"
  first=0
done

# ---------- 3. start daemons ----------
# munge: private key + socket under DIR (socket dir must be o+x or munged refuses)
chmod 755 "$DIR/munge"
[ -s "$DIR/munge/munge.key" ] || mungekey --create --keyfile="$DIR/munge/munge.key" >&2
chmod 600 "$DIR/munge/munge.key"
MSOCK="$DIR/munge/munge.socket"
rm -f "$MSOCK" "$MSOCK.lock"
start_daemon munged munged -F --force --socket="$MSOCK" --key-file="$DIR/munge/munge.key" \
  --log-file="$DIR/log/munged.log" --pid-file="$DIR/run/munged.pid" --seed-file="$DIR/munge/munged.seed"
wait_for "munged" bash -c "munge -S '$MSOCK' -n | unmunge -S '$MSOCK'"

if [ "$ACCT" = dbd ]; then
  mkdir -p "$DIR/mysql"
  if [ ! -d "$DIR/mysql/data/mysql" ]; then
    mariadb-install-db --no-defaults --user=root --datadir="$DIR/mysql/data" --auth-root-authentication-method=normal --skip-test-db >"$DIR/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: $(tail -5 "$DIR/log/mariadb-install.log")"
  fi
  start_daemon mariadbd mariadbd --no-defaults --user=root --datadir="$DIR/mysql/data" --socket="$DIR/mysql/mysqld.sock" \
    --pid-file="$DIR/run/mariadbd.pid" --bind-address=127.0.0.1 --port="$DB_PORT" --skip-name-resolve \
    --log-error="$DIR/log/mariadb.log" --innodb-buffer-pool-size=128M --innodb-lock-wait-timeout=900 --innodb-log-file-size=64M
  wait_for "mariadb" mariadb-admin --no-defaults -S "$DIR/mysql/mysqld.sock" ping
  [ -s "$DIR/mysql/slurm.pw" ] || { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$DIR/mysql/slurm.pw"; chmod 600 "$DIR/mysql/slurm.pw"; }
  PW=$(cat "$DIR/mysql/slurm.pw")
  mariadb --no-defaults -S "$DIR/mysql/mysqld.sock" -uroot -e "
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$PW'; ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$PW';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;" || die "mariadb user setup failed"
  cat >"$DIR/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$MSOCK
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
DebugLevel=info
LogFile=$DIR/log/slurmdbd.log
PidFile=$DIR/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$PW
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$DIR/etc/slurmdbd.conf"   # slurmdbd refuses a world-readable conf with a password
  # slurmdbd finds slurmdbd.conf next to $SLURM_CONF (exported above)
  start_daemon slurmdbd slurmdbd -D
  wait_for "slurmdbd port $DBD_PORT" port_listening "$DBD_PORT"
fi

start_daemon slurmctld slurmctld -D -f "$SLURM_CONF"
wait_for "slurmctld (scontrol ping)" bash -c 'scontrol ping | grep -q UP'
start_daemon slurmd slurmd -D -f "$SLURM_CONF" -N "$NODE"

node_ok() { case "$(sinfo -h -n "$NODE" -o %T 2>/dev/null)" in idle|mixed|allocated|completing) return 0;; esac; return 1; }
end=$(( $(date +%s) + TIMEOUT )); resumed=0
until node_ok; do
  st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  if [ $resumed = 0 ] && [[ "$st" == drain* || "$st" == down* ]] && [ "$(( end - $(date +%s) ))" -lt $((TIMEOUT-5)) ]; then
    log "node is $st ($(sinfo -h -n "$NODE" -o %E)); resuming"; scontrol update nodename="$NODE" state=resume || true; resumed=1; fi
  [ "$(date +%s)" -lt $end ] || die "node $NODE not idle after ${TIMEOUT}s (state '$st'); see $DIR/log/slurmd.log $DIR/log/slurmctld.log"
  sleep 0.2
done
UP=1
if [ "$ACCT" = dbd ]; then wait_for "cluster registered in slurmdbd" bash -c "sacctmgr -n -P list cluster format=cluster | grep -qx '$CLUSTER'"; fi
log "cluster '$CLUSTER' up in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s: $(sinfo -h -N -o '%N %T cpus=%c mem=%m gres=%G') (accounting=$ACCT, ports $CTLD_PORT-$([ "$ACCT" = dbd ] && echo $DB_PORT || echo $SLURMD_PORT))"
print_env
