#!/bin/bash
#BSUB -J "demo.3fa2c0ff.ex.4a781955afdd"
#BSUB -n 4
#BSUB -R "span[hosts=1]"
#BSUB -gpu "num=2"
#BSUB -W 2:30
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o ex -j 3fa2c0ffee00000000000000000000aa
