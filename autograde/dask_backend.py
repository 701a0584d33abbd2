"""Grade on a Dask distributed cluster: ``grade_class(..., scheduler="tcp://HOST:8786")``.

Each (student, assignment) is one Dask task running ``autograde.pipeline.grade_task``; results come
back as plain data and the instructor's process (the only gradebook writer) merges them, exactly as
with local workers. The settings shared by all tasks (course config, template gradebooks, limits) are
scattered to the workers once.

Workers need the same environment as the instructor's machine, because they run nbgrader and the
students' kernels: the same Python with the same packages and this repository installed
(``pip install -r requirements-dev.txt && pip install -e .``, or the same container image), plus
``bubblewrap`` for the sandbox (Debian: ``apt-get install bubblewrap``). They do not need the
course folder: each task carries the submission, the release notebooks and a template gradebook.
Start one single-threaded process per core you want to use (a worker grades one notebook at a time):

    dask scheduler --host 0.0.0.0 --port 8786
    dask worker tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1 --memory-limit 0

(--memory-limit 0: the kernels' own limits apply; Dask must not restart a worker mid-notebook.)
"""
import uuid


def _remote(task, settings):
    """Runs on a Dask worker."""
    from autograde.pipeline import grade_task
    task = dict(task, settings=settings)
    return grade_task(task)


def run_on_dask(tasks, address, timeout=30):
    """Yield grade_task results for ``tasks`` computed on the cluster at ``address``, as they finish."""
    from distributed import Client, as_completed

    with Client(address, timeout=timeout) as client:
        settings = tasks[0]["settings"]
        shared = client.scatter(settings, broadcast=True, hash=False)
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
                    yield {"student": task["student"], "assignment": task["assignment"], "hash": task["hash"],
                           "error": f"the Dask worker failed: {error}"}
                fut.release()
        except BaseException:
            client.cancel(list(futures))
            raise
