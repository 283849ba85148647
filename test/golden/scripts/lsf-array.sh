#!/bin/bash
#BSUB -J "demo.bundle-2.simulate.37fb3bd6df51[1-2]"
#BSUB -n 2
#BSUB -R "span[hosts=1]"
#BSUB -W 1:00
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J_%I.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
case "$LSB_JOBINDEX" in
1)
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 3fa2c0ffee00000000000000000000aa
;;
2)
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 81bc0ffee000000000000000000000bb
;;
*) echo "no task $LSB_JOBINDEX in this array" >&2; exit 1;;
esac
