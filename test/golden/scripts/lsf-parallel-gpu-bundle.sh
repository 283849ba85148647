#!/bin/bash
#BSUB -J "demo.bundle-3.train+.fa07a2c214bd"
#BSUB -n 3
#BSUB -R "span[hosts=1]"
#BSUB -gpu "num=3"
#BSUB -W 1:00
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
pids=
COHORT_GPU_SHARE=0:1 '/usr/bin/node' '/opt/cohort/bin/cohort' run -o train -j 3fa2c0ffee00000000000000000000aa &
pids="$pids $!"
COHORT_GPU_SHARE=1:2 '/usr/bin/node' '/opt/cohort/bin/cohort' run -o train2 -j 3fa2c0ffee00000000000000000000aa &
pids="$pids $!"
COHORT_GPU_SHARE=3:0 '/usr/bin/node' '/opt/cohort/bin/cohort' run -o plot -j 81bc0ffee000000000000000000000bb &
pids="$pids $!"
failed=0
for pid in $pids; do wait "$pid" || { s=$?; [ "$failed" -ne 0 ] || failed=$s; }; done
[ "$failed" -eq 0 ] || exit "$failed"
