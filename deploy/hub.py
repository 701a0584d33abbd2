"""The course's JupyterHub on one machine: its folder, its accounts' environments, its checks.

    python deploy/hub.py prepare              (as root) build HUB_DIR, link the exchange, lock the course, check
    python deploy/hub.py check                (as root) what a student account can and cannot reach
    python deploy/hub.py as-instructor CMD..  run CMD in the course folder as the instructor, with the hub's
                                              environment (what the instructor's terminal on the hub has)
    python deploy/hub.py show                 the settings in force

deploy/start_hub.sh (what `make hub` runs) calls `prepare`, then starts JupyterHub with
deploy/jupyterhub_config.py, which reads the same settings through settings() below.

Settings (environment variables):
    TRAINLAB_COURSE          the course folder (default: this repository)
    TRAINLAB_VENV            the course's Python environment (default: the course folder's .venv, `make setup`)
    TRAINLAB_HUB_DIR         the hub's own folder (default /srv/trainlab-hub)
    TRAINLAB_INSTRUCTOR      the instructor's account (default: the owner of the course folder, never root)
    TRAINLAB_HUB_AUTH        pam (default): the machine's accounts and passwords;
                             dummy: no passwords, for tests only (refused unless the hub listens on 127.0.0.1)
    TRAINLAB_HUB_GROUP       pam: members of this Unix group may log in as students (default trainlab)
    TRAINLAB_HUB_USERS       comma-separated student accounts allowed to log in (dummy: required; pam: extra)
    TRAINLAB_HUB_IP          the address students connect to (default: every interface)
    TRAINLAB_HUB_PORT        default 8000
    TRAINLAB_HUB_API_PORT, TRAINLAB_HUB_INTERNAL_PORT   the proxy's API and the hub's own port (8001, 8081)
    TRAINLAB_HUB_SSL_CERT, TRAINLAB_HUB_SSL_KEY         HTTPS (advised whenever passwords cross a network)
    TRAINLAB_HUB_THREADS     threads per kernel (OMP_NUM_THREADS and friends; default 1)

HUB_DIR (owned by root, readable by every account):
    env/           the course's Python environment (.venv) as a copy every account can run: hard links
                   (no extra space on the same file system), console scripts pointed at it, and without
                   the editable install of this repository (students import the student copy below)
    python/        only when the venv's base Python lives where other accounts cannot run it (e.g. pyenv
                   under /root): a hard-linked copy of that Python, found through LD_LIBRARY_PATH
    student/       the student bundle's files (autograde.bundle.stage: trainlab without its reference
                   answers, data/, the release); students' PYTHONPATH
    etc/student/   nbgrader_config.py (deploy/student_nbgrader_config.py: the download's file), Jupyter
                   server and JupyterLab settings: Assignment List and Validate, no instructor tools
    etc/instructor/  nbgrader_config.py that loads the course's; the formgrader on
    exchange/      nbgrader's exchange, mode 1777 (sticky); the course's autograde/work/exchange is a
                   link to it, so every nbgrader command run in the course folder uses it
    state/         the hub's database, cookie secret and proxy pid (root only)

The course folder is locked: `chmod o-rwx` on it (students reach nothing inside: solutions, the
reference answers, the gradebook, submissions, .git). The instructor's home is made private (0700)
here, every other account's when its server starts.
"""
import argparse
import grp
import ipaddress
import json
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
COURSE_ID = "trainlab"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"     # util-linux: run a command as an account

# What students' JupyterLab shows: nbgrader's Assignment List and Validate button only (as the download).
STUDENT_SERVER_EXTENSIONS_OFF = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]
STUDENT_LAB_EXTENSIONS_OFF = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                              "@jupyter/nbgrader:course-list"]
# The instructor has the formgrader; the course list needs nbgrader's JupyterHub auth plugin (one course here).
INSTRUCTOR_SERVER_EXTENSIONS_OFF = ["nbgrader.server_extensions.course_list"]
INSTRUCTOR_LAB_EXTENSIONS_OFF = ["@jupyter/nbgrader:course-list"]
# A classroom: no "Jupyter news?" question, no update check calling out.
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
LAB_SERVER_SETTINGS = {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}


@dataclass
class Settings:
    course: Path
    hub_dir: Path
    instructor: str
    venv: Path = None
    auth: str = "pam"
    group: str = "trainlab"
    users: list = field(default_factory=list)
    ip: str = ""
    port: int = 8000
    api_port: int = 8001
    internal_port: int = 8081
    ssl_cert: str = ""
    ssl_key: str = ""
    threads: int = 1

    @property
    def env(self):
        return self.hub_dir / "env"

    @property
    def python(self):
        return self.env / "bin" / "python"

    @property
    def base_copy(self):
        return self.hub_dir / "python"

    @property
    def student_dir(self):
        return self.hub_dir / "student"

    @property
    def exchange(self):
        return self.hub_dir / "exchange"

    @property
    def state(self):
        return self.hub_dir / "state"

    def etc(self, role):
        return self.hub_dir / "etc" / role

    def is_loopback(self):
        try:
            return ipaddress.ip_address(self.ip).is_loopback
        except ValueError:
            return self.ip == "localhost"


def course_owner(course):
    return pwd.getpwuid(Path(course).stat().st_uid).pw_name


def settings(environ=None):
    """The hub's settings from the environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    course = Path(env.get("TRAINLAB_COURSE") or REPO).resolve()
    instructor = env.get("TRAINLAB_INSTRUCTOR") or course_owner(course)
    users = [u.strip() for u in env.get("TRAINLAB_HUB_USERS", "").split(",") if u.strip()]
    return Settings(course=course, venv=Path(env.get("TRAINLAB_VENV") or course / ".venv").absolute(),
                    hub_dir=Path(env.get("TRAINLAB_HUB_DIR") or "/srv/trainlab-hub").resolve(),
                    instructor=instructor, auth=env.get("TRAINLAB_HUB_AUTH", "pam"),
                    group=env.get("TRAINLAB_HUB_GROUP", "trainlab"), users=users,
                    ip=env.get("TRAINLAB_HUB_IP", ""), port=int(env.get("TRAINLAB_HUB_PORT", 8000)),
                    api_port=int(env.get("TRAINLAB_HUB_API_PORT", 8001)),
                    internal_port=int(env.get("TRAINLAB_HUB_INTERNAL_PORT", 8081)),
                    ssl_cert=env.get("TRAINLAB_HUB_SSL_CERT", ""), ssl_key=env.get("TRAINLAB_HUB_SSL_KEY", ""),
                    threads=int(env.get("TRAINLAB_HUB_THREADS", 1)))


class HubError(RuntimeError):
    """A setting or a file that stops the hub from starting; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# Per-account environments (used by jupyterhub_config.py's pre_spawn_hook and by as-instructor)
# ---------------------------------------------------------------------------------------------

def _read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


def code_root(s):
    """The folder that holds the course's `autograde` and `trainlab` packages (the course, or the checkout
    the course venv's editable install points at when the course is a copy)."""
    return Path(_read_json(s.env / ".trainlab-env.json").get("code_root") or s.course)


def environment(s, role):
    """Environment variables of a server (and its kernels and terminals) for role 'student' or 'instructor'."""
    meta = _read_json(s.env / ".trainlab-env.json")
    threads = str(s.threads)
    env = {
        "PATH": os.pathsep.join([str(s.env / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "JUPYTER_CONFIG_PATH": str(s.etc(role)),
        "TRAINLAB_EXCHANGE": str(s.exchange),
        "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
        "VIRTUAL_ENV": str(s.env),
    }
    if meta.get("ld_library_path"):
        env["LD_LIBRARY_PATH"] = meta["ld_library_path"]
    if role == "student":
        env["PYTHONPATH"] = str(s.student_dir)
    else:
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(s.course), str(code_root(s))]))
    return env


def role_of(s, username):
    return "instructor" if username == s.instructor else "student"


def make_private(home):
    """chmod 0700 a student's home when others can read or enter it; returns True if it changed."""
    mode = os.stat(home).st_mode & 0o777
    if mode & 0o077:
        os.chmod(home, mode & 0o700)
        return True
    return False


# ---------------------------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------------------------

def _say(msg):
    print(f"[trainlab-hub] {msg}", flush=True)


def _others_can_run(python):
    """True when an unprivileged account (nobody) can start ``python``."""
    if os.geteuid() != 0:
        return os.access(python, os.X_OK)
    r = subprocess.run([RUNUSER, "-u", "nobody", "--", str(python), "-c", "pass"], capture_output=True,
                       cwd="/", env={"PATH": "/usr/bin:/bin"})
    return r.returncode == 0


def _copy_tree(src, dst, ignore=None):
    """Hard-linked copy (no extra space) on the same file system, a real copy otherwise."""
    try:
        shutil.copytree(src, dst, symlinks=True, copy_function=os.link, ignore=ignore)
    except (OSError, shutil.Error):
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst, symlinks=True, ignore=ignore)


def _venv_facts(venv):
    """What the course venv is: its Python's version, base prefix, site-packages, the code it installs."""
    py = venv / "bin" / "python"
    if not py.exists():
        raise HubError(f"{py} not found: run `make setup` in the course folder first (or set TRAINLAB_VENV)")
    code = ("import json, sys, sysconfig, importlib.util as u; s = u.find_spec('autograde');"
            "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], 'base': sys.base_prefix,"
            " 'exe': sys.executable, 'purelib': sysconfig.get_paths()['purelib'],"
            " 'shared': bool(sysconfig.get_config_var('Py_ENABLE_SHARED')), 'libdir': sysconfig.get_config_var('LIBDIR'),"
            " 'autograde': list(s.submodule_search_locations) if s else []}))")
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd="/")
    if r.returncode:
        raise HubError(f"{py} does not run: {r.stderr.strip()[-300:]}")
    return json.loads(r.stdout)


def _stamp(s, facts):
    marker = s.venv / ".installed"
    probe = marker if marker.exists() else s.venv / "pyvenv.cfg"
    return {"venv": str(s.venv), "venv_mtime": probe.stat().st_mtime, "base": facts["base"],
            "version": facts["version"], "code_root": str(Path(facts["autograde"][0]).parent) if facts["autograde"]
            else str(s.course), "format": 2}


def build_env(s):
    """HUB_DIR/env: the course venv, runnable by every account (see the module docstring)."""
    facts = _venv_facts(s.venv)
    stamp = _stamp(s, facts)
    old = _read_json(s.env / ".trainlab-env.json")
    if old and all(old.get(k) == v for k, v in stamp.items()) and s.python.exists():
        return
    _say(f"building {s.env} from {s.venv} (hard links)")
    tmp = s.hub_dir / "env.new"
    shutil.rmtree(tmp, ignore_errors=True)
    base_exe = Path(facts["exe"]).resolve()          # the venv's interpreter (a link to its base Python)
    ld_path = ""
    if not _others_can_run(base_exe):
        # e.g. pyenv under /root (mode 0700): copy that Python (its standard library, not its own packages)
        base = Path(facts["base"])
        copy = s.base_copy
        shutil.rmtree(copy, ignore_errors=True)
        site = f"python{facts['version']}/site-packages"
        _copy_tree(base, copy, ignore=lambda d, names: [n for n in names if f"{d}/{n}".endswith(site)])
        (copy / "lib" / f"python{facts['version']}" / "site-packages").mkdir(exist_ok=True)
        base_exe = copy / base_exe.relative_to(base)
        if facts["shared"]:
            ld_path = str(copy / Path(facts["libdir"]).relative_to(base))
        _say(f"the venv's Python ({facts['base']}) is not usable by other accounts: using a copy in {copy}")
    env = dict(os.environ, LD_LIBRARY_PATH=ld_path) if ld_path else None
    subprocess.run([str(base_exe), "-m", "venv", "--without-pip", str(tmp)], check=True, env=env)
    site = tmp / "lib" / f"python{facts['version']}" / "site-packages"
    shutil.rmtree(site)
    _copy_tree(facts["purelib"], site)
    # no editable install of the repository: students import HUB_DIR/student, the instructor the course
    for p in site.glob("__editable__*trainlab*"):
        p.unlink()
    for sub in ("share", "etc"):
        if (s.venv / sub).is_dir():
            _copy_tree(s.venv / sub, tmp / sub)
    # console scripts (jupyter, nbgrader, alembic, ...) pointed at this environment's Python
    for script in sorted((s.venv / "bin").iterdir()):
        if not script.is_file() or script.is_symlink() or (tmp / "bin" / script.name).exists():
            continue
        head = script.read_bytes()[:256].split(b"\n", 1)[0]
        if head.startswith(b"#!") and str(s.venv / "bin" / "python").encode() in head:
            body = script.read_bytes().split(b"\n", 1)[1]
            (tmp / "bin" / script.name).write_bytes(f"#!{s.python}\n".encode() + body)
            (tmp / "bin" / script.name).chmod(0o755)
    # classroom defaults for JupyterLab (a new file: never write through a hard link)
    overrides = tmp / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    merged = dict(_read_json(overrides), **LAB_SETTINGS)
    if overrides.exists():
        overrides.unlink()
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(merged, indent=1))
    stamp["ld_library_path"] = ld_path
    (tmp / ".trainlab-env.json").write_text(json.dumps(stamp, indent=1))
    if s.env.exists():
        shutil.rmtree(s.env)
    tmp.rename(s.env)
    if ld_path and not s.python.resolve().is_relative_to(s.base_copy):
        raise HubError(f"{s.python} does not point into {s.base_copy}")


def stage_student(s):
    """HUB_DIR/student: the files of the student download (one source), checked for leaks."""
    sys.path.insert(0, str(code_root(s)))
    from autograde.bundle import bundle_leaks, stage

    tmp = s.hub_dir / "student.new"
    shutil.rmtree(tmp, ignore_errors=True)
    stage(s.course, tmp)
    (tmp / "nbgrader_config.py").write_text(student_nbgrader_config(s.course))
    problems = bundle_leaks(tmp, s.course)
    if problems:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HubError("the students' files would leak:\n  " + "\n  ".join(problems))
    if s.student_dir.exists():
        shutil.rmtree(s.student_dir)
    tmp.rename(s.student_dir)


def grading_timeout(course):
    """The course's per-cell time limit (what Validate uses too): autograde.bundle's reading of it."""
    sys.path.insert(0, str(REPO))
    from autograde.bundle import _grading_timeout
    return _grading_timeout(course)


def student_nbgrader_config(course):
    """The students' nbgrader_config.py: deploy/student_nbgrader_config.py with the course's cell time limit."""
    return (DEPLOY / "student_nbgrader_config.py").read_text().format(timeout=grading_timeout(course))


def _write(path, text, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def write_configs(s):
    for role, server_off, lab_off in (("student", STUDENT_SERVER_EXTENSIONS_OFF, STUDENT_LAB_EXTENSIONS_OFF),
                                      ("instructor", INSTRUCTOR_SERVER_EXTENSIONS_OFF, INSTRUCTOR_LAB_EXTENSIONS_OFF)):
        etc = s.etc(role)
        shutil.rmtree(etc, ignore_errors=True)
        server = {"ServerApp": {"jpserver_extensions": {name: False for name in server_off}},
                  "LabApp": LAB_SERVER_SETTINGS}
        if role == "instructor":
            # JupyterLab shows the formgrader in a frame of the same server; JupyterHub's single-user
            # default (frame-ancestors 'none') blocks it ("127.0.0.1 refused to connect")
            server["ServerApp"]["tornado_settings"] = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
        _write(etc / "jupyter_server_config.json", json.dumps(server, indent=1))
        _write(etc / "labconfig" / "page_config.json", json.dumps({"disabledExtensions": {n: True for n in lab_off}},
                                                                  indent=1))
    _write(s.etc("student") / "nbgrader_config.py", student_nbgrader_config(s.course))
    _write(s.etc("instructor") / "nbgrader_config.py",
           '"""The instructor\'s nbgrader settings on the hub: the course\'s own (its nbgrader_config.py)."""\n'
           "c = get_config()  # noqa: F821\n"
           f"load_subconfig('nbgrader_config.py', path={str(s.course)!r})  # noqa: F821\n")


def link_exchange(s):
    """The exchange (1777) and the course's autograde/work/exchange -> it."""
    s.exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(s.exchange, 0o1777)
    work = s.course / "autograde" / "work"
    work.mkdir(parents=True, exist_ok=True)
    user = pwd.getpwnam(s.instructor)
    link = work / "exchange"
    if link.is_symlink():
        if Path(os.readlink(link)) != s.exchange:
            link.unlink()
    elif link.is_dir():
        if any(link.iterdir()):
            raise HubError(f"{link} holds a local exchange: move it away (the hub's is {s.exchange})")
        link.rmdir()
    if not link.is_symlink():
        link.symlink_to(s.exchange)
    for p in (work, work.parent):
        if p.stat().st_uid != user.pw_uid:
            os.chown(p, user.pw_uid, user.pw_gid)
    os.lchown(link, user.pw_uid, user.pw_gid)


def lock_course(s):
    mode = s.course.stat().st_mode & 0o7777
    if mode & 0o007:
        os.chmod(s.course, mode & ~0o007)
        _say(f"locked {s.course}: mode {oct(mode & 0o777)} -> {oct(mode & 0o770)} (students reach nothing inside)")


def check_settings(s):
    if os.geteuid() != 0:
        raise HubError("run as root (sudo make hub): the hub starts each account's server as that account")
    try:
        user = pwd.getpwnam(s.instructor)
    except KeyError:
        raise HubError(f"no account {s.instructor!r} for the instructor (TRAINLAB_INSTRUCTOR)") from None
    if user.pw_uid == 0:
        raise HubError(f"the instructor's account is root: the course folder {s.course} belongs to root.\n"
                       "Give the course to the instructor's own account, e.g.\n"
                       f"  useradd -m instructor && chown -R instructor: {s.course} && "
                       "TRAINLAB_INSTRUCTOR=instructor make hub")
    if s.course.stat().st_uid != user.pw_uid:
        raise HubError(f"{s.course} belongs to {course_owner(s.course)}, not to the instructor {s.instructor}: "
                       f"chown -R {s.instructor}: {s.course}")
    if s.auth not in ("pam", "dummy"):
        raise HubError(f"TRAINLAB_HUB_AUTH={s.auth!r}: use pam (the machine's accounts) or dummy (tests)")
    if s.auth == "dummy" and not s.is_loopback():
        raise HubError("TRAINLAB_HUB_AUTH=dummy lets anyone in without a password: only with TRAINLAB_HUB_IP=127.0.0.1")
    if s.auth == "dummy" and not s.users:
        raise HubError("TRAINLAB_HUB_AUTH=dummy needs TRAINLAB_HUB_USERS (the accounts that may log in)")
    for name in s.users:
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise HubError(f"TRAINLAB_HUB_USERS: no account {name!r} on this machine") from None
    if s.auth == "pam":
        try:
            grp.getgrnam(s.group)
        except KeyError:
            if not s.users:
                raise HubError(f"no group {s.group!r}: create it and add the students (groupadd {s.group}; "
                               f"usermod -aG {s.group} alice), or list them in TRAINLAB_HUB_USERS") from None
    if shutil.which("configurable-http-proxy") is None:
        raise HubError("configurable-http-proxy not found: npm install -g configurable-http-proxy")
    if s.hub_dir == s.course or s.hub_dir.is_relative_to(s.course):
        raise HubError("TRAINLAB_HUB_DIR must be outside the course folder (students must reach it)")


def prepare(s):
    check_settings(s)
    s.hub_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(s.hub_dir, 0o755)
    s.state.mkdir(exist_ok=True)
    os.chmod(s.state, 0o700)
    build_env(s)
    link_exchange(s)
    write_configs(s)
    stage_student(s)
    lock_course(s)
    home = pwd.getpwnam(s.instructor).pw_dir
    if os.path.isdir(home) and make_private(home):
        _say(f"made the instructor's home {home} private (mode 0700)")
    problems = check(s)
    if problems:
        raise HubError("a student account could reach what it must not, or not run the environment:\n  "
                       + "\n  ".join(problems))
    _say(f"ready: {s.hub_dir} (course {s.course}, instructor {s.instructor}, exchange {s.exchange})")


# ---------------------------------------------------------------------------------------------
# check: as an unprivileged account
# ---------------------------------------------------------------------------------------------

PROBE = r"""
import json, os, sys
out = {}
try:
    import trainlab, nbgrader, jupyterlab, jupyterhub, torch
    out["trainlab"] = trainlab.__file__
except Exception as e:
    out["import_error"] = repr(e)
try:
    import trainlab.reference
    out["reference"] = "imported"
except ImportError:
    out["reference"] = "absent"
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").close()
        out[path] = "readable"
    except OSError as e:
        out[path] = type(e).__name__
print(json.dumps(out))
"""


def check(s):
    """Problems seen by the account `nobody` with a student's environment (an empty list when all is well)."""
    secrets = [s.course, s.course / "solutions", s.course / "nbgrader_config.py", s.course / "autograde" / "work"]
    env = dict(environment(s, "student"), HOME="/tmp")
    r = subprocess.run([RUNUSER, "-u", "nobody", "--", str(s.python), "-c", PROBE, *map(str, secrets)],
                       capture_output=True, text=True, env=env, cwd="/")
    if r.returncode:
        return [f"{s.python} fails for other accounts: {r.stderr.strip()[-500:]}"]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    problems = []
    if "import_error" in out:
        problems.append(f"a student cannot import the course's packages: {out['import_error']}")
    elif not Path(out["trainlab"]).is_relative_to(s.student_dir):
        problems.append(f"students import trainlab from {out['trainlab']}, not {s.student_dir}")
    if out["reference"] != "absent":
        problems.append("students can import trainlab.reference (the reference answers)")
    problems += [f"students can read {p}" for p in map(str, secrets) if out.get(p) == "readable"]
    return problems


def as_instructor(s, argv):
    """Run argv in the course folder as the instructor with the hub's environment; returns its exit status."""
    env = dict(environment(s, "instructor"), LANG=os.environ.get("LANG", "C.UTF-8"))
    user = pwd.getpwnam(s.instructor)
    env.update(HOME=user.pw_dir, USER=s.instructor, LOGNAME=s.instructor)
    if os.geteuid() == 0 and user.pw_uid != 0:
        cmd = [RUNUSER, "-u", s.instructor, "--", *argv]
    elif os.geteuid() == user.pw_uid:
        cmd = list(argv)
    else:
        raise HubError(f"run this as root or as {s.instructor}")
    return subprocess.run(cmd, cwd=s.course, env=env).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python deploy/hub.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="build the hub's folder, link the exchange, lock the course, check")
    sub.add_parser("check", help="what a student account can and cannot reach")
    sub.add_parser("show", help="the settings in force")
    p = sub.add_parser("as-instructor", help="run a command in the course folder as the instructor")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        s = settings()
        if args.command == "prepare":
            prepare(s)
        elif args.command == "check":
            problems = check(s)
            print("\n".join(problems) or "ok: students run the environment and reach nothing of the course")
            return 1 if problems else 0
        elif args.command == "show":
            for key, value in vars(s).items():
                print(f"{key:15s} {value}")
        else:
            cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
            return as_instructor(s, cmd)
    except HubError as e:
        print(f"[trainlab-hub] {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
