{% extends "cohort/base.sh" %}
{% block header %}
#SBATCH --job-name={{ job_name | header }}
{% if array %}
#SBATCH --array={{ array.first }}-{{ array.first + array.tasks | length - 1 }}
{% endif %}
{% if options.partition %}
#SBATCH --partition={{ options.partition | header }}
{% endif %}
{% if options.account %}
#SBATCH --account={{ options.account | header }}
{% endif %}
#SBATCH --nodes=1
{% if resources.nranks %}
#SBATCH --ntasks={{ resources.nranks }}
#SBATCH --cpus-per-task={{ resources.omp_num_threads or 1 }}
{% else %}
#SBATCH --ntasks=1
#SBATCH --cpus-per-task={{ resources.np }}
{% endif %}
{% if resources.ngpu %}
#SBATCH --gpus={{ resources.ngpu }}
{% endif %}
{% if resources.memory %}
#SBATCH --mem={{ resources.memory | megabytes }}M
{% endif %}
{% if resources.walltime %}
#SBATCH --time={{ resources.walltime | hms }}
{% endif %}
{% if options.hold %}
#SBATCH --hold
{% endif %}
{% if options.dependency %}
#SBATCH --dependency={{ options.dependency | header }}
{% endif %}
#SBATCH --output="{{ output_dir | header }}/{{ "%x-%A_%a.out" if array else "%x-%j.out" }}"
{% endblock %}
