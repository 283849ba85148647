{% extends "cohort/base.sh" %}
{% block header %}
#BSUB -J "{{ job_name | header }}{% if array %}[{{ array.first }}-{{ array.first + array.tasks | length - 1 }}]{% endif %}"
{% if options.partition %}
#BSUB -q {{ options.partition | header }}
{% endif %}
{% if options.account %}
#BSUB -P {{ options.account | header }}
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
#BSUB -w "{{ options.dependency | header }}"
{% endif %}
{#- An array's tasks each write a file of their own: %I is the task's index (0 outside an array). -#}
#BSUB -o "{{ output_dir | header }}/{{ "%J_%I.out" if array else "%J.out" }}"
{% endblock %}
