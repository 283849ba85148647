#!/bin/bash
#BSUB -J "demo.bundle-2.simulate.37fb3bd6df51"
#BSUB -n 4
#BSUB -R "span[hosts=1]"
#BSUB -M 4096MB
#BSUB -W 1:00
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
pids=
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 3fa2c0ffee00000000000000000000aa &
pids="$pids $!"
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 81bc0ffee000000000000000000000bb &
pids="$pids $!"
failed=0
for pid in $pids; do wait "$pid" || { s=$?; [ "$failed" -ne 0 ] || failed=$s; }; done
[ "$failed" -eq 0 ] || exit "$failed"
