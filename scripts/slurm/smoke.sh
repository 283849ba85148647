#!/usr/bin/env bash
# test-jobs.sh -- smoke test of a cluster started by scripts/slurm/start.sh (needs SLURM_CONF set).
# Prints "N passed, N failed".
set -uo pipefail
: "${SLURM_CONF:?eval \"\$(scripts/slurm/start.sh DIR)\" first}"
W=$(mktemp -d /tmp/slurm-jobs.XXXXXX); chmod 1777 "$W"; cd "$W"
pass=0; fail=0
ok() { if eval "$2"; then pass=$((pass+1)); echo "PASS $1"; else fail=$((fail+1)); echo "FAIL $1   [$2]"; fi; }
state() { # final state: sacct if accounting is on, else scontrol (kept MinJobAge seconds)
  if sacct -n -X -j "$1" -o State 2>/dev/null | head -1 | grep -q .; then sacct -n -X -P -j "$1" -o State | head -1 | awk '{print $1}'
  else scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; fi; }
wait_done() { local end=$((SECONDS+${2:-60})); while [ $SECONDS -lt $end ]; do
  [ -z "$(squeue -h -j "$1" -t PD,R,CG,CF,S 2>/dev/null)" ] && return 0; sleep 0.5; done; return 1; }

sinfo; echo
t0=$SECONDS
j1=$(sbatch --parsable --wrap 'hostname; sleep 2')
ja=$(sbatch --parsable --array=1-3 -o 'arr_%A_%a.out' --wrap 'echo task=$SLURM_ARRAY_TASK_ID')
jn=$(sbatch --parsable --ntasks=2 --wrap 'srun hostname; echo ntasks=$SLURM_NTASKS')
jd=$(sbatch --parsable --dependency=afterok:$j1 --wrap 'echo dependent ran')
jg=$(sbatch --parsable --gres=gpu:1 --wrap 'echo cuda=$CUDA_VISIBLE_DEVICES')
jf=$(sbatch --parsable --wrap 'exit 3')
jx=$(sbatch --parsable --dependency=afterok:$jf --wrap 'echo never')
jc=$(sbatch --parsable --wrap 'sleep 600')
ju=$(runuser -u nobody -- sbatch --parsable -o "$W/nobody-%j.out" --wrap 'id -un' 2>&1) || ju=""
echo "submitted: j1=$j1 array=$ja ntasks=$jn dep=$jd gpu=$jg fail=$jf deponfail=$jx cancel=$jc nobody=$ju"
squeue
sleep 1; scancel "$jc"
for j in $j1 $ja $jn $jd $jg $jf $jx $jc $ju; do wait_done "$j" 90 || echo "timeout waiting for $j"; done
echo "all finished after $((SECONDS-t0)) s"; squeue; echo
[ -n "$(sacct -n -X 2>/dev/null | head -1)" ] && sleep 1 && sacct -X -o JobID,JobName,User,State,ExitCode,Elapsed,AllocCPUS,AllocTRES%40 -S now-1hour | tail -n +1 | head -20; echo
for f in slurm-$j1.out arr_${ja}_2.out slurm-$jn.out slurm-$jd.out slurm-$jg.out nobody-$ju.out; do echo "== $f: $(tr '\n' '|' <"$f" 2>/dev/null)"; done; echo
ok "simple job COMPLETED"        '[ "$(state $j1)" = COMPLETED ] && grep -qx "$(hostname -s)" slurm-$j1.out'
ok "array 3 tasks COMPLETED"     '[ "$(ls arr_${ja}_*.out | wc -l)" = 3 ] && grep -q task=2 arr_${ja}_2.out'
ok "ntasks=2 srun ran 2 tasks"   '[ "$(grep -cx "$(hostname -s)" slurm-$jn.out)" = 2 ] && grep -q ntasks=2 slurm-$jn.out'
ok "afterok dependency ran"      '[ "$(state $jd)" = COMPLETED ] && grep -q "dependent ran" slurm-$jd.out'
ok "gres gpu:1 -> CUDA_VISIBLE_DEVICES" 'grep -Eq "cuda=[01]$" slurm-$jg.out'
ok "exit 3 -> FAILED"            '[ "$(state $jf)" = FAILED ]'
ok "afterok on failed job cancelled" '[ "$(state $jx)" = CANCELLED ]'
ok "scancel -> CANCELLED"        '[ "$(state $jc)" = CANCELLED ]'
ok "non-root (nobody) job ran as nobody" '[ -n "$ju" ] && grep -qx nobody nobody-$ju.out'
echo "$pass passed, $fail failed"
rm -rf "$W"
[ $fail = 0 ]
