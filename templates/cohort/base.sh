{#- The skeleton every built-in script extends. To change a part, write templates/<scheduler>.sh in
    your project: {% extends "cohort/<scheduler>.sh" %} and override a block. Blocks: shebang, header
    (the scheduler's directives), preamble, environment, project, body, footer. -#}
{% block shebang %}
#!/bin/bash
{% endblock %}
{% block header %}{% endblock %}
{% block preamble %}
set -eu
{% endblock %}
{% block environment %}
{% if resources.omp_num_threads %}
export OMP_NUM_THREADS={{ resources.omp_num_threads }}
{% endif %}
export COHORT_SUBMISSION_GROUP={{ submission_group }}
{% if mpi_launcher %}
export COHORT_MPI_LAUNCHER={{ mpi_launcher }}
{% endif %}
{% endblock %}
{% block project %}
cd {{ project.root | quote }}
{% endblock %}
{% macro run_entries(entries) %}
{% for entry in entries %}
{{ cohort }} run -o {{ entry.group | quote }} -j {{ entry.aggregate | quote }}{{ " &" if parallel }}
{% endfor %}
{% if parallel %}
wait
{% endif %}
{% endmacro %}
{% block body %}
{% if array %}
case "${{ array.index_var }}" in
{% for task in array.tasks %}
{{ loop.index0 + array.first }})
{{ run_entries(task) }};;
{% endfor %}
*) echo "no task ${{ array.index_var }} in this array" >&2; exit 1;;
esac
{% else %}
{#- the loop of run_entries, written out: a macro call costs more than the rest of a script -#}
{% for entry in bundle %}
{{ cohort }} run -o {{ entry.group | quote }} -j {{ entry.aggregate | quote }}{{ " &" if parallel }}
{% endfor %}
{% if parallel %}
wait
{% endif %}
{%- endif %}
{% endblock %}
{% block footer %}{% endblock %}
