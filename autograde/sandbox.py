"""Run each grading kernel under resource limits, in a bubblewrap sandbox where one works.

    Limits                     per-notebook wall time, per-cell time, memory, CPU, processes, file size, output
    resolve_mode(mode)         "auto" -> "bwrap" when bubblewrap works here, else "rlimit"; "none" runs bare
    Sandbox(mode, limits, ..)  builds the kernel command line; one per grading worker
    SandboxKernelManager       a jupyter_client kernel manager that starts kernels through a Sandbox
    SandboxLauncher            starts the judge's agent (autograde/agent.py) through a Sandbox

Modes (what a student's kernel runs under):

    bwrap   root:      prlimit (limits) -> bwrap as root (new mount/pid/net/ipc/uts namespaces; the
                       file system is a read-only /usr and /etc, the Python and its packages, a copy of
                       the trainlab package without trainlab.reference (the reference answers do not
                       exist inside), a size-capped /tmp, and read-write only the kernel's own folder
                       and its scratch working folder) -> setpriv to a dedicated uid with no
                       capabilities and no_new_privs -> the kernel. The instructor's files, the
                       gradebook, other submissions and the network do not exist inside.
            non-root:  prlimit -> bwrap --unshare-user --disable-userns --cap-drop ALL (same binds).
    rlimit  prlimit limits and (as root) the dedicated uid; the kernel sees the real file system,
            refused only by file permissions (points are still decided outside it, by the judge).
    none    no limits besides the cell and notebook time limits (for debugging and benchmarks).

Files are a one-way valve. Student code (a kernel, the judge's agent) never works in a folder the
grader reads: each gets a fresh scratch folder inside its private kernel folder, holding copies of
the regular files of the notebook's folder (read without following links, size-capped), bound where
the notebook's folder is (so relative paths work) and owned by the sandbox uid. nbgrader's own folders
stay the grader's: nothing there is handed to the sandbox uid, and nothing left in the scratch folder
(links, FIFOs, stray notebooks) is ever read back; it is deleted with the kernel folder (symlink-safe).

Kernels talk to the grader over IPC (Unix sockets in the kernel's own folder): no TCP port races
between parallel graders, and no network is needed inside the sandbox. Each worker process holds a
slot (a lock file) that gives it its own uid, so the process limit and the clean-up (kill every
process of that uid) never touch another worker's kernel.
"""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from autograde.submission import read_folder

UID_BASE = int(os.environ.get("TRAINLAB_SANDBOX_UID_BASE", "1200000"))
SLOT_DIR = Path(tempfile.gettempdir()) / "trainlab-sandbox-slots"


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


def _student_copy(package_dir, run_dir):
    """A copy of a package folder without its ``reference`` subpackage and bytecode (what student code sees)."""
    dest = Path(run_dir) / "student-packages" / Path(package_dir).name
    if not dest.exists():
        shutil.copytree(package_dir, dest, ignore=shutil.ignore_patterns("reference", "__pycache__", "*.pyc"))
        for p in [dest.parent, dest, *dest.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return str(dest)


class Sandbox:
    """Builds sandboxed kernel command lines for one grading worker process."""

    def __init__(self, mode, limits, run_dir, extra_ro=(), _probe=False):
        self.mode = mode
        self.limits = limits
        self.run_dir = Path(run_dir)
        self.root = _is_root()
        self.uid = self._slot_fd = None
        if mode in ("bwrap", "rlimit") and self.root:
            self.slot, self._slot_fd = _acquire_slot()
            self.uid = UID_BASE + self.slot
        self.kernels_dir = self.run_dir / f"kernels-{os.getpid()}"
        self.kernels_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(self.kernels_dir, 0o711)
        self.python_dirs = sorted({str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())})
        packages = _package_dirs()
        # what student code sees of trainlab: a copy without the reference answers, bound where the package is
        self.package_binds = [(_student_copy(p, self.run_dir), p) for p in packages]
        # data the package loads (pretrained weights, ...): <repository>/data next to the package
        self.packages = [str(Path(p).parent / "data") for p in packages if (Path(p).parent / "data").is_dir()]
        self.extra_ro = [str(Path(p).resolve()) for p in extra_ro]
        self.mpl_cache = None if _probe else self._matplotlib_cache()

    # -- files the kernel owns -------------------------------------------------------------
    def give(self, path):
        """Hand a file or folder (never a link's target) to the sandbox uid (as root); no-op otherwise."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def scratch(self, cwd, kdir):
        """A fresh working folder ``kdir``/work for student code: copies of the regular files under
        ``cwd`` (links, FIFOs, devices, oversized files left out), owned by the sandbox uid.

        The student's process works there (bound at ``cwd``'s path under bubblewrap); the grader never
        reads it back. Returns its path.
        """
        work = Path(kdir) / "work"
        work.mkdir(mode=0o700)
        files, _ = read_folder(cwd, max_bytes=int(self.limits.fsize_mb) << 20)
        for rel, data in files.items():
            dest = work / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        for path in [work, *work.rglob("*")]:
            self.give(path)
        return str(work)

    def new_kernel_dir(self):
        kdir = Path(tempfile.mkdtemp(prefix="k", dir=self.kernels_dir))
        for sub in ("home", "home/mpl", "tmp"):
            (kdir / sub).mkdir()
        if self.mpl_cache:
            for f in Path(self.mpl_cache).glob("*.json"):
                shutil.copy(f, kdir / "home" / "mpl" / f.name)
        for p in [kdir, *kdir.rglob("*")]:
            self.give(p)
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
            "PYDEVD_DISABLE_FILE_VALIDATION": "1", "NBGRADER_EXECUTION": "autograde", "JOBLIB_MULTIPROCESSING": "0",
        }
        if self.mode == "none":
            env = dict({k: v for k, v in os.environ.items() if not k.startswith(("TRAINLAB_", "NBGRADER_DB"))},
                       **{k: env[k] for k in ("PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
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

    def _bwrap(self, cwd, kdir, work=None):
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
        cwd = str(Path(cwd).resolve())
        rw = [(kdir, kdir), (work or cwd, cwd)]
        for path in ro + [dest for _, dest in rw] + [dest for _, dest in self.package_binds]:
            parents = list(Path(path).parents)[::-1][1:]
            for parent in parents:
                if str(parent) not in made:
                    cmd += ["--perms", "0755", "--dir", str(parent)]
                    made.add(str(parent))
            made.add(path)
        for path in ro:
            cmd += ["--ro-bind", path, path]
        for copy, path in self.package_binds:   # after the Python: an editable install may sit inside it
            cmd += ["--ro-bind", copy, path]
        for src, dest in rw:
            cmd += ["--bind", src, dest]
        cmd += ["--chdir", cwd, "--unsetenv", "JPY_PARENT_PID"]
        return cmd

    def wrap(self, kernel_cmd, cwd, kdir, work=None):
        """(command, environment) that start ``kernel_cmd`` inside this sandbox.

        ``work``: the scratch folder (``scratch``) bound at ``cwd`` under bubblewrap; without bubblewrap
        the caller starts the process in ``work`` itself.
        """
        env = self.env(kdir)
        if self.mode == "none":
            return list(kernel_cmd), env
        cmd = self._prlimit()
        if self.mode == "bwrap":
            cmd += self._bwrap(cwd, kdir, work)
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
        self.notebook_dir = kw.get("cwd") or os.getcwd()
        self.work = self.sandbox.scratch(self.notebook_dir, self.kdir)
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.sandbox.give(self.connection_file)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        cmd, env = self.sandbox.wrap(kernel_cmd, cwd=self.notebook_dir, kdir=self.kdir, work=self.work)
        kw["env"], kw["cwd"] = env, self.work
        self.log_file = open(os.path.join(self.kdir, "kernel.log"), "w+b")
        kw["stdout"] = kw["stderr"] = self.log_file
        return await super()._async_launch_kernel(cmd, **kw)

    def log_tail(self, n=600):
        """The end of what the kernel process printed (a crash message, say), read from the grader's own
        descriptor (the kernel could replace the file's name by a link)."""
        try:
            fd = self.log_file.fileno()
            return os.pread(fd, n, max(0, os.fstat(fd).st_size - n)).decode("utf-8", "replace")
        except (AttributeError, OSError, ValueError):
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


# ---------------------------------------------------------------------------------- the judge's agent

class SandboxLauncher:
    """Starts the judge's agent (autograde/agent.py) in the same sandbox as the kernels (judge.Session)."""

    def __init__(self, sandbox):
        self.box = sandbox

    def new_dir(self):
        self._quiesce()                 # nothing left of the kernel or an earlier agent counts as the student's
        return self.box.new_kernel_dir()

    def start(self, argv, workdir, private_dir):
        """The agent, working in a scratch copy of ``workdir`` (Sandbox.scratch), never in ``workdir``."""
        work = self.box.scratch(workdir, private_dir)
        cmd, env = self.box.wrap(argv, cwd=workdir, kdir=private_dir, work=work)
        env["MPLBACKEND"] = "Agg"
        return subprocess.Popen(cmd, env=env, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def cleanup(self, private_dir):
        """Stop everything the agent started (a fork bomb's last children included)."""
        self.box.cleanup_kernel_dir(private_dir)
        self._quiesce()

    def _quiesce(self, seconds=10):
        deadline = time.monotonic() + seconds
        while self.box.count_processes() and time.monotonic() < deadline:
            self.box.kill_all()
            time.sleep(0.1)

    def processes(self):
        """Processes of the sandbox's uid (None without a uid of its own: nothing to count)."""
        return self.box.count_processes() if self.box.uid is not None else None


def exit_reason(status, limits):
    """Why a kernel process ended, in words, from its exit status."""
    if status is None:
        return "the kernel stopped answering"
    sig = -status if status < 0 else (status - 128 if status > 128 else None)
    names = {signal.SIGSEGV: "crashed (segmentation fault)", signal.SIGKILL: "was killed (out of memory?)",
             signal.SIGXCPU: f"used up its CPU time limit ({limits.cpu_s or int(limits.notebook_s + 60)} s)",
             signal.SIGABRT: "aborted", signal.SIGBUS: "crashed (bus error)", signal.SIGXFSZ: "wrote a file past the size limit"}
    if sig in names:
        return f"the kernel {names[sig]}"
    return f"the kernel exited (status {status})"
