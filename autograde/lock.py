"""One run at a time per course: a lock file in autograde/work/ that says who holds it.

    with course_lock(root, "grade"):      # raises LockHeld (one line: which pid, which command, since when)
        ...

The lock is an ``fcntl.flock`` on autograde/work/lock: the kernel releases it when the process ends,
however it ends (Ctrl-C, kill -9, a crash), so a stale lock never blocks the next run. The file itself
stays; it holds the pid, command and start time of the current holder, for the message.
"""
import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "lock"


class LockHeld(RuntimeError):
    """Another run holds the course lock."""


def lock_path(root):
    return Path(root) / "autograde" / "work" / LOCK_NAME


def _holder(path):
    try:
        info = json.loads(Path(path).read_text() or "{}")
    except (OSError, ValueError):
        return None
    return info or None


@contextmanager
def course_lock(root, command):
    """Hold the course's lock for ``command`` (import, grade, ...); LockHeld if another process has it."""
    path = lock_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = _holder(path) or {}
            since = info.get("started")
            when = time.strftime("%H:%M:%S", time.localtime(since)) if since else "?"
            who = f"pid {info.get('pid', '?')}" + (f" on {info['host']}" if info.get("host") and
                                                   info["host"] != socket.gethostname() else "")
            raise LockHeld(f"another run is going on this course: {who} ({info.get('command', '?')}, started "
                           f"{when}); wait for it to finish, or stop it (kill {info.get('pid', 'PID')}) "
                           f"- the lock is {path}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command, "started": time.time(),
                                  "host": socket.gethostname()}).encode(), 0)
        try:
            yield path
        finally:
            try:
                os.ftruncate(fd, 0)    # the file stays (removing it would race with the next locker)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
