"""trainlab.reference.transfer_learning: the PyTorch answers of 08, checked by behaviour and against scikit-learn."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from trainlab.reference import transfer_learning as ref  # noqa: E402


class Net(nn.Module):
    def __init__(self, dropout=0.0):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(dropout), nn.Linear(8, 4))
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.backbone(x))


@pytest.mark.parametrize("make_opt", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1),
])
def test_frozen_backbone_is_bit_identical_after_optimiser_steps(make_opt):
    torch.manual_seed(0)
    model = ref.freeze_backbone(Net())
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    opt = make_opt(model.parameters())
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(torch.randn(8, 6)), torch.randint(0, 3, (8,))).backward()
        opt.step()
    for k, v in model.backbone.state_dict().items():
        if "running" not in k and "num_batches" not in k:          # batch norm statistics are buffers, not parameters
            assert torch.equal(v, before["backbone." + k])
    assert not torch.equal(model.head.weight, before["head.weight"])


def test_replace_head_in_place_trainable_and_matching_dtype():
    model = Net().double()
    ref.freeze_backbone(model)
    old = model.head
    assert ref.replace_head(model, 7) is model
    assert model.head is not old and (model.head.in_features, model.head.out_features) == (4, 7)
    assert model.head.weight.dtype == torch.float64 and model.head.weight.requires_grad
    assert model(torch.randn(5, 6, dtype=torch.float64)).shape == (5, 7)


def test_param_groups_and_the_learning_rate_each_parameter_gets():
    torch.manual_seed(0)
    model = Net().double()
    groups = ref.finetune_param_groups(model, base_lr=1e-3, head_lr=1e-2)
    assert [g["name"] for g in groups] == ["backbone", "head"] and [g["lr"] for g in groups] == [1e-3, 1e-2]
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(groups, lr=0.5)
    model.train()
    F.cross_entropy(model(torch.randn(8, 6, dtype=torch.float64)), torch.randint(0, 3, (8,))).backward()
    opt.step()
    for (name, p), p0 in zip(model.named_parameters(), before):
        lr = 1e-2 if name.startswith("head") else 1e-3
        torch.testing.assert_close(p0 - p.detach(), lr * p.grad, rtol=1e-9, atol=1e-15)
    model.backbone[0].requires_grad_(False)
    model.head.bias.requires_grad_(False)
    groups = ref.finetune_param_groups(model, 1e-4, 1e-3)
    assert [id(p) for p in groups[0]["params"]] == [id(p) for p in list(model.backbone.parameters())[2:]]
    assert [id(p) for p in groups[1]["params"]] == [id(model.head.weight)]


def test_extract_features_eval_mode_no_graph_and_mode_restored():
    torch.manual_seed(1)
    model = Net(dropout=0.5).double()
    model(torch.randn(30, 6, dtype=torch.float64))               # running statistics
    X, y = torch.randn(23, 6, dtype=torch.float64), torch.randint(0, 3, (23,))
    feats, labels = ref.extract_features(model, DataLoader(TensorDataset(X, y), batch_size=5))
    assert model.training and not feats.requires_grad and torch.equal(labels, y)
    model.eval()
    with torch.no_grad():
        expected = model.backbone(X)
    torch.testing.assert_close(feats, expected, rtol=1e-12, atol=1e-12)
    ref.extract_features(model, DataLoader(TensorDataset(X, y), batch_size=5))
    assert not model.training


def test_linear_probe_matches_scikit_learn_logistic_regression():
    """Same objective: mean cross-entropy + wd * ||W||^2 is sklearn's with C = 1 / (2 N wd), intercept unpenalised."""
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    g = torch.Generator().manual_seed(0)
    centres = 2 * torch.randn(3, 5, generator=g, dtype=torch.float64)
    y = torch.arange(3).repeat_interleave(40)
    X = centres[y] + torch.randn(120, 5, generator=g, dtype=torch.float64)
    wd = 1e-2
    probe = ref.linear_probe(X, y, 3, weight_decay=wd, steps=500)
    clf = sklearn_linear.LogisticRegression(C=1 / (2 * len(y) * wd), tol=1e-10, max_iter=10_000).fit(X.numpy(), y.numpy())
    # softmax is invariant to adding a constant to every class: compare centred weights and biases
    W, b = probe.weight.detach().numpy(), probe.bias.detach().numpy()
    np.testing.assert_allclose(W - W.mean(0), clf.coef_ - clf.coef_.mean(0), atol=1e-4)
    np.testing.assert_allclose(b - b.mean(), clf.intercept_ - clf.intercept_.mean(), atol=1e-4)


def test_linear_probe_is_reproducible_and_uses_weight_decay():
    g = torch.Generator().manual_seed(2)
    X, y = torch.randn(60, 4, generator=g), torch.randint(0, 2, (60,), generator=g)
    a, b = ref.linear_probe(X, y, 2, seed=3), ref.linear_probe(X, y, 2, seed=3)
    assert torch.equal(a.weight, b.weight)
    assert ref.linear_probe(X, y, 2, weight_decay=1.0).weight.norm() < 0.5 * ref.linear_probe(X, y, 2, 1e-5).weight.norm()
