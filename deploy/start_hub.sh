#!/usr/bin/env bash
# Start the course's JupyterHub on this machine, for a small class: what `make hub` runs (as root).
# Settings: TRAINLAB_* environment variables (deploy/hub.py lists them); deploy/README.md explains.
set -euo pipefail
deploy=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TRAINLAB_COURSE=${TRAINLAB_COURSE:-$(dirname "$deploy")}
py=${TRAINLAB_VENV:-$TRAINLAB_COURSE/.venv}/bin/python
if [ "$(id -u)" != 0 ]; then
  echo "Run as root (sudo make hub): the hub starts each student's JupyterLab as that student's account." >&2
  exit 1
fi
[ -x "$py" ] || { echo "$py not found: run \`make setup\` in $TRAINLAB_COURSE first" >&2; exit 1; }
"$py" "$deploy/hub.py" prepare
hub_dir=$("$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import hub; print(hub.settings().hub_dir)' "$deploy")
cd "$hub_dir/state"
exec "$py" -m jupyterhub -f "$deploy/jupyterhub_config.py" "$@"
