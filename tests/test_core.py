"""The oracles themselves: numerical gradients, PyTorch comparisons and the grading messages.

Each check is tried in both directions: it passes a right answer and fails a wrong one.
"""
import time

import numpy as np
import pytest

from trainlab import gradcheck, grading, torchcheck
from trainlab.reference import activations as A


def test_numerical_gradient_of_a_quadratic_is_exact():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    f = lambda z: 0.5 * z @ M @ z
    num = gradcheck.eval_numerical_gradient(f, x.copy())
    assert gradcheck.rel_error(num, 0.5 * (M + M.T) @ x) < 1e-8


def test_numerical_gradient_restores_its_input():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    gradcheck.eval_numerical_gradient_array(np.tanh, x, np.ones_like(x))
    assert np.array_equal(x, before)


def test_rel_error_scale_free():
    assert gradcheck.rel_error(1.0, 1.001) == pytest.approx(0.001 / 2.001)
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_sparse_and_directional_checks_tell_right_from_wrong():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((50, 40))
    f = lambda z: np.sum(np.sin(z))
    right, wrong = np.cos(x), np.cos(x) * 1.001
    assert gradcheck.sparse_gradcheck(f, x, right) < 1e-7
    assert gradcheck.sparse_gradcheck(f, x, wrong) > 1e-4
    assert gradcheck.directional_gradcheck(f, x, right) < 1e-7
    assert gradcheck.directional_gradcheck(f, x, wrong) > 1e-4


def test_directional_check_is_fast_on_a_million_entries():
    x = np.random.default_rng(2).standard_normal(1_000_000)
    f = lambda z: 0.5 * np.sum(z ** 2)
    t0 = time.perf_counter()
    err = gradcheck.directional_gradcheck(f, x, x.copy(), num_directions=3)
    seconds = time.perf_counter() - t0
    print(f"directional check on 10^6 entries: {seconds * 1000:.0f} ms")
    assert err < 1e-5  # float64 cancellation in f(x+hv) - f(x-hv) with |f| ~ 5e5
    assert gradcheck.directional_gradcheck(f, x, -x, num_directions=1) > 0.5  # wrong sign


def test_check_gradients_passes_right_and_names_the_wrong_output():
    rng = np.random.default_rng(3)
    args = [rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2),
            rng.standard_normal((3, 2)), rng.standard_normal(2)]
    names = ["dx", "dW1", "db1", "dW2", "db2"]
    errs = grading.check_gradients(A.maxout_forward, A.maxout_backward, args, names=names)
    assert max(errs) < 1e-7

    def bad_backward(dout, cache):
        dx, dW1, db1, dW2, db2 = A.maxout_backward(dout, cache)
        return dx, dW1, -db1, dW2, db2

    with pytest.raises(grading.GradingError, match="db1 does not match the numerical gradient"):
        grading.check_gradients(A.maxout_forward, bad_backward, args, names=names)


def test_check_close_message_says_where_and_by_how_much():
    expected = np.arange(12.0).reshape(3, 4)
    got = expected.copy()
    got[2, 1] += 0.5
    with pytest.raises(grading.GradingError) as e:
        grading.check_close("relu_backward: dx", got, expected)
    msg = str(e.value)
    assert "1 of 12 entries differ" in msg and "(2, 1)" in msg and "got 9.5, expected 9" in msg
    with pytest.raises(grading.GradingError, match="wrong shape"):
        grading.check_close("out", expected.T, expected)
    with pytest.raises(grading.GradingError, match="got NoneType"):
        grading.check_close("out", None, expected)
    with pytest.raises(grading.GradingError, match="NaN"):
        grading.check_close("out", np.full(3, np.nan), np.ones(3))
    with pytest.raises(grading.GradingError, match="key 'velocity' is missing"):
        grading.check_close("config", {"learning_rate": 1.0}, {"learning_rate": 1.0, "velocity": np.zeros(2)})


def test_checks_survive_a_monkeypatched_numpy(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "abs", lambda x: np.zeros_like(x))
    with pytest.raises(grading.GradingError):
        grading.check_close("out", np.ones(3) * 1.001, np.ones(3))


def test_input_modified_in_place_is_reported():
    def relu_in_place(x):
        np.maximum(x, 0, out=x)
        return x, x
    with pytest.raises(grading.GradingError, match="changed its input"):
        grading.check_forward(relu_in_place, A.relu_forward, np.array([-1.0, 2.0]))


def test_numpy_only_blocks_torch_and_lets_numpy_through():
    x = np.linspace(-3, 3, 7)
    assert np.allclose(grading.numpy_only(A.sigmoid_forward, x)[0], 1 / (1 + np.exp(-x)))

    def delegating(x):
        import torch
        return torch.sigmoid(torch.as_tensor(x)).numpy(), None
    with pytest.raises(grading.GradingError, match="NumPy only"):
        grading.numpy_only(delegating, x)
    import torch  # noqa: F401  (still importable afterwards)


def test_numpy_only_catches_torch_bound_in_the_namespace():
    import torch
    namespace = {"torch": torch, "np": np}
    exec("def f(x):\n    return torch.relu(torch.as_tensor(x)).numpy()", namespace)
    with pytest.raises(grading.GradingError, match="NumPy only"):
        grading.numpy_only(namespace["f"], np.ones(2))
    assert namespace["torch"] is torch


def test_torch_cross_check_both_directions():
    import torch
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    out, cache = A.tanh_forward(x)
    grading.check_torch("tanh", (out, (A.tanh_backward(dout, cache),)), torch.tanh, [x], dout)
    with pytest.raises(grading.GradingError, match="compared with PyTorch"):
        grading.check_torch("tanh", (out * 1.001, (A.tanh_backward(dout, cache),)), torch.tanh, [x], dout)


def test_tolerances_documented_for_every_device_and_dtype():
    for dtype in ["float64", "float32"]:
        for dev in ["cpu", "cuda"]:
            rtol, atol = torchcheck.tolerance(dtype, dev)
            assert rtol < 1e-3  # a factor of 1.001 always fails
    assert torchcheck.device().type in ("cpu", "cuda")


def test_update_rule_check_catches_state_not_saved():
    def sgd_momentum(w, dw, config=None):
        config = {} if config is None else config
        config.setdefault("learning_rate", 1e-2)
        config.setdefault("momentum", 0.9)
        v = config.get("velocity", np.zeros_like(w))
        v = config["momentum"] * v + dw
        config["velocity"] = v
        return w - config["learning_rate"] * v, config

    def forgetful(w, dw, config=None):
        config = {} if config is None else config
        config.setdefault("learning_rate", 1e-2)
        config.setdefault("momentum", 0.9)
        v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + dw
        return w - config["learning_rate"] * v, config

    w, dw = np.ones(4), np.full(4, 0.5)
    grading.check_update_rule(sgd_momentum, sgd_momentum, w, dw, steps=3)
    with pytest.raises(grading.GradingError, match="velocity"):
        grading.check_update_rule(forgetful, sgd_momentum, w, dw, steps=3)


def test_a_slider_cell_leaves_its_plot_behind_in_static_html():
    """Feedback pages and nbconvert have no widget manager: they show the last plot, not `VBox(...)`."""
    import nbclient
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\nfrom trainlab.widgets import interactive_plot, slider\n"
        "def draw(a):\n    plt.figure(figsize=(2, 2)); plt.plot([0, 1], [0, a])\n"
        "interactive_plot(draw, {'a': slider('a', 0.5, 0.0, 1.0)})")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    data = nb.cells[0].outputs[-1]["data"]
    assert {"application/vnd.jupyter.widget-view+json", "image/png"} <= set(data)
    # the autograder's ClearMetadataPreprocessor drops the widget state, as in every feedback page
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    nb, _ = ClearMetadataPreprocessor().preprocess(nb, {})
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert "data:image/png;base64," + data["image/png"][:40] in html
    assert "VBox(" not in html
