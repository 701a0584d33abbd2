"""How long a student waits after moving a slider, in 04_optimizers and 05_lr_schedules.

Runs each solution notebook top to bottom in a fresh kernel (printing its "Run All" time), then, in that
kernel, moves every control of the notebook's interactive plot (one step, or the next dropdown entry,
forth and back twice) and prints the redraw's wall time, as trainlab.widgets.interactive_plot measured
it, and its CPU time in the kernel (which does not depend on how busy the machine is).
Prints figures only; asserts nothing. About 1-2 minutes on 2 cores.

A cell that displays widgets can stall in nbclient until its time-out although the kernel is idle
(jupyter/nbclient#312); the slowest cells are printed so that such a stall is visible.

    .venv/bin/python benchmarks/bench_widgets_redraw.py [NN_topic ...]
"""
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
WIDGETS = {"04_optimizers": "explorer", "05_lr_schedules": "schedule_explorer"}   # the interactive_plot box in each

PROBE = '''
import json as _json, time as _time
import ipywidgets as _W
_box, _times = {box}, {{}}
for _c in _box.children[0].children:
    _old = _c.value
    if isinstance(_c, _W.Dropdown):
        _new = [o for o in _c.options if o != _old][0]
    elif isinstance(_c, _W.FloatLogSlider):
        _new = min(_old * _c.base ** _c.step, _c.base ** _c.max)
    else:
        _new = _old + _c.step if _old + _c.step <= _c.max else _old - _c.step
    _wall, _cpu = [], []
    for _value in [_new, _old, _new, _old]:             # two redraws at each value: report the medians
        _p0 = _time.process_time()
        _c.value = _value                                 # the observer redraws synchronously, in this thread
        _cpu.append(_time.process_time() - _p0)
        _wall.append(_box.last_redraw_seconds)
    _times[f"{{_c.description}}: {{_old:.4g}} <-> {{_new:.4g}}" if not isinstance(_old, str)
           else f"{{_c.description}}: {{_old}} <-> {{_new}}"] = (sorted(_wall)[1], sorted(_cpu)[1])
print("BENCH" + _json.dumps(_times))
'''


def bench(assignment):
    path = next((REPO / "solutions" / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.format(box=WIDGETS[assignment])))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        t0, slow = time.perf_counter(), []
        for i, cell in enumerate(nb.cells[:-1]):
            if cell.cell_type == "code":
                t_cell = time.perf_counter()
                client.execute_cell(cell, i)
                slow.append((time.perf_counter() - t_cell, i))
        run_all = time.perf_counter() - t0
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    times = json.loads(text.split("BENCH", 1)[1].strip().splitlines()[0])
    print(f"{assignment}: Run All {run_all:.1f} s (budget 60 s); slowest cells: "
          + ", ".join(f"#{i} {sec:.1f} s" for sec, i in sorted(slow, reverse=True)[:3]))
    print(f"  {'control moved':52s} {'wall':>8s} {'CPU':>8s}   (medians of 4 redraws)")
    for control, (wall, cpu) in times.items():
        print(f"  {control:52s} {1000 * wall:6.0f} ms {1000 * cpu:6.0f} ms")
    walls = sorted(w for w, _ in times.values())
    cpus = sorted(c for _, c in times.values())
    print(f"  median redraw: wall {1000 * walls[len(walls) // 2]:.0f} ms, CPU {1000 * cpus[len(cpus) // 2]:.0f} ms "
          f"(target: well under 1000 ms; wall time grows with the machine's load, CPU time does not)")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(WIDGETS):
        bench(name)
