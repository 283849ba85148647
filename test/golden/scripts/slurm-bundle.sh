#!/bin/bash
#SBATCH --job-name=demo.bundle-2.simulate.37fb3bd6df51
#SBATCH --partition=batch
#SBATCH --account=proj42
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --mem=2048M
#SBATCH --time=2:00:00
#SBATCH --output="/home/ana/campaign one/.cohort/cluster/%x-%j.out"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 3fa2c0ffee00000000000000000000aa
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o simulate -j 81bc0ffee000000000000000000000bb
