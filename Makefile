# Every target installs what it needs first (a virtual environment in .venv), so each works on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: setup demo lab release test test-fast bundle clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

demo: setup            ## the main job: build the release, grade the sample class, print grades
	$(PY) -m autograde demo

lab: setup             ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/

release: setup         ## regenerate notebooks/ from solutions/
	$(PY) -m autograde build

bundle: setup          ## what students download: dist/trainlab-student-<version>.zip
	$(PY) -m autograde.bundle

test: setup            ## the whole test suite
	$(PY) -m pytest

test-fast: setup       ## everything except notebook execution, nbgrader runs and the browser
	$(PY) -m pytest -m "not slow and not browser"

.PHONY: hub
hub: setup             ## the course on a JupyterHub for a small class, on this machine (as root; deploy/README.md)
	deploy/start_hub.sh

clean:
	rm -rf autograde/work build dist test-artifacts .pytest_cache
