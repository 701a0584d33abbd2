"""Benchmark: what naming the mistake (autograde/diagnose.py) adds to judging a wrong submission.

    python benchmarks/bench_diagnose.py [--assignments 01_activations 04_optimizers ...] [--students 40]

For each assignment, a wrong submission (the solution's answers with one wrong function per graded cell
where the catalogue has a match, written in tests/test_diagnose.py's style) is judged by
judge.judge_notebook (judge.BareLauncher, as `nbgrader autograde` without the pipeline), one after the
other in the same process:

  judge        without a diagnoser (median of --repeat runs, after one warm-up run);
  +diag cold   the time spent in the diagnoser the first time in this process (each failed check's catalogue
               entries run once through the check, in the grader's process);
  +diag warm   the time spent in the diagnoser afterwards (the outcomes are cached: a lookup per failed check).

The time in the diagnoser is measured directly (a timer around each call), so that the noise of starting
the student's process does not swamp it; "ratio" is (judge + diagnosis) / judge. The last column is the
overhead on a class of --students submissions that all fail the same checks (one cold, the rest warm: the
worst case, since diagnosis runs only for failed checks). Prints figures; never asserts a time.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")

WRONG = {   # assignment -> {answer cell grade_id: code appended to it (redefines functions wrongly)}
    "01_activations": {
        "sigmoid": "def sigmoid_backward(dout, cache):\n    return dout * cache\n",
        "relu": "def relu_backward(dout, cache):\n    return dout * (cache >= 0)\n",
        "maxout": "_mb = maxout_backward\ndef maxout_backward(dout, cache):\n    g = _mb(dout, cache)\n"
                  "    return g[:3] + (-g[3], g[4])\n",
    },
    "04_optimizers": {
        "adam": "def adam(w, dw, config=None):\n    config = {} if config is None else config\n"
                "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
                "        config.setdefault(k, d)\n    config['t'] = config.get('t', 0) + 1\n"
                "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
                "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
                "    return w - config['learning_rate'] * config['m'] / (np.sqrt(config['v']) + config['epsilon']), config\n",
        "sgd_momentum": "def sgd_momentum(w, dw, config=None):\n    config = {} if config is None else config\n"
                        "    config.setdefault('learning_rate', 1e-2)\n    config.setdefault('momentum', 0.9)\n"
                        "    v = config['momentum'] * config.get('velocity', np.zeros_like(w)) + dw\n"
                        "    return w - config['learning_rate'] * v, config\n",
    },
    "07_augmentation": {
        "flips": "def horizontal_flip(images):\n    return images[:, ::-1].copy()\n",
        "mixing": "_mx = mixup\ndef mixup(x, y_onehot, alpha, rng):\n    x_mix, _ = _mx(x, y_onehot, alpha, rng)\n"
                  "    return x_mix, y_onehot.copy()\n",
    },
    "08_transfer_learning": {
        "features": "def extract_features(model, loader):\n    with torch.no_grad():\n"
                    "        pairs = [(model.backbone(x), y) for x, y in loader]\n"
                    "    return torch.cat([f for f, _ in pairs]), torch.cat([y for _, y in pairs])\n"
                    "_lp = linear_probe\n"
                    "def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):\n"
                    "    torch.manual_seed(seed)\n"
                    "    probe = nn.Linear(features.shape[1], num_classes).to(dtype=features.dtype)\n"
                    "    opt = torch.optim.LBFGS(probe.parameters(), lr=1.0, max_iter=steps, line_search_fn='strong_wolfe')\n"
                    "    def closure():\n"
                    "        opt.zero_grad()\n"
                    "        loss = F.cross_entropy(probe(features), labels) + weight_decay * (\n"
                    "            probe.weight.pow(2).sum() + probe.bias.pow(2).sum())\n"
                    "        loss.backward()\n"
                    "        return loss\n"
                    "    opt.step(closure)\n"
                    "    return probe\n",
    },
    "10_capstone": {   # two wrong parts; the checks that re-train (train_fc_net, best_config) then fail too
        "kaiming_init": "def kaiming_init(fan_in, fan_out, rng):\n"
                        "    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(2.0 / fan_in)\n",
        "adam": "_ad = adam\ndef adam(w, dw, config=None):\n    config = {} if config is None else config\n"
                "    for k, d in [('learning_rate', 1e-3), ('beta1', 0.9), ('beta2', 0.999), ('epsilon', 1e-8)]:\n"
                "        config.setdefault(k, d)\n    config['t'] = config.get('t', 0) + 1\n"
                "    config['m'] = config['beta1'] * config.get('m', np.zeros_like(w)) + (1 - config['beta1']) * dw\n"
                "    config['v'] = config['beta2'] * config.get('v', np.zeros_like(w)) + (1 - config['beta2']) * dw ** 2\n"
                "    return w - config['learning_rate'] * config['m'] / (np.sqrt(config['v']) + config['epsilon']), config\n",
    },
    "09_babysitting": {
        "sample_log_uniform": "def sample_log_uniform(low, high, size, rng):\n    return rng.uniform(low, high, size)\n",
        "update_ratio": "def update_ratio(W, dW, learning_rate):\n"
                        "    return float(np.abs(learning_rate * dW).max() / np.abs(W).max())\n",
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="*", default=list(WRONG))
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind after the first (medians)")
    args = parser.parse_args(argv)

    import nbformat
    from autograde import diagnose, judge
    from harness import solution_notebook

    print(f"{'assignment':22s} {'failed':>6s} {'named':>5s} {'judge s':>8s} {'+diag cold':>10s} {'+diag warm':>10s} "
          f"{'cold ratio':>10s} {'warm ratio':>10s} {'class of ' + str(args.students):>12s}")
    totals = [0.0, 0.0, 0.0]
    for assignment in args.assignments:
        path = solution_notebook(assignment)
        nb = nbformat.read(str(path), as_version=4)
        cells, tests = [], []
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            if meta.get("grade") and not meta.get("solution"):
                tests.append(meta["grade_id"])
            elif meta.get("solution") or meta.get("locked"):
                source = cell.source + ("\n\n" + WRONG[assignment][meta["grade_id"]]
                                        if meta.get("grade_id") in WRONG[assignment] else "")
                cells.append((f"answer cell '{meta.get('grade_id')}'", source))
        checks = judge.load_checks(path.stem)

        def run(diagnoser):
            spent = [0.0]

            def timed(*a):
                t = time.perf_counter()
                try:
                    return diagnoser(*a)
                finally:
                    spent[0] += time.perf_counter() - t

            t0 = time.perf_counter()
            verdicts, _ = judge.judge_notebook(cells, tests, checks, judge.BareLauncher(), str(path.parent),
                                               diagnose=timed if diagnoser else None)
            return time.perf_counter() - t0, spent[0], verdicts

        run(None)                                            # warm-up: imports, caches of the checks themselves
        _, cold, _ = run(diagnose.diagnoser(path.stem))      # first diagnosis in this process: the entries run
        plains, warms, named = [], [], None
        for _ in range(args.repeat):                         # alternated, so that load on the machine hits both
            t, _, verdicts = run(None)
            plains.append(t)
            t, spent, named = run(diagnose.diagnoser(path.stem))
            warms.append(spent)
        plain, warm = statistics.median(plains), statistics.median(warms)
        failed = sum(not v.passed for v in verdicts.values())
        n_named = sum(bool(v.diagnosis) for v in named.values())
        extra = cold + (args.students - 1) * warm
        totals[0] += plain * args.students
        totals[1] += extra
        print(f"{assignment:22s} {failed:6d} {n_named:5d} {plain:8.2f} {cold:10.3f} {warm:10.4f} "
              f"{(plain + cold) / plain:10.3f} {(plain + warm) / plain:10.4f} "
              f"{(plain * args.students + extra) / (plain * args.students):12.4f}", flush=True)
    if totals[0]:
        print(f"\nAll assignments, a class of {args.students} failing the same checks: judging with diagnosis takes "
              f"{(totals[0] + totals[1]) / totals[0]:.4f}x the time without (target: below 1.10; the judge is part of grading, so "
              f"the share of a whole `grade` run is smaller still).")


if __name__ == "__main__":
    main()
