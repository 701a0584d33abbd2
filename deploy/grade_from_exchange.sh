#!/usr/bin/env bash
# Grade an assignment handed in on the hub and hand the feedback back, in one command:
#     sudo deploy/grade_from_exchange.sh 01_activations [python -m autograde grade options]
#  1. nbgrader collect --update        the exchange's submissions -> autograde/work/submitted/ (instructor)
#  2. python -m autograde grade        the class pipeline: parallel, sandboxed, resumable (see README)
#  3. python -m autograde feedback     HTML feedback (what the students read)
#  4. python -m autograde export       grades.csv, tests.csv, histogram in autograde/work/reports/
#  5. nbgrader release_feedback        feedback -> the exchange; students press "Fetch Feedback"
# Run as root, the grading uses the strongest sandbox (a dedicated uid per worker) and the results
# are handed to the instructor's account; the exchange steps always run as the instructor.
set -euo pipefail
deploy=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TRAINLAB_COURSE=${TRAINLAB_COURSE:-$(dirname "$deploy")}
course=$TRAINLAB_COURSE
[ $# -ge 1 ] || { echo "usage: $0 ASSIGNMENT [python -m autograde grade options]" >&2; exit 2; }
assignment=$1; shift
py=${TRAINLAB_VENV:-$course/.venv}/bin/python
if ! { [ -x "$py" ] && "$py" -c pass 2>/dev/null; }; then py=$(command -v python); fi  # the hub's terminal
instructor() { "$py" "$deploy/hub.py" as-instructor "$@"; }
step() { echo "== $(date +%T) $*"; }
if [ "$(id -u)" = 0 ]; then   # whatever happens, the instructor owns the course's grading files afterwards
  trap 'chown -R -h "$(stat -c %U "$course")": "$course/autograde/work"' EXIT
fi

step "nbgrader collect --update $assignment (as the instructor)"
instructor nbgrader collect --update "$assignment"
# The pipeline is the course venv's installed autograde (run from outside the course folder, so that the
# grader and its sandboxed kernels import the same trainlab).
status=0
step "python -m autograde grade $assignment"
(cd / && "$py" -m autograde --root "$course" grade "$assignment" --quiet "$@") || status=$?
step "python -m autograde feedback $assignment"
(cd / && "$py" -m autograde --root "$course" feedback "$assignment")
step "python -m autograde export"
(cd / && "$py" -m autograde --root "$course" export) || echo "export failed: the grades are in the gradebook; feedback goes out anyway" >&2
# nbgrader release_feedback reads timestamp.txt and submission_secret.txt next to each feedback page (they
# name the page in the exchange). nbgrader's own autograde carries them from submitted/ through
# autograded/ to feedback/; the pipeline's folders hold only notebooks: copy them from the submission.
work=$course/autograde/work
for fb in "$work"/feedback/*/"$assignment"; do
  [ -d "$fb" ] || continue
  sub=$work/submitted/${fb#"$work"/feedback/}
  for f in timestamp.txt submission_secret.txt; do
    if [ ! -f "$fb/$f" ] && [ -f "$sub/$f" ]; then cp -p "$sub/$f" "$fb/$f"; fi
  done
done
[ "$(id -u)" != 0 ] || chown -R -h "$(stat -c %U "$course")": "$work"
step "nbgrader release_feedback $assignment (as the instructor)"
instructor nbgrader release_feedback "$assignment"
step "done: students press Fetch Feedback in the Assignment List"
exit $status
