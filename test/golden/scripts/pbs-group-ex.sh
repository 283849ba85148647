#!/bin/bash
#PBS -N demo.3fa2c0ff.ex.4a781955afdd
#PBS -l select=1:ncpus=4:ngpus=2
#PBS -l walltime=2:30:00
#PBS -j oe
#PBS -o "/home/ana/campaign one/.cohort/cluster/"
set -eu
export COHORT_SUBMISSION_GROUP=01a2b3c4-0000-7000-8000-000000000001
cd '/home/ana/campaign one'
'/usr/bin/node' '/opt/cohort/bin/cohort' run -o ex -j 3fa2c0ffee00000000000000000000aa
