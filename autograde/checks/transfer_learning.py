"""Trusted checks for 08_transfer_learning: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py). A model cannot travel as plain data, so each
check builds the same model on both sides from the same code and seed: the student's function changes
it in the sandbox, which reports only plain data (requires_grad flags by parameter name, parameter
groups by name, feature arrays, probe weights); the reference does the same here, and the two are compared.
"""
import numpy as np
import torch

from trainlab import grading
from trainlab.pretrained import SmallCNN, digit_tasks, load_pretrained, place_digits
from trainlab.reference import transfer_learning as ref

# Built on both sides: linear layers, batch norm and dropout (modes matter), a head.
NET_SOURCE = '''
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from trainlab.pretrained import SmallCNN, load_pretrained


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 4))
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(self.backbone(x))


def _flags(model):
    return {n: bool(p.requires_grad) for n, p in model.named_parameters()}


def _groups(model, groups):
    names = {id(p): n for n, p in model.named_parameters()}
    return [{"params": [names.get(id(p), "?") for p in g.get("params", [])], "lr": float(g.get("lr", -1)),
             "name": g.get("name")} if isinstance(g, dict) else {"params": [], "lr": -1.0, "name": None} for g in groups]
'''
_shared = {}
exec(compile(NET_SOURCE, "<grader: NET_SOURCE>", "exec"), _shared)
_Net, _flags, _groups = _shared["_Net"], _shared["_flags"], _shared["_groups"]


def _run(student, code, **inputs):
    return student.run(NET_SOURCE + code, **inputs)


def test_freeze_backbone(student):
    """freeze_backbone: requires_grad flags by parameter name, on two architectures; the model returned (2 points)"""
    got = _run(student, '''
torch.manual_seed(0)
model = SmallCNN(num_classes=5)
returned = freeze_backbone(model)
nets = []
for seed in (1, 2):
    torch.manual_seed(seed)
    nets.append(_flags(freeze_backbone(_Net())))
result = {"flags": _flags(model), "returned": returned is model, "nets": nets}
''')
    grading.check(got["returned"], "freeze_backbone must change the model in place and return it (end with `return model`).")
    expected = _flags(ref.freeze_backbone(SmallCNN(num_classes=5)))
    for name, flag in expected.items():
        where = "backbone" if name.startswith("backbone.") else "head"
        grading.check(got["flags"].get(name) == flag,
                      f"{where} parameter '{name}' has requires_grad={got['flags'].get(name)}: "
                      + ("freeze every parameter of model.backbone (weights and biases)." if where == "backbone"
                         else "only the backbone is frozen; the head must stay trainable."))
    theirs = _flags(ref.freeze_backbone(_Net()))
    for flags in got["nets"]:
        grading.check(flags == theirs, f"requires_grad flags after freeze_backbone on a network with batch norm and "
                      f"dropout are wrong: {flags}")


def test_replace_head(student):
    """replace_head: a new trainable nn.Linear with the right shape, dtype and device; the backbone untouched (2 points)"""
    got = _run(student, '''
def describe(model, old_head, before):
    head = model.head
    linear = isinstance(head, nn.Linear)
    return {"linear": linear, "new": head is not old_head,
            "shape": [int(head.in_features), int(head.out_features)] if linear else None,
            "dtype": str(head.weight.dtype) if linear else None,
            "trainable": all(p.requires_grad for p in head.parameters()),
            "backbone_same": all(torch.equal(v, before[k]) for k, v in model.backbone.state_dict().items()),
            "backbone_flags": [p.requires_grad for p in model.backbone.parameters()]}

result = []
torch.manual_seed(0)
for make, classes, frozen in [(lambda: SmallCNN(num_classes=5), 3, False), (lambda: SmallCNN(num_classes=5), 7, True),
                              (lambda: _Net().double(), 1, False), (lambda: _Net().double(), 9, False)]:
    model = make()
    if frozen:
        model.backbone.requires_grad_(False)
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    old = model.head
    returned = replace_head(model, classes)
    out = describe(model, old, before)
    out["returned"] = returned is model
    result.append(out)
''')
    cases = [(SmallCNN(num_classes=5), 3, False), (SmallCNN(num_classes=5), 7, True), (_Net().double(), 1, False),
             (_Net().double(), 9, False)]
    for (model, classes, frozen), g in zip(cases, got):
        if frozen:
            model.backbone.requires_grad_(False)
        theirs = ref.replace_head(model, classes)
        grading.check(g["returned"], "replace_head must change the model in place and return it.")
        grading.check(g["linear"] and g["new"], "model.head must be a new nn.Linear (assign it: model.head = nn.Linear(...)).")
        want = [theirs.head.in_features, theirs.head.out_features]
        grading.check(g["shape"] == want, f"the new head maps {g['shape'][0]} -> {g['shape'][1]}; expected {want[0]} -> {want[1]}.")
        grading.check(g["dtype"] == str(theirs.head.weight.dtype),
                      f"the new head has dtype {g['dtype']}; it must have the old head's dtype ({theirs.head.weight.dtype}): "
                      "use .to(dtype=...).")
        grading.check(g["trainable"], "the new head must be trainable.")
        grading.check(g["backbone_same"], "replace_head changed the backbone's weights: leave the backbone alone.")
        grading.check(g["backbone_flags"] == [p.requires_grad for p in theirs.backbone.parameters()],
                      "replace_head changed which backbone parameters require gradients: leave the backbone alone.")


def test_finetune_param_groups(student):
    """finetune_param_groups: which parameters (by name), which learning rates, in which order (2 points)"""
    cases = [("cnn", None, 1e-3, 1e-2), ("cnn-partly-frozen", None, 1e-4, 1e-3),
             ("net", None, 3e-5, 3e-4), ("net", None, 0.02, 0.2), ("net", None, 0.5, 0.05)]
    got = _run(student, '''
def build(kind):
    torch.manual_seed(0)
    if kind.startswith("cnn"):
        model = SmallCNN(num_classes=5)
        if kind == "cnn-partly-frozen":
            model.backbone.requires_grad_(False)
            model.backbone[5].requires_grad_(True)
        return model
    net = _Net()
    net.backbone[1].requires_grad_(False)
    net.head.bias.requires_grad_(False)
    return net

result = []
for kind, base_lr, head_lr in cases:
    model = build(kind)
    groups = finetune_param_groups(model, base_lr=base_lr, head_lr=head_lr)
    result.append(_groups(model, groups) if isinstance(groups, list) else None)
''', cases=[[kind, base, head] for kind, _, base, head in cases])
    for (kind, _, base_lr, head_lr), mine in zip(cases, got):
        torch.manual_seed(0)
        if kind.startswith("cnn"):
            model = SmallCNN(num_classes=5)
            if kind == "cnn-partly-frozen":
                model.backbone.requires_grad_(False)
                model.backbone[5].requires_grad_(True)
        else:
            model = _Net()
            model.backbone[1].requires_grad_(False)
            model.head.bias.requires_grad_(False)
        theirs = _groups(model, ref.finetune_param_groups(model, base_lr, head_lr))
        grading.check(isinstance(mine, list) and len(mine) == 2,
                      "finetune_param_groups must return a list of two dicts (backbone group, then head group).")
        for which, g, t in zip(("backbone", "head"), mine, theirs):
            grading.check(g["params"] == t["params"],
                          f"the {which} group holds {g['params']}; expected {t['params']} (only parameters that require "
                          "gradients, in .parameters() order).")
            grading.check(np.isclose(g["lr"], t["lr"], rtol=1e-12),
                          f"the {which} group's learning rate is {g['lr']}; expected {t['lr']} "
                          f"(base_lr={base_lr}, head_lr={head_lr}); your groups' learning rates: backbone "
                          f"{mine[0]['lr']}, head {mine[1]['lr']}.")
        grading.check([g["name"] for g in mine] == ["backbone", "head"], "the groups must be named 'backbone', 'head'.")


def _target(n, seed):
    tasks = digit_tasks()
    X = torch.tensor(place_digits(tasks["target_images"][:n], np.random.default_rng(seed))).unsqueeze(1)
    return X, torch.tensor(tasks["target_labels"][:n])


def test_extract_features(student):
    """extract_features: the backbone's features in eval mode, in order, no graph, on the CPU, mode restored (2 points)"""
    X, y = _target(70, 0)
    torch.manual_seed(11)
    hX, hy = torch.randn(23, 6, dtype=torch.float64), torch.randint(0, 3, (23,))
    got = _run(student, '''
model = load_pretrained()
model.train()
feats, labs = extract_features(model, DataLoader(TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=32))
first = {"types": [type(feats).__name__, type(labs).__name__], "grad": bool(getattr(feats, "requires_grad", False)),
         "device": str(getattr(feats, "device", "?")), "training_after": model.training,
         "feats": feats.detach().cpu().numpy() if hasattr(feats, "detach") else None,
         "labels": labs.cpu().numpy() if hasattr(labs, "cpu") else None}
torch.manual_seed(11)
net = _Net().double()
net.train()
net(torch.randn(50, 6, dtype=torch.float64))        # some running statistics
hXt, hyt = torch.tensor(hX), torch.tensor(hy)
batches = {}
for bs in (5, 64, 1):
    try:
        f, l = extract_features(net, DataLoader(TensorDataset(hXt, hyt), batch_size=bs))
        batches[str(bs)] = [f.detach().cpu().numpy(), l.cpu().numpy()]
    except Exception as e:          # reported with advice by the grader (batch norm in training mode, ...)
        batches[str(bs)] = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"
training = net.training
net.eval()
extract_features(net, DataLoader(TensorDataset(hXt, hyt), batch_size=8))
result = {"first": first, "batches": batches, "training_after": training, "eval_after": not net.training}
''', X=X.numpy(), y=y.numpy(), hX=hX.numpy(), hy=hy.numpy())
    first = got["first"]
    grading.check(first["types"] == ["Tensor", "Tensor"], "extract_features must return two torch tensors (features, labels).")
    grading.check(first["feats"].shape == (70, 64) and first["labels"].shape == (70,),
                  f"got features {first['feats'].shape} and labels {first['labels'].shape}; expected (70, 64) and (70,): "
                  "the backbone's output for every example (not the head's scores, not only the last batch).")
    grading.check(np.array_equal(first["labels"], y.numpy()), "the labels must come back in the loader's order.")
    model = load_pretrained().eval()
    with torch.no_grad():
        expected = model.backbone(X).numpy()
    grading.check_close("extract_features(pretrained model, 70 target digits)", first["feats"], expected, rtol=1e-5, atol=1e-6)
    grading.check(not first["grad"], "the features carry a graph (requires_grad=True): compute them under torch.no_grad().")
    grading.check(first["device"] == "cpu", "the features must be returned on the CPU.")
    grading.check(first["training_after"], "extract_features must put the model back in the mode it was in (here: training).")
    torch.manual_seed(11)
    net = _Net().double()
    net.train()
    net(torch.randn(50, 6, dtype=torch.float64))
    from torch.utils.data import DataLoader, TensorDataset
    for bs in (5, 64, 1):
        theirs = ref.extract_features(net, DataLoader(TensorDataset(hX, hy), batch_size=bs))
        mine = got["batches"][str(bs)]
        if isinstance(mine, str):
            grading.check(False, f"extract_features (batch size {bs}, a network with batch norm and dropout, in training "
                                 f"mode) raised {mine}" + (": batch norm in training mode cannot normalise a batch of "
                                 "one. Call model.eval() before extracting, and put the model back afterwards."
                                 if "when training" in mine else "."))
        if not np.allclose(mine[0], theirs[0].numpy(), rtol=1e-7, atol=1e-9):
            grading.check(False, f"extract_features (batch size {bs}) gives other features than the backbone in eval "
                                 "mode: call model.eval() before extracting (dropout and batch norm act differently in "
                                 "training mode), and put the model back afterwards.")
        grading.check_close(f"extract_features (batch size {bs}): labels", mine[1], theirs[1].numpy())
    grading.check(got["training_after"], "extract_features must put the model back in training mode.")
    grading.check(got["eval_after"], "a model in eval mode must stay in eval mode.")


def test_linear_probe(student):
    """linear_probe: a trained nn.Linear on pretrained features: accuracy, agreement, weight decay, reproducible (3 points)"""
    X, y = _target(None, 7)
    with torch.no_grad():
        f_all = load_pretrained().eval().backbone(X)
    f_train, y_train, f_test, y_test = f_all[:200], y[:200], f_all[200:], y[200:]
    g = torch.Generator().manual_seed(808)
    centres = 3 * torch.randn(4, 16, generator=g)
    hy = torch.arange(4).repeat_interleave(60)
    hf = centres[hy] + torch.randn(240, 16, generator=g)
    perm = torch.randperm(240, generator=g)
    hf, hy = hf[perm], hy[perm]
    # unequal classes and features away from 0: the bias carries the class priors, so penalising it shows
    keep = torch.cat([torch.nonzero(hy == c).ravel()[:n] for c, n in zip(range(4), (50, 25, 10, 5))])
    pf, py = hf[keep] + 4.0, hy[keep]
    got = _run(student, '''
def probe(f, y, c, **kw):
    ft = torch.tensor(f)
    p = linear_probe(ft, torch.tensor(y), c, **kw)
    ok = isinstance(p, nn.Linear)
    return {"linear": ok, "W": p.weight.detach().cpu().numpy() if ok else None,
            "b": p.bias.detach().cpu().numpy() if ok and p.bias is not None else None,
            "unchanged": bool(torch.equal(ft, torch.tensor(f)))}

result = {"main": probe(f_train, y_train, 5), "again": probe(f_train, y_train, 5),
          "seeded": probe(hf[:120], hy[:120], 4, seed=3),
          "strong": probe(hf[:120], hy[:120], 4, weight_decay=1.0), "weak": probe(hf[:120], hy[:120], 4, weight_decay=1e-4),
          "s5a": probe(hf, hy, 4, seed=5), "s5b": probe(hf, hy, 4, seed=5),
          "priors": probe(pf, py, 4, weight_decay=0.1, seed=1)}
''', f_train=f_train.numpy(), y_train=y_train.numpy(), hf=hf.numpy(), hy=hy.numpy(), pf=pf.numpy(), py=py.numpy())
    main = got["main"]
    grading.check(main["linear"] and main["W"].shape == (5, 64),
                  "linear_probe must return an nn.Linear(64, 5) here (features of size 64, 5 classes).")
    predict = lambda p, f: (f.numpy() @ p["W"].T + (p["b"] if p["b"] is not None else 0)).argmax(1)  # noqa: E731
    test_acc = float((predict(main, f_test) == y_test.numpy()).mean())
    grading.check(test_acc >= 0.85, f"test accuracy {test_acc:.3f} is too low (a trained probe gets about 0.93 here): "
                  "is the probe trained (L-BFGS until convergence, full batch)?")
    grading.check(main["unchanged"], "linear_probe changed the features it was given.")
    grading.check(np.array_equal(got["again"]["W"], main["W"]) and np.array_equal(got["again"]["b"], main["b"]),
                  "two calls with the same inputs gave different probes: call torch.manual_seed(seed) before nn.Linear(...).")
    mine, theirs = got["seeded"], ref.linear_probe(hf[:120], hy[:120], 4, seed=3)
    grading.check(mine["linear"] and mine["W"].shape == (4, 16), "linear_probe must return nn.Linear(16, 4).")
    with torch.no_grad():
        ref_pred = theirs(hf[120:]).argmax(1).numpy()
    acc = float((predict(mine, hf[120:]) == hy[120:].numpy()).mean())
    agree = float((predict(mine, hf[120:]) == ref_pred).mean())
    grading.check(acc >= 0.95, f"probe test accuracy {acc:.3f} on well-separated clusters; expected at least 0.95.")
    grading.check(agree >= 0.97, f"the probe's predictions agree with the reference's on only {agree:.0%} of test points.")
    grading.check(np.linalg.norm(got["strong"]["W"]) < 0.5 * np.linalg.norm(got["weak"]["W"]),
                  "weight_decay has no effect: the loss must include weight_decay * sum(W ** 2).")
    grading.check(np.array_equal(got["s5a"]["W"], got["s5b"]["W"]), "linear_probe is not reproducible for a given seed.")
    mine, theirs = got["priors"], ref.linear_probe(pf, py, 4, weight_decay=0.1, seed=1)
    grading.check(mine["linear"] and mine["b"] is not None, "linear_probe must return an nn.Linear with a bias.")
    grading.check_close("linear_probe(weight_decay=0.1) on 4 classes of 50, 25, 10 and 5 examples: the bias b (it "
                        "carries the class priors; the loss penalises only W: weight_decay * sum(W ** 2), no penalty "
                        "on b)", mine["b"], theirs.bias.detach().numpy(), rtol=1e-3, atol=1e-3)
    grading.check_close("linear_probe(weight_decay=0.1) on 4 classes of 50, 25, 10 and 5 examples: the weights W",
                        mine["W"], theirs.weight.detach().numpy(), rtol=1e-3, atol=1e-3)
