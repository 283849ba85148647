#!/bin/bash
#SBATCH --job-name=demo.3fa2c0ff.solve.5eef7d5052dd
#SBATCH --partition=batch
#SBATCH --account=proj42
#SBATCH --nodes=1
#SBATCH --ntasks=4
#SBATCH --cpus-per-task=2
#SBATCH --time=1:00:00
#SBATCH --output="/home/ana/campaign one/.cohort/cluster/%x-%j.out"
set -eu
export OMP_NUM_THREADS=2
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
export COHORT_MPI_LAUNCHER=srun
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o solve -j 3fa2c0ffee00000000000000000000aa
