{% extends "cohort/base.sh" %}
{% block header %}
#PBS -N {{ job_name | pbs_name }}
{% if array %}
#PBS -J {{ array.first }}-{{ array.first + array.tasks | length - 1 }}
{% endif %}
{% if options.partition %}
#PBS -q {{ options.partition | header }}
{% endif %}
{% if options.account %}
#PBS -A {{ options.account | header }}
{% endif %}
#PBS -l select=1:ncpus={{ resources.np }}{{ ":mpiprocs=" ~ resources.nranks if resources.nranks }}{{ ":ompthreads=" ~ resources.omp_num_threads if resources.omp_num_threads }}{{ ":ngpus=" ~ resources.ngpu if resources.ngpu }}{{ ":mem=" ~ (resources.memory | megabytes) ~ "mb" if resources.memory }}
{% if resources.walltime %}
#PBS -l walltime={{ resources.walltime | hms }}
{% endif %}
{% if options.hold %}
#PBS -h
{% endif %}
{% if options.dependency %}
#PBS -W depend={{ options.dependency | header }}
{% endif %}
#PBS -j oe
#PBS -o "{{ output_dir | header }}/"
{% endblock %}
