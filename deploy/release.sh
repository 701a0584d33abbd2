#!/usr/bin/env bash
# Release an assignment to the students on the hub:  deploy/release.sh 01_activations [--force]
# Runs `nbgrader release_assignment` in the course folder as the instructor (from root or as the
# instructor); it copies notebooks/<assignment>/ (built by `make release`) into the exchange.
set -euo pipefail
deploy=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TRAINLAB_COURSE=${TRAINLAB_COURSE:-$(dirname "$deploy")}
[ $# -ge 1 ] || { echo "usage: $0 ASSIGNMENT [nbgrader options]" >&2; exit 2; }
py=${TRAINLAB_VENV:-$TRAINLAB_COURSE/.venv}/bin/python
[ -x "$py" ] && "$py" -c pass 2>/dev/null || py=python3   # hub.py itself needs only the standard library
exec "$py" "$deploy/hub.py" as-instructor nbgrader release_assignment "$@"
