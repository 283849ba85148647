#!/bin/bash
#PBS -N demo.3fa2c0ff.fit.v2.7c4a97359a90
#PBS -l select=1:ncpus=1
#PBS -l walltime=0:10:00
#PBS -j oe
#PBS -o "/home/ana/campaign one/.cohort/cluster/"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o 'fit\.v2' -j 3fa2c0ffee00000000000000000000aa --num-passes=2 --order cyclic
