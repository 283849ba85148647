#!/bin/bash
#PBS -N demo.3fa2c0ff.solve.5eef7d5052dd
#PBS -l select=1:ncpus=8:mpiprocs=4:ompthreads=2
#PBS -l walltime=1:00:00
#PBS -j oe
#PBS -o "/home/ana/campaign one/.cohort/cluster/"
set -eu
export OMP_NUM_THREADS=2
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
export COHORT_MPI_LAUNCHER=mpirun
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o solve -j 3fa2c0ffee00000000000000000000aa
