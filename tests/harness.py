"""The generic notebook harness: course roots in temp folders, submissions, mutants, grading.

Nothing here knows a particular notebook: it reads the answer cells of each solution notebook, finds
the functions defined there, and builds for each one submissions whose answers are correct except
for that function's output (see CONTRIBUTING.md). Grading is either real `nbgrader autograde`
(``autograde_parallel``) or the same trusted checks called in-process through the same ``Student``
and agent the Judge uses (``judge_parallel``): the Judge's verdicts depend only on a notebook's setup
and answer cells, so a mutant needs one agent process, not a kernel run and an nbgrader start-up.
"""
import ast
import concurrent.futures
import importlib.util
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import utils as nbgrader_utils
from traitlets.config import Config

from autograde import judge

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
CODE_CELL_TIMEOUT = 120

# Appended to an answer cell: replaces FUNCTION with a version whose output is slightly wrong.
MUTANT_TEMPLATE = '''
# ---- mutant injected by the test harness: {name} ({mode}) ----
def _harness_perturb(value, mode, first_only):
    import numpy as _np
    def one(v):
        if isinstance(v, bool) or v is None:
            return v, False
        if isinstance(v, _np.ndarray) and v.dtype.kind == "f" and v.size:
            v = v.copy()
            if mode == "scale":
                return v * 1.001, True
            i = int(_np.argmax(_np.abs(v)))
            v.flat[i] = -v.flat[i]
            return v, True
        if isinstance(v, (float, _np.floating)):
            return (v * 1.001 if mode == "scale" else -v), True
        if callable(v) and not isinstance(v, type) and getattr(v, "__module__", "") in ("__main__", None):
            return _harness_wrap(v, mode, False), True
        if isinstance(v, list) and v and all(isinstance(e, (float, _np.floating, _np.ndarray)) for e in v):
            out, changed = [], False
            for e in v:
                if mode == "sign" and changed:
                    out.append(e)
                    continue
                e2, c = one(e)
                out.append(e2)
                changed = changed or c
            return out, changed
        return v, False
    if isinstance(value, tuple):
        items, changed = list(value), False
        limit = 1 if first_only or (len(items) == 2 and isinstance(items[1], dict)) else len(items)
        for k in range(limit):
            if mode == "sign" and changed:
                break
            items[k], c = one(items[k])
            changed = changed or c
        return tuple(items)
    return one(value)[0]

def _harness_wrap(fn, mode, first_only):
    import functools
    @functools.wraps(fn)
    def mutant(*args, **kwargs):
        return _harness_perturb(fn(*args, **kwargs), mode, first_only)
    return mutant

{name} = _harness_wrap({name}, "{mode}", {first_only})
'''


def solution_notebook(assignment):
    paths = sorted((SOLUTIONS / assignment).glob("*.ipynb"))
    assert len(paths) == 1, f"{assignment}: expected one notebook, found {paths}"
    return paths[0]


def answer_functions(nb):
    """{function name: index of the answer cell defining it} for public top-level functions."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                    found[node.name] = i
    return found


def custom_mutants(assignment):
    path = REPO / "tests" / "mutants" / f"{assignment}.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTANTS


def light(nb):
    """The notebook without its ordinary code cells (experiments, plots): what mutants are graded on."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.metadata.get("nbgrader")]
    return nb


def with_answers(release, solution):
    """The release notebook with every answer cell's source taken from the solution notebook."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return nb


def independent(assignment):
    """Hand-written submissions in tests/independent/<assignment>/*.py: {name: (ANSWERS, EXPECT)}.

    ANSWERS maps an answer cell's grade_id to replacement source (other cells keep the solution);
    EXPECT is "full" or {"lost": [test grade_ids that must lose points; all others must not]}.
    """
    found = {}
    for path in sorted((REPO / "tests" / "independent" / assignment).glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"indep_{assignment}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[path.stem] = (module.ANSWERS, module.EXPECT)
    return found


def submissions(assignment, release):
    """{student id: (notebook, expectation)}: expectation 'zero', 'full', 'loses' or {"lost": [...]}."""
    solution = nbformat.read(solution_notebook(assignment), as_version=4)
    correct = with_answers(release, solution)
    subs = {"stub": (release, "zero"), "solution": (correct, "full"), "solution-light": (light(correct), "full")}
    custom = custom_mutants(assignment)
    for name, cell_index in answer_functions(solution).items():
        # the release keeps cell order, so the answer cell has the same index
        if name in custom:
            codes = [(f"custom{k}", code) for k, code in enumerate(custom[name])]
        else:
            first_only = name.endswith("_forward")
            codes = [(mode, MUTANT_TEMPLATE.format(name=name, mode=mode, first_only=first_only))
                     for mode in ("scale", "sign")]
        for mode, code in codes:
            nb = light(correct)
            target = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                      == correct.cells[cell_index].metadata["nbgrader"]["grade_id"]][0]
            target.source = target.source + "\n" + code
            subs[f"mutant-{name}-{mode}"] = (nb, "loses")
    for name, (answers, expect) in independent(assignment).items():
        nb = light(correct)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and gid in answers:
                cell.source = answers[gid].strip("\n")
        subs[f"indep-{name}"] = (nb, expect)
    return subs


def make_course(tmp, assignments):
    """A course root in ``tmp`` holding a copy of the given solution folders and its own gradebook."""
    root = Path(tmp)
    for a in assignments:
        shutil.copytree(SOLUTIONS / a, root / "solutions" / a)
    return root


def nbgrader(root, *args, env_extra=None):
    """Run the real `nbgrader` command line on course ``root`` (config: the repo's, pointed at root)."""
    if not (root / "nbgrader_config.py").exists():
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")  # it locates itself
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.update(env_extra or {})
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args],
                          cwd=root, env=env, capture_output=True, text=True)


def write_submission(root, student, assignment, nb, filename):
    path = root / "autograde" / "work" / "submitted" / student / assignment / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def autograde_parallel(root, assignment, workers=2):
    """Grade every submission with ``workers`` concurrent `nbgrader autograde` processes.

    Student ids must start with "g<k>-" (k < workers): process k grades the glob "g<k>-*".
    Each process uses its own IPC kernel sockets (two kernels on one TCP port would cross-wire).
    Returns the processes' combined output.
    """
    procs = []
    for k in range(workers):
        sock = root / f".kernels{k}"
        sock.mkdir(exist_ok=True)
        args = ["autograde", assignment, "--force", f"--student=g{k}-*", f"--Execute.timeout={CODE_CELL_TIMEOUT}",
                "--KernelManager.transport=ipc", f"--KernelManager.ip={sock}/kernel"]
        env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
                   OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   MPLBACKEND="agg")
        procs.append(subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args],
                                      cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    return "".join(p.communicate()[0] for p in procs)


def totals(root):
    """{student: (score, max_score)} of whole submissions, written answers (graded by hand) included."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "autograde" / "work" / "gradebook.db")) as gb:
        return {sub.student.id: (sub.score, sub.max_score) for a in gb.assignments for sub in a.submissions}


def scores(root):
    """{student: (score, max_score, {grade_id: (score, max)})} of the autograded cells, from the gradebook.

    Written answers (markdown cells graded by hand in the formgrader) are left out: no autograde run
    scores them, so "full marks" here means every automatic point.
    """
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook("sqlite:///" + str(root / "autograde" / "work" / "gradebook.db")) as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                tests = {g.name: (g.score or 0.0, g.max_score) for nb in sub.notebooks for g in nb.grades
                         if g.max_score and g.cell.cell_type == "code"}
                out[sub.student.id] = (sum(s for s, _ in tests.values()), sum(m for _, m in tests.values()), tests)
    return out


# ----------------------------------------------------------------- a solution notebook, run top to bottom

@dataclass
class Run:
    """A notebook run top to bottom in a fresh kernel: the executed notebook (outputs kept), the wall time,
    and why the run stopped early (a cell past its time limit, a dead kernel), or None."""
    notebook: nbformat.NotebookNode
    seconds: float
    stopped: str = None

    def errors(self):
        """One line per error output: "cell 7 ('relu'): ValueError: ..."."""
        found = []
        for i, cell in enumerate(self.notebook.cells):
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            where = f"cell {i + 1}" + (f" ('{gid}')" if gid else "")
            found += [f"{where}: {o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                      if o.get("output_type") == "error"]
        return found + ([self.stopped] if self.stopped else [])


def execute_notebook(path, folder, timeout=CODE_CELL_TIMEOUT):
    """Run the notebook at ``path`` in ``folder`` (a copy of its own folder is made there) -> Run.

    Every cell runs (errors stay in the outputs, as under nbgrader's Execute); a cell may run ``timeout``
    seconds, the grading's limit. The kernel talks over IPC sockets in ``folder``, so parallel test
    workers never share a TCP port.
    """
    folder = Path(folder)
    shutil.copytree(Path(path).parent, folder, dirs_exist_ok=True)
    nb = nbformat.read(folder / Path(path).name, as_version=4)
    ipc = Config({"KernelManager": {"transport": "ipc", "ip": str(folder / ".kernel")}})
    client = NotebookClient(nb, config=ipc, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    t0 = time.perf_counter()
    stopped = None
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as e:
        stopped = f"the run stopped: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return Run(nb, time.perf_counter() - t0, stopped)


# ----------------------------------------------------------------- the Judge's verdicts, without nbgrader

def judged_cells(nb):
    """What nbgrader's Judge (autograde/execute.py, Judge.preprocess) hands to judge.judge_notebook for ``nb``.

    Returns (cells, tests, points): cells = [(label, source)] of the setup and answer code cells, in order;
    tests = the grade ids of the autograded test cells, in order; points = {grade id: the cell's points}.
    """
    cells, tests, points = [], [], {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell):
            tests.append(meta["grade_id"])
            points[meta["grade_id"]] = float(meta.get("points", 0))
        elif nbgrader_utils.is_solution(cell) or nbgrader_utils.is_locked(cell):
            cells.append((f"cell '{meta['grade_id']}'" if meta.get("grade_id") else f"cell {index + 1}", cell.source))
    return cells, tests, points


def judge_submission(nb, notebook, workdir, first=None):
    """``nb`` scored as nbgrader scores the Judge's verdicts, by the same trusted checks through the same
    ``judge.Student`` and agent (a plain child process, as under plain `nbgrader autograde`), without
    nbgrader, a kernel run of the notebook or a diagnosis.

    notebook: the notebook's file stem (it names autograde/checks/<stem>.py); workdir: the agent's folder.
    first: a test's grade id to judge alone first (a mutant's own test): when it fails, that verdict is the
    result (the submission has lost points; the other checks are not run); otherwise every test is judged.
    Returns (score, max_score, {grade id: (score, max)}, {grade id: the failed verdict's message}) over the
    tests judged, the first three as ``scores`` gives them: a passed check earns its cell's points, a failed 0.
    """
    cells, tests, points = judged_cells(nb)
    checks = judge.load_checks(notebook)
    for subset in ([first], tests) if first in tests else (tests,):
        verdicts, _notes = judge.judge_notebook(cells, subset, checks, judge.BareLauncher(), str(workdir),
                                                diagnose=None)
        if subset is tests or not verdicts[first].passed:
            break
    per_test = {gid: (points[gid] if v.passed else 0.0, points[gid]) for gid, v in verdicts.items()}
    messages = {gid: v.message for gid, v in verdicts.items() if not v.passed}
    return sum(s for s, _ in per_test.values()), sum(m for _, m in per_test.values()), per_test, messages


def _judge_text(text, notebook, workdir, first):
    """judge_submission on a notebook sent as JSON text to a pool process, in a fresh folder ``workdir``."""
    Path(workdir).mkdir(parents=True)
    return judge_submission(nbformat.reads(text, as_version=4), notebook, workdir, first)


def judge_parallel(notebook, subs, folder, workers=None):
    """judge_submission of every submission in ``subs`` ({name: (notebook, first)}), ``workers`` at a time
    (default: ``parallelism()``).

    Processes, not threads: a check may set warning filters, which threads would share. Each submission's
    agent runs in its own folder ``folder/<name>`` (as nbgrader's autograded/<student>/<assignment>).
    Returns {name: judge_submission's result}.
    """
    spawn = multiprocessing.get_context("spawn")   # no fork of a test process that holds threads and kernels
    with concurrent.futures.ProcessPoolExecutor(workers or parallelism(), mp_context=spawn) as pool:
        jobs = {name: pool.submit(_judge_text, nbformat.writes(nb), notebook, str(Path(folder) / name), first)
                for name, (nb, first) in subs.items()}
        return {name: job.result() for name, job in jobs.items()}


def parallelism():
    """How many processes one test keeps busy: the machine's cores shared among the pytest-xdist workers
    (2 on CI's 2 cores when pytest runs alone, 1 under `make test`'s two workers)."""
    return max(1, (os.cpu_count() or 2) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def own_tests(nb):
    """{function name: grade id of its test cell}: the first test cell after the answer cell that defines the
    function and names it (else the first test cell after that answer cell; CONTRIBUTING.md: an answer cell,
    then its test cell). The check a mutant of that function should fail first."""
    tests = [(i, c.metadata["nbgrader"]["grade_id"], c.source) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and nbgrader_utils.is_grade(c) and not nbgrader_utils.is_solution(c)]
    found = {}
    for name, index in answer_functions(nb).items():
        later = [(gid, source) for i, gid, source in tests if i > index]
        found[name] = next((gid for gid, source in later if re.search(rf"\b{name}\b", source)), later[0][0] if later else None)
    return found
