"""Run each grading kernel under resource limits, in a bubblewrap sandbox where one works.

    Limits                     per-notebook wall time, per-cell time, memory, CPU, processes, file size, output
    resolve_mode(mode)         "auto" -> "bwrap" when bubblewrap works here, else "rlimit"; "none" runs bare
    Sandbox(mode, limits, ..)  builds the kernel command line; one per grading worker
    SandboxKernelManager       a jupyter_client kernel manager that starts kernels through a Sandbox
    GuardedExecute             nbgrader's Execute preprocessor with limits, per-cell seeds, tamper probes

Modes (what a student's kernel runs under):

    bwrap   root:      prlimit (limits) -> bwrap as root (new mount/pid/net/ipc/uts namespaces; the
                       file system is a read-only /usr and /etc, the Python and its packages, the
                       trainlab package, a size-capped /tmp, and read-write only the notebook's own
                       folder and the kernel's socket folder) -> setpriv to a dedicated uid with no
                       capabilities and no_new_privs -> the kernel. The instructor's files, the
                       gradebook, other submissions and the network do not exist inside.
            non-root:  prlimit -> bwrap --unshare-user --disable-userns --cap-drop ALL (same binds).
    rlimit  prlimit limits and (as root) the dedicated uid; the kernel sees the real file system,
            refused only by file permissions and the in-kernel audit hook (autograde/kernel_guard.py).
    none    no limits besides the cell and notebook time limits (for debugging and benchmarks).

Kernels talk to the grader over IPC (Unix sockets in the kernel's own folder): no TCP port races
between parallel graders, and no network is needed inside the sandbox. Each worker process holds a
slot (a lock file) that gives it its own uid, so the process limit and the clean-up (kill every
process of that uid) never touch another worker's kernel.
"""
import asyncio
import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

UID_BASE = int(os.environ.get("TRAINLAB_SANDBOX_UID_BASE", "1200000"))
SLOT_DIR = Path(tempfile.gettempdir()) / "trainlab-sandbox-slots"
GUARD_SOURCE = Path(__file__).with_name("kernel_guard.py")
PROTECTED_MODULES = ["numpy", "numpy.testing", "numpy.linalg", "numpy.random", "math", "warnings", "copy",
                     "torch", "torch.nn.functional", "trainlab.grading", "trainlab.gradcheck",
                     "trainlab.torchcheck"]
PROTECTED_PREFIXES = ["numpy", "torch", "trainlab", "math", "warnings", "copy"]


@dataclass
class Limits:
    """Per-notebook limits. None for cell_s means the course config's ``Execute.timeout``."""
    notebook_s: float = 900.0      # wall time for the whole notebook
    cell_s: float | None = None    # wall time for one cell
    memory_mb: int = 4096          # address space of the kernel (torch alone needs ~700 MB)
    cpu_s: int | None = None       # CPU seconds of the kernel process; default notebook_s + 60
    nproc: int = 64                # tasks (threads + processes) of the sandbox uid; a kernel uses ~12
    max_processes: int = 16        # more processes than this: the sandbox is stopped (fork bomb)
    fsize_mb: int = 256            # largest file the kernel may write
    tmp_mb: int = 256              # size of the sandbox's /tmp
    output_kb: int = 256           # output kept per cell; more is cut and reported

    def as_dict(self):
        return asdict(self)


# ---------------------------------------------------------------------------------- mode detection

_MODE_CACHE = {}


def _is_root():
    return os.geteuid() == 0


def resolve_mode(mode="auto"):
    """The sandbox mode that will really be used: "bwrap", "rlimit" or "none".

    "auto" tries bubblewrap once (a trivial command through the real binds) and falls back to
    "rlimit" when it is missing or user namespaces are off. Asking for "bwrap" where it cannot work
    raises RuntimeError.
    """
    if mode in ("none", "rlimit"):
        return mode
    if mode not in ("auto", "bwrap"):
        raise ValueError(f"unknown sandbox mode {mode!r}: use auto, bwrap, rlimit or none")
    if "bwrap" not in _MODE_CACHE:
        _MODE_CACHE["bwrap"] = _bwrap_problem()
    problem = _MODE_CACHE["bwrap"]
    if problem is None:
        return "bwrap"
    if mode == "bwrap":
        raise RuntimeError(f"the bubblewrap sandbox does not work here: {problem}")
    return "rlimit"


def _bwrap_problem():
    """None when a bubblewrap sandbox can start a Python here, else why not."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if _is_root() else ()):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: apt-get install bubblewrap util-linux)"
    probe_dir = tempfile.mkdtemp(prefix="trainlab-bwrap-probe-")
    box = None
    try:
        box = Sandbox("bwrap", Limits(), run_dir=probe_dir, _probe=True)
        cmd, env = box.wrap([sys.executable, "-c", "import numpy; print('ok')"], cwd=probe_dir,
                            kdir=box.new_kernel_dir())
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or "ok" not in r.stdout:
            return (r.stderr or r.stdout).strip()[-300:] or f"exit status {r.returncode}"
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "use the fallback"
        return str(e)
    finally:
        if box is not None and getattr(box, "_slot_fd", None) is not None:
            os.close(box._slot_fd)     # give the slot back
        shutil.rmtree(probe_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------- the sandbox

def _acquire_slot():
    """A process-wide slot number, held by an flock until the process exits."""
    SLOT_DIR.mkdir(mode=0o755, exist_ok=True)
    for k in range(1024):
        fd = os.open(SLOT_DIR / f"slot-{k}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return k, fd
    raise RuntimeError("no free sandbox slot")


def _package_dirs(names=("trainlab",)):
    import importlib.util
    dirs = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs += [str(Path(p).resolve()) for p in spec.submodule_search_locations]
    return dirs


class Sandbox:
    """Builds sandboxed kernel command lines for one grading worker process."""

    def __init__(self, mode, limits, run_dir, deny_read=(), extra_ro=(), _probe=False):
        self.mode = mode
        self.limits = limits
        self.run_dir = Path(run_dir)
        self.deny_read = [str(Path(p).resolve()) for p in deny_read]
        self.root = _is_root()
        self.uid = self._slot_fd = None
        if mode in ("bwrap", "rlimit") and self.root:
            self.slot, self._slot_fd = _acquire_slot()
            self.uid = UID_BASE + self.slot
        self.kernels_dir = self.run_dir / f"kernels-{os.getpid()}"
        self.kernels_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(self.kernels_dir, 0o711)
        self.python_dirs = sorted({str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())})
        self.packages = _package_dirs()
        self.reference_dirs = [str(Path(p) / "reference") for p in self.packages]
        # data the package loads (pretrained weights, ...): <repository>/data next to the package
        self.packages += [str(Path(p).parent / "data") for p in self.packages if (Path(p).parent / "data").is_dir()]
        self.extra_ro = [str(Path(p).resolve()) for p in extra_ro]
        self.mpl_cache = None if _probe else self._matplotlib_cache()

    # -- files the kernel owns -------------------------------------------------------------
    def give(self, path):
        """Hand a file or folder to the sandbox uid (as root); no-op otherwise."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def new_kernel_dir(self):
        kdir = Path(tempfile.mkdtemp(prefix="k", dir=self.kernels_dir))
        for sub in ("home", "home/mpl", "tmp"):
            (kdir / sub).mkdir()
        if self.mpl_cache:
            for f in Path(self.mpl_cache).glob("*.json"):
                shutil.copy(f, kdir / "home" / "mpl" / f.name)
        if self.uid is not None:
            for p in [kdir, *kdir.rglob("*")]:
                os.chown(p, self.uid, self.uid)
        os.chmod(kdir, 0o700)
        return str(kdir)

    def _matplotlib_cache(self):
        return matplotlib_cache()

    # -- the command ---------------------------------------------------------------------------
    def env(self, kdir):
        home = os.path.join(kdir, "home")
        env = {
            "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": home, "MPLCONFIGDIR": os.path.join(home, "mpl"), "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "IPYTHONDIR": os.path.join(home, ".ipython"), "JUPYTER_CONFIG_DIR": os.path.join(home, ".jupyter"),
            "JUPYTER_DATA_DIR": os.path.join(home, ".jupyter-data"),
            "TMPDIR": "/tmp" if self.mode == "bwrap" else os.path.join(kdir, "tmp"),
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1", "NBGRADER_EXECUTION": "autograde",
        }
        env.update({k: v for k, v in os.environ.items() if k.startswith("TRAINLAB_") and "UID" not in k})
        if self.mode == "none":
            env = dict(os.environ, **{k: env[k] for k in ("PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                          "PYTHONDONTWRITEBYTECODE",
                                                          "OPENBLAS_NUM_THREADS", "NBGRADER_EXECUTION",
                                                          "PYDEVD_DISABLE_FILE_VALIDATION")})
        return env

    def _prlimit(self):
        lim = self.limits
        mem = int(lim.memory_mb) << 20
        cpu = int(lim.cpu_s if lim.cpu_s is not None else lim.notebook_s + 60)
        nproc = lim.nproc
        if not self.root:   # the limit counts all of this user's tasks: leave room for what runs already
            nproc += _count_tasks(os.getuid())
        return ["prlimit", f"--as={mem}", f"--data={mem}", f"--cpu={cpu}:{cpu + 5}", f"--nproc={nproc}",
                f"--fsize={int(lim.fsize_mb) << 20}", "--core=0", "--nofile=1024", "--"]

    def _setpriv(self):
        u = self.uid
        return ["setpriv", f"--reuid={u}", f"--regid={u}", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs", "--"]

    def _bwrap(self, cwd, kdir):
        cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
               "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading"]
        if not self.root:
            cmd += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        cmd += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                cmd += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                cmd += ["--ro-bind", top, top]
        cmd += ["--perms", "1777", "--size", str(int(self.limits.tmp_mb) << 20), "--tmpfs", "/tmp"]
        made = {"/", "/usr", "/etc", "/proc", "/dev", "/tmp"}
        ro = [p for p in self.python_dirs + self.packages + self.extra_ro if os.path.exists(p)]
        rw = [kdir, str(Path(cwd).resolve())]
        for path in ro + rw:
            parents = list(Path(path).parents)[::-1][1:]
            for parent in parents:
                if str(parent) not in made:
                    cmd += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            made.add(path)
        for path in ro:
            cmd += ["--ro-bind", path, path]
        for path in rw:
            cmd += ["--bind", path, path]
        cmd += ["--chdir", str(Path(cwd).resolve()), "--unsetenv", "JPY_PARENT_PID"]
        return cmd

    def wrap(self, kernel_cmd, cwd, kdir):
        """(command, environment) that start ``kernel_cmd`` inside this sandbox."""
        env = self.env(kdir)
        if self.mode == "none":
            return list(kernel_cmd), env
        cmd = self._prlimit()
        if self.mode == "bwrap":
            cmd += self._bwrap(cwd, kdir)
        if self.uid is not None:
            cmd += self._setpriv()
        return cmd + list(kernel_cmd), env

    # -- processes -----------------------------------------------------------------------------
    def count_processes(self):
        """Processes (not threads) of the sandbox uid; 0 when it has no uid of its own."""
        return _count_processes(self.uid) if self.uid is not None else 0

    def kill_all(self):
        """SIGKILL every process of the sandbox uid (as root); used after each kernel."""
        if self.uid is None:
            return
        for _ in range(5):
            if not _count_processes(self.uid):
                return
            # stop them all first (a fork bomb re-forks while a plain kill -1 walks the list), then kill.
            # kill(-1) signals every process of the calling uid except the caller: never anything else.
            subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                            "/bin/sh", "-c", "kill -s STOP -- -1; kill -s KILL -- -1"], capture_output=True)
            time.sleep(0.05)

    def cleanup_kernel_dir(self, kdir):
        self.kill_all()
        shutil.rmtree(kdir, ignore_errors=True)

    def describe(self):
        who = "a dedicated uid per worker" if self.uid is not None else ("your uid" if not self.root else "root")
        return {"bwrap": f"bubblewrap sandbox + rlimits, {who}", "rlimit": f"rlimits only (no bubblewrap), {who}",
                "none": "no sandbox, no limits"}[self.mode]


def matplotlib_cache():
    """matplotlib's font cache, built once per machine and matplotlib version (a kernel without it
    spends a second or two rebuilding it). Kernels get a copy in their own folder."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        tag = version("matplotlib")
    except PackageNotFoundError:
        return None
    cache = Path(tempfile.gettempdir()) / f"trainlab-mplcache-{os.geteuid()}-{tag}"
    if any(cache.glob("fontlist*.json")):
        return str(cache)
    cache.mkdir(mode=0o755, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not any(cache.glob("fontlist*.json")):
            env = dict(os.environ, MPLCONFIGDIR=str(cache))
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                           capture_output=True, timeout=300)
    return str(cache)


def _pids_of(uid):
    """The /proc entries (pid strings) of processes owned by ``uid``."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    yield name
            except OSError:
                pass


def _count_processes(uid):
    """Live (non-zombie) processes of ``uid``."""
    n = 0
    for pid in _pids_of(uid):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            n += state not in (b"Z", b"X")
        except (OSError, IndexError):
            pass
    return n


def _count_tasks(uid):
    """Threads of all processes of ``uid`` (what RLIMIT_NPROC counts)."""
    n = 0
    for pid in _pids_of(uid):
        try:
            n += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return n


# ---------------------------------------------------------------------------------- kernel manager

class SandboxKernelManager(AsyncKernelManager):
    """Starts the kernel through ``self.sandbox`` (set before start), talking over IPC sockets."""

    sandbox = None

    async def _async_pre_start_kernel(self, **kw):
        self.kdir = self.sandbox.new_kernel_dir()
        self.transport = "ipc"
        self.ip = os.path.join(self.kdir, "k")
        self.connection_file = os.path.join(self.kdir, "kernel.json")
        self.cache_ports = False
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"   # a signal cannot cross bwrap's new session
        cwd = kw.get("cwd") or os.getcwd()
        self.sandbox.give(cwd)
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.sandbox.give(self.connection_file)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        cmd, env = self.sandbox.wrap(kernel_cmd, cwd=kw.get("cwd") or os.getcwd(), kdir=self.kdir)
        kw["env"] = env
        self.log_file = open(os.path.join(self.kdir, "kernel.log"), "wb")
        kw["stdout"] = kw["stderr"] = self.log_file
        return await super()._async_launch_kernel(cmd, **kw)

    def log_tail(self, n=600):
        """The end of what the kernel process printed (a crash message, say)."""
        try:
            with open(os.path.join(self.kdir, "kernel.log"), "rb") as f:
                f.seek(max(0, os.fstat(f.fileno()).st_size - n))
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def exit_status(self):
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if getattr(self, "log_file", None):
            self.log_file.close()
        if getattr(self, "kdir", None):
            self.sandbox.cleanup_kernel_dir(self.kdir)
            self.kdir = None


# ---------------------------------------------------------------------------------- the preprocessor

def _nbgrader_execute():
    from nbgrader.preprocessors import Execute
    return Execute


def _error(ename, message):
    from nbformat.notebooknode import NotebookNode
    return NotebookNode(output_type="error", ename=ename, evalue=message,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {message}"])


def _exit_reason(status, limits):
    if status is None:
        return "the kernel stopped answering"
    sig = -status if status < 0 else (status - 128 if status > 128 else None)
    names = {signal.SIGSEGV: "crashed (segmentation fault)", signal.SIGKILL: "was killed (out of memory?)",
             signal.SIGXCPU: f"used up its CPU time limit ({limits.cpu_s or int(limits.notebook_s + 60)} s)",
             signal.SIGABRT: "aborted", signal.SIGBUS: "crashed (bus error)", signal.SIGXFSZ: "wrote a file past the size limit"}
    if sig in names:
        return f"the kernel {names[sig]}"
    return f"the kernel exited (status {status})"


class GuardedExecuteMixin:
    """Execution with per-notebook limits, per-cell seeds and tamper probes (see module docstring).

    The worker sets ``GuardedExecute.context`` before calling nbgrader: a dict with
    ``sandbox`` (Sandbox), ``limits`` (Limits), ``plans`` ({notebook id: plan}), ``reports`` (filled here).
    A plan: {"seed_base": str, "zero": {grade_id: reason}, "deny_read": [...]}.
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

    # -- output caps -----------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        """Keep at most output_kb of text per cell (images count a twentieth: a plot is fine, 50 MB of
        print is not); report and drop the rest."""
        cap = self._limits.output_kb * 1024
        content = msg.get("content", {})
        data = content.get("data", {})
        size = len(content.get("text", "")) + sum(len(str(v)) // (1 if k.startswith("text/") else 20)
                                                  for k, v in data.items())
        used = self._output_used.get(cell_index, 0)
        self._output_used[cell_index] = used + size
        if used + size > cap:
            if cell_index not in self._output_cut:
                self._output_cut.add(cell_index)
                if used < cap and msg["msg_type"] == "stream":
                    msg = dict(msg, content=dict(content, text=content.get("text", "")[:cap - used]))
                    super().output(outs, msg, display_id, cell_index)
                from nbformat.notebooknode import NotebookNode
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text=f"\n[... output cut by the grader: more than {self._limits.output_kb} KB]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- helpers --------------------------------------------------------------------------------
    async def _silent(self, code, timeout, expressions=None):
        """Run grader code in the kernel; returns the reply content or None on time-out."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, user_expressions=expressions or {},
                                 allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=min(remaining, 1.0))
            except Exception:  # queue.Empty
                if not await self.kc.is_alive():
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg["content"]

    async def _watch_processes(self, state):
        box = self.context["sandbox"]
        limit = self._limits.max_processes
        while True:
            await asyncio.sleep(0.25)
            n = box.count_processes()
            if n > limit:
                state["forkbomb"] = n
                await self._kill_kernel()
                return

    def _label(self, cell, index):
        md = cell.metadata.get("nbgrader", {})
        gid = md.get("grade_id")
        if gid and md.get("grade"):
            return f"test cell '{gid}'"
        if gid and md.get("solution"):
            return f"answer cell '{gid}'"
        if gid:
            return f"cell '{gid}'"
        return f"cell {index + 1}"

    # -- the run --------------------------------------------------------------------------------
    async def _async_run(self):
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from nbgrader import utils

        ctx = self.context
        self._limits = limits = ctx["limits"]
        self._output_used, self._output_cut = {}, set()
        nb_id = self.resources.get("nbgrader", {}).get("notebook", "notebook")
        plan = ctx["plans"].get(nb_id, {})
        report = ctx["reports"].setdefault(nb_id, {"events": [], "tampering": [], "zeroed": {}, "errors": []})
        cell_limit = limits.cell_s if limits.cell_s else (self.timeout or 30)
        deadline = time.monotonic() + limits.notebook_s
        cells = self.nb.cells
        code_cells = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
        guard_cfg = {
            "protected_modules": PROTECTED_MODULES, "protected_prefixes": PROTECTED_PREFIXES,
            "reference": "trainlab.reference", "reference_dirs": ctx["sandbox"].reference_dirs,
            "deny_read": ctx["sandbox"].deny_read + plan.get("deny_read", []),
            "allow_read": ctx["sandbox"].python_dirs + ctx["sandbox"].packages,
            "allow_write": [], "enforce": ctx["sandbox"].mode != "bwrap",
            "cells": [(self._label(c, i), c.source, utils.is_locked(c) and not utils.is_solution(c))
                      for i, c in code_cells],
            "seed_base": plan.get("seed_base", nb_id),
        }
        stopped = None          # why the rest of the notebook was not run
        tampered_at = None      # label of the cell after which tampering was first seen
        timing = report.setdefault("timing", {"start": 0.0, "boot": 0.0, "cells": 0.0, "probes": 0.0, "stop": 0.0})
        t_start = time.monotonic()
        async with self.async_setup_kernel():
            self.km_dir = getattr(self.km, "kdir", None)
            guard_cfg["allow_write"] = [str(Path(self.resources.get("metadata", {}).get("path") or os.getcwd()).resolve()),
                                        self.km.kdir] + (["/tmp"] if ctx["sandbox"].mode == "bwrap" else [])
            info = await self.async_wait_for_reply(await _maybe(self.kc.kernel_info()))
            t_info = time.monotonic()
            timing["start"] += t_info - t_start
            if info is not None:
                self.nb.metadata["language_info"] = info["content"].get("language_info", {})
            boot = await self._silent(_bootstrap_code(guard_cfg), timeout=max(60, min(cell_limit, 300)),
                                      expressions={"r": "__import__('sys').modules['_trainlab_guard'].install_result"})
            t_boot = time.monotonic()
            timing["boot"] += t_boot - t_info
            if not boot or boot.get("status") != "ok":
                raise RuntimeError(f"the grader's kernel guard did not start: {boot}")
            # probe after locked cells, before test cells and at the end (cheaper than after every cell)
            runnable = [(i, c) for i, c in code_cells if c.source.strip()]
            probe_after = {i for i, c in runnable if utils.is_locked(c)} | ({runnable[-1][0]} if runnable else set())
            probe_after |= {runnable[k][0] for k in range(len(runnable) - 1) if utils.is_grade(runnable[k + 1][1])}
            for index, cell in code_cells:
                label = self._label(cell, index)
                is_grade = utils.is_grade(cell)
                trusted = utils.is_locked(cell) and not utils.is_solution(cell)
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if stopped is None and time.monotonic() > deadline:
                    stopped = f"the notebook's time limit ({limits.notebook_s:.0f} s) was used up"
                    report["events"].append(("timeout", f"{stopped} before {label}"))
                if stopped is not None:
                    cell.outputs = []
                    if is_grade:
                        cell.outputs.append(_error("NotRun", f"not run: {stopped}"))
                        report["zeroed"][gid] = f"not run: {stopped}"
                    continue
                if not cell.source.strip():
                    continue
                self.timeout = max(1, int(min(cell_limit, deadline - time.monotonic()) + 0.999))
                state = {}
                watcher = asyncio.ensure_future(self._watch_processes(state)) if ctx["sandbox"].uid is not None else None
                t0 = time.monotonic()
                try:
                    await self.async_execute_cell(cell, index, store_history=True)
                except DeadKernelError:
                    said = [ln for ln in self.km.log_tail().splitlines() if ln.strip()]
                    said = said[-1].strip()[:120] if said and ("Error" in said[-1] or "error" in said[-1]) else ""
                    why = (f"{label} started {state['forkbomb']} processes (limit {limits.max_processes}): "
                           "the sandbox was stopped") if state.get("forkbomb") else \
                        f"{_exit_reason(self.km.exit_status(), limits)} in {label}" + \
                        (f" (it printed: {said})" if said else "")
                    stopped = why
                    report["events"].append(("processes" if state.get("forkbomb") else "crash", why))
                    cell.outputs.append(_error("KernelDied", why))
                    if is_grade:
                        report["zeroed"][gid] = why
                    continue
                except CellTimeoutError as e:
                    cell.outputs.append(_error("CellTimeoutError", str(e).splitlines()[0]))
                finally:
                    if watcher is not None:
                        watcher.cancel()
                elapsed = time.monotonic() - t0
                timing["cells"] += elapsed
                timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs if o.output_type == "error")
                if timed_out:
                    which = "the notebook's" if self.timeout < cell_limit else "the per-cell"
                    limit_s = limits.notebook_s if self.timeout < cell_limit else cell_limit
                    report["events"].append(("timeout", f"{label} ran past {which} time limit ({limit_s:.0f} s) "
                                                        "and was interrupted"))
                errors = [o for o in cell.outputs if o.output_type == "error"]
                for o in errors:
                    if o.get("ename") == "MemoryError":
                        report["events"].append(("memory", f"{label} ran out of memory (limit {limits.memory_mb} MB)"))
                    elif o.get("ename") == "SystemExit":
                        report["events"].append(("exit", f"{label} called sys.exit() / raised SystemExit"))
                    elif not is_grade and o.get("ename") not in ("CellTimeoutError", "NotImplementedError"):
                        report["errors"].append(f"{label}: {o.get('ename')}: {str(o.get('evalue'))[:120]}")
                if index in self._output_cut:
                    report["events"].append(("output", f"{label} printed more than {limits.output_kb} KB "
                                                       f"({self._output_used[index] / 1e6:.1f} MB): cut"))
                if index not in probe_after and not timed_out:
                    continue
                # probe: is the kernel still answering, was anything tampered with?
                result = await self._silent(
                    f"__import__('sys').modules['_trainlab_guard'].probe({trusted!r})",
                    timeout=5 if timed_out else 60,
                    expressions={"r": "__import__('sys').modules['_trainlab_guard'].last"})
                if result is None:
                    why = (f"{label} did not stop when interrupted at its time limit" if timed_out
                           else f"the kernel stopped answering after {label}")
                    if await self.kc.is_alive() and not timed_out:
                        why = f"the kernel stopped answering after {label}"
                    stopped = why
                    report["events"].append(("timeout" if timed_out else "crash", why + ": the kernel was stopped"))
                    await self._kill_kernel()
                    if is_grade and not timed_out:
                        pass
                    continue
                timing["probes"] += time.monotonic() - t0 - elapsed
                violations, events = _parse_probe(result)
                for kind, message in events:
                    if kind == "tampering":
                        violations.append(message)
                    else:
                        report["events"].append((kind, f"{label}: {message}"))
                if violations:
                    report["tampering"] += [f"{label}: {v}" for v in violations]
                    if tampered_at is None:
                        tampered_at = label
                        if is_grade:   # the test ran with the tampering in place
                            tampered_at = label
                if is_grade:
                    reason = None
                    if tampered_at is not None:
                        reason = f"tampering detected (after {tampered_at}); this test does not count"
                    elif gid in plan.get("zero", {}):
                        reason = plan["zero"][gid]
                    if reason:
                        cell.outputs.append(_error("GradingRefused", reason))
                        report["zeroed"][gid] = reason
                del elapsed
            t_stop = time.monotonic()
        timing["stop"] += time.monotonic() - t_stop
        report["stopped"] = stopped

    async def _kill_kernel(self):
        """Kill the kernel's whole sandbox: bwrap's PID namespace dies with it; then the uid's leftovers."""
        try:
            await self.km._async_kill_kernel()
        except Exception:  # noqa: BLE001
            pass
        await asyncio.get_running_loop().run_in_executor(None, self.context["sandbox"].kill_all)


async def _maybe(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def _bootstrap_code(cfg):
    source = GUARD_SOURCE.read_text()
    payload = base64.b64encode(zlib.compress(json.dumps({"src": source, "cfg": cfg}).encode())).decode()
    return (
        "def _trainlab_boot():\n"
        "    import base64, json, sys, types, zlib\n"
        f"    data = json.loads(zlib.decompress(base64.b64decode('{payload}')))\n"
        "    mod = types.ModuleType('_trainlab_guard')\n"
        "    exec(compile(data['src'], '<trainlab-guard>', 'exec'), mod.__dict__)\n"
        "    sys.modules['_trainlab_guard'] = mod\n"
        "    mod.install_result = mod.install(data['cfg'])\n"
        "_trainlab_boot()\n"
        "del _trainlab_boot\n"
    )


def _parse_probe(content):
    import ast
    try:
        value = content["user_expressions"]["r"]
        if value.get("status") != "ok":
            return [f"the grader's probe failed: {value.get('ename')}: {value.get('evalue')}"], []
        data = json.loads(ast.literal_eval(value["data"]["text/plain"]))
        return list(data["violations"]), [tuple(e) for e in data["events"]]
    except Exception as e:  # noqa: BLE001
        return [f"the grader's probe gave no answer ({type(e).__name__})"], []


def make_guarded_execute():
    """The preprocessor class (built lazily: importing nbgrader costs seconds)."""
    global GuardedExecute
    if GuardedExecute is None:
        GuardedExecute = type("GuardedExecute", (GuardedExecuteMixin, _nbgrader_execute()), {})
    return GuardedExecute


GuardedExecute = None
