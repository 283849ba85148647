#!/bin/bash
#BSUB -J "demo.3fa2c0ff.fit.v2.7c4a97359a90"
#BSUB -n 1
#BSUB -R "span[hosts=1]"
#BSUB -W 0:10
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o 'fit\.v2' -j 3fa2c0ffee00000000000000000000aa --num-passes=2 --order cyclic
