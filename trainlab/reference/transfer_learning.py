"""Transfer learning in PyTorch (reference answers for 08_transfer_learning).

A model here has two parts: ``model.backbone``, an ``nn.Module`` mapping images (N, 1, H, W) to
feature vectors (N, D), and ``model.head``, an ``nn.Linear(D, C)`` mapping features to class scores;
``model(x) = model.head(model.backbone(x))``.

Unlike the other reference modules these functions use PyTorch: they act on ``nn.Module``s, so the
notebooks' "NumPy only" check does not apply to them. They import nothing from trainlab.
"""
import torch
import torch.nn.functional as F
from torch import nn


def freeze_backbone(model):
    """Freeze every backbone parameter (``requires_grad = False``); the head is left as it is.

    A frozen parameter gets no ``.grad`` in ``backward()`` and optimisers skip parameters without a
    gradient, so its values stay bit-for-bit the same. Changes ``model`` in place and returns it.
    """
    for p in model.backbone.parameters():
        p.requires_grad_(False)
    return model


def replace_head(model, num_classes):
    """Put a new, freshly initialised ``nn.Linear(D, num_classes)`` in place of ``model.head``.

    D is the old head's ``in_features``; the new layer has PyTorch's default initialisation, is
    trainable, and lives on the old head's device with its dtype. Changes ``model`` in place and
    returns it.
    """
    old = model.head.weight
    model.head = nn.Linear(model.head.in_features, num_classes).to(device=old.device, dtype=old.dtype)
    return model


def finetune_param_groups(model, base_lr, head_lr):
    """Optimiser parameter groups for fine-tuning: backbone at ``base_lr``, head at ``head_lr``.

    Returns [{"name": "backbone", "params": [...], "lr": base_lr},
             {"name": "head", "params": [...], "lr": head_lr}],
    each list holding only the parameters that require gradients, in ``.parameters()`` order.
    Pass it to any ``torch.optim`` optimiser. The usual choice is base_lr = head_lr / 10: the pretrained
    backbone is nearly right and should move little; the new head starts from random.
    """
    return [
        {"name": "backbone", "params": [p for p in model.backbone.parameters() if p.requires_grad], "lr": base_lr},
        {"name": "head", "params": [p for p in model.head.parameters() if p.requires_grad], "lr": head_lr},
    ]


def extract_features(model, loader):
    """Backbone features of every example in ``loader``, in the loader's order.

    loader: yields (x, y) batches (e.g. a DataLoader); x is moved to the model's device.
    Runs the backbone in eval mode without building a graph (``torch.no_grad``), and puts the model
    back in the mode it was in. Returns (features, labels): a float tensor (N, D) and the labels (N,),
    both on the CPU.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    features, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            features.append(model.backbone(x.to(device)).cpu())
            labels.append(y.cpu())
    model.train(was_training)
    return torch.cat(features), torch.cat(labels)


def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    """Fit a linear classifier (softmax regression) on fixed features; returns the ``nn.Linear``.

    features: (N, D) float tensor; labels: (N,) int64 in [0, num_classes).
    Minimises mean cross-entropy + weight_decay * sum(W ** 2) (the bias is not penalised) with
    full-batch L-BFGS (``steps`` iterations at most, strong-Wolfe line search), starting from a
    ``nn.Linear(D, num_classes)`` made right after ``torch.manual_seed(seed)``: same inputs, same probe.
    """
    torch.manual_seed(seed)
    probe = nn.Linear(features.shape[1], num_classes).to(device=features.device, dtype=features.dtype)
    opt = torch.optim.LBFGS(probe.parameters(), lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(probe(features), labels) + weight_decay * probe.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return probe
