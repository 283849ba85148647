{#- The skeleton every built-in script extends. To change a part, write templates/<scheduler>.sh in
    your project: {% extends "cohort/<scheduler>.sh" %} and override a block. Blocks: shebang, header
    (the scheduler's directives), preamble, prelude (the cluster profile's lines), environment, project, body, footer.
    Values are shell-quoted when written, even without | quote, but with single quotes: never write one
    inside quotes or a heredoc of your own. In the scheduler's directive lines use | header instead
    (docs/submission.md, "Quoting"). -#}
{% block shebang %}
#!/bin/bash
{% endblock %}
{% block header %}{% endblock %}
{% block preamble %}
set -eu
{% endblock %}
{% block prelude %}
{% for line in prelude %}
{{ line }}
{% endfor %}
{% endblock %}
{% block environment %}
{% if resources.omp_num_threads %}
export OMP_NUM_THREADS={{ resources.omp_num_threads }}
{% endif %}
export COHORT_SUBMISSION_GROUP={{ submission_group | quote }}
{% if mpi_launcher %}
export COHORT_MPI_LAUNCHER={{ mpi_launcher | quote }}
{% endif %}
{% endblock %}
{% block project %}
cd {{ project.root | quote }}
{% endblock %}
{#- One loop writes every script's runs: an array's tasks each in a case of their own, else the bundle.
    (A macro for it cost more than the rest of a one-job script.) `exact` makes the -o pattern match
    the group's name only (-o takes regular expressions); the group's submit_options follow.
    Parallel members that ask for GPUs each get theirs of the job's (COHORT_GPU_SHARE, set for its
    `cohort run` alone). Parallel members are waited for one by one: a bare `wait` returns 0 whatever
    they returned, and the job would end COMPLETED (releasing afterok dependents) with a member failed.
    Every member runs to its end; the script exits with the first failure's status. -#}
{% block body %}
{% if array %}
case "${{ array.index_var }}" in
{% endif %}
{% for task in (array.tasks if array else [bundle]) %}
{% if array %}
{{ loop.index0 + array.first }})
{% endif %}
{% if parallel %}
pids=
{% endif %}
{% for entry in task %}
{% if entry.gpu_share %}COHORT_GPU_SHARE={{ entry.gpu_share }} {% endif %}{{ cohort }} run -o {{ entry.group | exact | quote }} -j {{ entry.aggregate | quote }}{% for option in entry.submit_options %} {{ option | quote }}{% endfor %}{{ " &" | safe if parallel }}
{% if parallel %}
pids="$pids $!"
{% endif %}
{% endfor %}
{% if parallel %}
failed=0
for pid in $pids; do wait "$pid" || { s=$?; [ "$failed" -ne 0 ] || failed=$s; }; done
[ "$failed" -eq 0 ] || exit "$failed"
{% endif %}
{% if array %}
;;
{% endif %}
{% endfor %}
{% if array %}
*) echo "no task ${{ array.index_var }} in this array" >&2; exit 1;;
esac
{% endif %}
{% endblock %}
{% block footer %}{% endblock %}
