"""nbgrader's hooks: run the notebook for its outputs, then decide the points outside it.

    SandboxedExecute   nbgrader's Execute with the pipeline's sandbox and limits; it runs every cell except
                       the test cells (their points are not decided in the student's kernel)
    Judge              an nbgrader preprocessor placed after Execute: it asks the trusted checks
                       (autograde/judge.py) for each test cell's verdict and writes it as the cell's output,
                       so nbgrader's own SaveAutoGrades scores it (an error output: 0; otherwise full points)
                       and its feedback shows the trusted message

Plain `nbgrader autograde` uses nbgrader's Execute and this Judge (see nbgrader_config.py); the pipeline
swaps in SandboxedExecute and gives both the worker's sandbox through ``context``.
"""
import asyncio
import hashlib
import os
import time

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from autograde import judge
from autograde.sandbox import SandboxKernelManager, SandboxLauncher, exit_reason


# Run silently before each cell: Python's, NumPy's and torch's global generators seeded from the cell's text.
SEED_CODE = ("import random as _r, sys as _s\n_r.seed({seed})\n"
             "if 'numpy' in _s.modules: _s.modules['numpy'].random.seed({seed})\n"
             "if 'torch' in _s.modules: _s.modules['torch'].manual_seed({seed})\n"
             "del _r, _s")


def _error(ename, message):
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {line}" if i == 0 else line
                                   for i, line in enumerate(message.splitlines() or [""])])


def _label(cell, index):
    md = cell.metadata.get("nbgrader", {})
    kind = "test cell" if md.get("grade") else "answer cell" if md.get("solution") else "cell"
    return f"{kind} '{md['grade_id']}'" if md.get("grade_id") else f"cell {index + 1}"


def _report(context, resources):
    """The per-notebook report the worker reads: {"events": [(kind, message)], "notes": [...]}."""
    name = resources.get("nbgrader", {}).get("notebook", "notebook")
    reports = context.setdefault("reports", {}) if context is not None else {}
    return reports.setdefault(name, {"events": [], "notes": [], "timing": {}, "diagnoses": {}})


class SandboxedExecute(Execute):
    """Runs the notebook in the worker's sandbox with its limits; test cells are left for the Judge.

    ``context`` (set by the worker): {"sandbox": Sandbox, "limits": Limits, "reports": {}}.
    """

    context = None

    def create_kernel_manager(self):
        if not self.kernel_name:
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        self.km = SandboxKernelManager(kernel_name=self.kernel_name, config=self.config)
        self.km.sandbox = self.context["sandbox"]
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        from nbclient.client import NotebookClient
        from nbclient.util import run_sync
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.shutdown_kernel = "immediate"
        self.startup_timeout = max(self.startup_timeout, 120)
        run_sync(self._async_run)()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most output_kb of text per cell (an image counts a twentieth); report and drop the rest."""
        cap = self.context["limits"].output_kb * 1024
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) // (1 if k.startswith("text/") else 20)
                                                  for k, v in content.get("data", {}).items())
        used = self._output_used.get(cell_index, 0)
        self._output_used[cell_index] = used + size
        if used + size <= cap:
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._output_cut:
            self._output_cut.add(cell_index)
            if used < cap and msg["msg_type"] == "stream":
                super().output(outs, dict(msg, content=dict(content, text=content.get("text", "")[:cap - used])),
                               display_id, cell_index)
            outs.append(NotebookNode(output_type="stream", name="stdout",
                                     text=f"\n[... output cut by the grader: more than {cap >> 10} KB]\n"))
        return None

    async def _watch_processes(self, state):
        box, limit = self.context["sandbox"], self.context["limits"].max_processes
        while True:
            await asyncio.sleep(0.25)
            n = box.count_processes()
            if n > limit:
                state["forkbomb"] = n
                await self._kill_kernel()
                return

    async def _kill_kernel(self):
        try:
            await self.km._async_kill_kernel()
        except Exception:  # noqa: BLE001 - it may be gone already
            pass
        await asyncio.get_running_loop().run_in_executor(None, self.context["sandbox"].kill_all)

    async def _run_cell(self, cell, index, report, cell_limit, deadline):
        """Run one cell; returns why the notebook must stop here, or None."""
        limits, label = self.context["limits"], _label(cell, index)
        self.timeout = max(1, int(min(cell_limit, deadline - time.monotonic()) + 0.999))
        state = {}
        box = self.context["sandbox"]
        watcher = asyncio.ensure_future(self._watch_processes(state)) if box.uid is not None else None
        seed = int(hashlib.sha256((self._seed_base + cell.source).encode()).hexdigest()[:8], 16)
        await self._responds(10, SEED_CODE.format(seed=seed))   # the same draws on every run and every worker
        try:
            await self.async_execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            why = (f"{label} started {state['forkbomb']} processes (limit {limits.max_processes}): the sandbox "
                   "was stopped") if state.get("forkbomb") else f"{exit_reason(self.km.exit_status(), limits)} in {label}"
            report["events"].append(("processes" if state.get("forkbomb") else "crash", why))
            cell.outputs.append(_error("KernelDied", why))
            return why
        except CellTimeoutError as e:
            cell.outputs.append(_error("CellTimeoutError", str(e).splitlines()[0]))
        finally:
            if watcher is not None:
                watcher.cancel()
        for o in cell.outputs:
            if o.output_type != "error":
                continue
            if o.get("ename") == "CellTimeoutError":
                limit_s = limits.notebook_s if self.timeout < cell_limit else cell_limit
                report["events"].append(("timeout", f"{label} ran past its time limit ({limit_s:.0f} s) and was "
                                                    "interrupted"))
            elif o.get("ename") == "MemoryError":
                report["events"].append(("memory", f"{label} ran out of memory (limit {limits.memory_mb} MB)"))
            elif o.get("ename") == "SystemExit":
                report["events"].append(("exit", f"{label} called sys.exit() / raised SystemExit"))
        if index in self._output_cut:
            report["events"].append(("output", f"{label} printed more than {limits.output_kb} KB: cut"))
        timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs if o.output_type == "error")
        if timed_out and not await self._responds(5):
            why = f"{label} did not stop when interrupted at its time limit"
            report["events"].append(("timeout", why + ": the kernel was stopped"))
            await self._kill_kernel()
            return why
        if not await self.kc.is_alive():
            why = f"the kernel stopped answering after {label}"
            report["events"].append(("crash", why))
            return why
        return None

    async def _responds(self, timeout, code=""):
        """Whether the kernel runs ``code`` (silently) within ``timeout`` seconds (it may be stuck in a cell)."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty: no answer yet
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    async def _async_run(self):
        limits = self.context["limits"]
        report = _report(self.context, self.resources)
        self._seed_base = self.resources.get("nbgrader", {}).get("notebook", "")
        self._output_used, self._output_cut = {}, set()
        cell_limit = limits.cell_s if limits.cell_s else (self.timeout or 30)
        deadline = time.monotonic() + limits.notebook_s
        t0 = time.monotonic()
        stopped = None
        async with self.async_setup_kernel():
            info = await self.async_wait_for_reply(await _maybe(self.kc.kernel_info()))
            if info is not None:
                self.nb.metadata["language_info"] = info["content"].get("language_info", {})
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or utils.is_grade(cell) or not cell.source.strip():
                    if cell.cell_type == "code":
                        cell.outputs = []
                    continue
                if stopped is None and time.monotonic() > deadline:
                    stopped = f"the notebook's time limit ({limits.notebook_s:.0f} s) was used up"
                    report["events"].append(("timeout", f"{stopped} before {_label(cell, index)}"))
                if stopped is not None:
                    cell.outputs = [_error("NotRun", f"not run: {stopped}")]
                    continue
                stopped = await self._run_cell(cell, index, report, cell_limit, deadline)
        report["timing"]["notebook"] = report["timing"].get("notebook", 0.0) + time.monotonic() - t0


async def _maybe(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def _diagnoser(notebook):
    """autograde.diagnose's diagnosis for this notebook's failed checks, when that module is there."""
    try:
        from autograde import diagnose
    except ImportError:
        return None
    return diagnose.diagnoser(notebook)


class Judge(NbGraderPreprocessor):
    """Writes the trusted verdict of every autograded test cell as that cell's output.

    ``context`` (set by the pipeline's worker): {"sandbox": Sandbox, "reports": {}}; without it the
    student's code runs as a plain child process (see judge.BareLauncher).
    """

    context = None

    def preprocess(self, nb, resources):
        name = resources.get("nbgrader", {}).get("notebook") or "notebook"
        cells, tests = [], []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if utils.is_grade(cell) and not utils.is_solution(cell):
                tests.append((cell.metadata["nbgrader"]["grade_id"], cell))
            elif utils.is_solution(cell) or utils.is_locked(cell):
                cells.append((_label(cell, index), cell.source))
        if not tests:
            return nb, resources
        sandbox = (self.context or {}).get("sandbox")
        launcher = SandboxLauncher(sandbox) if sandbox is not None else judge.BareLauncher()
        workdir = resources.get("metadata", {}).get("path") or os.getcwd()
        t0 = time.monotonic()
        limits = (self.context or {}).get("limits")
        cell_s = min(limits.cell_s or 30, 60) if limits is not None else 30
        verdicts, notes = judge.judge_notebook(cells, [gid for gid, _ in tests], judge.load_checks(name),
                                               launcher, os.path.abspath(workdir), cell_timeout=cell_s,
                                               diagnose=_diagnoser(name))
        report = _report(self.context, resources)
        report["notes"] += notes
        report.setdefault("diagnoses", {}).update({gid: v.diagnosis for gid, v in verdicts.items() if v.diagnosis})
        report["timing"]["judge"] = report["timing"].get("judge", 0.0) + time.monotonic() - t0
        for gid, cell in tests:
            verdict = verdicts[gid]
            if verdict.passed:
                cell.outputs = [NotebookNode(output_type="stream", name="stdout",
                                             text=f"{gid}: all checks passed\n")]
            else:
                cell.outputs = [_error("GradingError", verdict.message)]
        return nb, resources
