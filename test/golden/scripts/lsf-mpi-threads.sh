#!/bin/bash
#BSUB -J "demo.3fa2c0ff.solve.5eef7d5052dd"
#BSUB -n 4
#BSUB -R "span[hosts=1]"
#BSUB -W 1:00
#BSUB -o "/home/ana/campaign one/.cohort/cluster/%J.out"
set -eu
export OMP_NUM_THREADS=2
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
export COHORT_MPI_LAUNCHER=mpirun
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o solve -j 3fa2c0ffee00000000000000000000aa
