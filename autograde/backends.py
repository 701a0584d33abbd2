"""Where grade_task runs: ``run(tasks, workers, scheduler, warm_pool) -> iterator of Outcomes``, as they finish.

    workers=1            in this process
    workers=N            a pool of N spawned processes (a process that dies takes its pool down: a new pool
                         takes over the tasks not done yet)
    scheduler=ADDRESS    a Dask distributed cluster: one task per (student, assignment); the settings shared
                         by every task (config, template gradebooks, limits) are scattered once

Dask workers need the same environment as the instructor's machine (the same Python with
requirements-dev.txt and `pip install -e .` of this repository, or the same container image, plus
bubblewrap), not the course folder: each task carries what it needs. One single-threaded process per core:

    dask scheduler --host 0.0.0.0 --port 8786
    dask worker tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1 --memory-limit 0

(--memory-limit 0: the kernels' own limits apply; Dask must not restart a worker mid-notebook.)
"""
import os
import uuid

from autograde.worker import grade_task, quiet


def error_outcome(task, message):
    return {"student": task["student"], "assignment": task["assignment"], "hash": task["hash"], "error": message}


def _warm_up():
    """Runs first in each worker process: pay the slow imports while the instructor's process prepares."""
    quiet()
    from autograde.course import ensure_tools_on_path
    ensure_tools_on_path()
    import nbgrader.apps  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    from autograde import judge, sandbox  # noqa: F401
    sandbox.matplotlib_cache()
    return os.getpid()


def make_pool(workers):
    import concurrent.futures as cf
    import multiprocessing as mp
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_warm_up)


def run(tasks, workers, scheduler=None, warm_pool=None):
    """Yield one Outcome per task, as they finish."""
    if not tasks:
        if warm_pool is not None:
            warm_pool.shutdown(wait=False, cancel_futures=True)
        return
    if scheduler:
        yield from _on_dask(tasks, scheduler)
    elif workers <= 1:
        for task in tasks:
            yield grade_task(task)
    else:
        yield from _on_pool(tasks, workers, warm_pool)


def _on_pool(tasks, workers, warm_pool):
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool
    pending = list(tasks)
    for restart in range(4):
        pool = warm_pool if restart == 0 and warm_pool is not None else make_pool(min(workers, len(pending)))
        futures = {pool.submit(grade_task, t): t for t in pending}
        broken = False
        try:
            for fut in cf.as_completed(futures):
                task = futures[fut]
                try:
                    out = fut.result()
                except BrokenProcessPool:
                    broken = True
                    break
                except Exception as e:  # noqa: BLE001 - e.g. a result that could not be pickled
                    out = error_outcome(task, f"the worker failed: {e!r}")
                pending.remove(task)
                yield out
        except BaseException:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=not broken, cancel_futures=True)
        if not pending:
            return
    for task in pending:
        yield error_outcome(task, "a grading worker process died repeatedly")


def _remote(task, settings):
    """Runs on a Dask worker."""
    return grade_task(dict(task, settings=settings))


def _on_dask(tasks, address, timeout=30):
    from distributed import Client, as_completed

    with Client(address, timeout=timeout) as client:
        shared = client.scatter(tasks[0]["settings"], broadcast=True, hash=False)
        run_id = uuid.uuid4().hex[:8]
        futures = {}
        for task in tasks:
            slim = {k: v for k, v in task.items() if k != "settings"}
            key = f"grade-{task['assignment']}-{task['student']}-{run_id}"
            futures[client.submit(_remote, slim, shared, key=key, pure=False, retries=0)] = task
        try:
            for fut in as_completed(list(futures)):
                task = futures[fut]
                if fut.status == "finished":
                    yield fut.result()
                else:
                    try:
                        error = repr(fut.exception())
                    except Exception as e:  # noqa: BLE001
                        error = repr(e)
                    yield error_outcome(task, f"the Dask worker failed: {error}")
                fut.release()
        except BaseException:
            client.cancel(list(futures))
            raise
