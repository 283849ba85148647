#!/bin/bash
#SBATCH --job-name=demo.3fa2c0ff.fit.v2.7c4a97359a90
#SBATCH --partition=batch
#SBATCH --account=proj42
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=0:10:00
#SBATCH --output="/home/ana/campaign one/.cohort/cluster/%x-%j.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o 'fit\.v2' -j 3fa2c0ffee00000000000000000000aa --num-passes=2 --order cyclic
