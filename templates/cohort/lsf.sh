{% extends "cohort/base.sh" %}
{% block header %}
#BSUB -J "{{ job_name }}{{ "[" ~ array.first ~ "-" ~ (array.first + array.tasks | length - 1) ~ "]" if array }}"
{% if options.partition %}
#BSUB -q {{ options.partition }}
{% endif %}
{% if options.account %}
#BSUB -P {{ options.account }}
{% endif %}
#BSUB -n {{ resources.nranks or resources.np }}
#BSUB -R "span[hosts=1]"
{% if resources.ngpu %}
#BSUB -gpu "num={{ resources.ngpu }}"
{% endif %}
{% if resources.memory %}
#BSUB -M {{ resources.memory | megabytes }}MB
{% endif %}
{% if resources.walltime %}
#BSUB -W {{ resources.walltime | hm }}
{% endif %}
{% if options.hold %}
#BSUB -H
{% endif %}
{% if options.dependency %}
#BSUB -w "{{ options.dependency }}"
{% endif %}
#BSUB -o "{{ output_dir }}/%J.out"
{% endblock %}
