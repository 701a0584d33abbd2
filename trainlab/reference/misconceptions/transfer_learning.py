"""Misconceptions for 08_transfer_learning (see __init__.py for the format).

Like the reference answers of this notebook, these are PyTorch. Most come from
tests/mutants/08_transfer_learning.py. The checks compare requires_grad flags, groups and shapes, so their
messages are fixed sentences: an entry is marked ``specific`` when only its mistake gives that sentence.
"""
import torch
import torch.nn.functional as F
from torch import nn

REFERENCE = "transfer_learning"


# -- 1. freezing --------------------------------------------------------------------------------------

def freeze_backbone_eval(model):
    model.backbone.eval()                                       # eval() changes modes, not requires_grad
    return model


def freeze_backbone_weights_only(model):
    for name, p in model.backbone.named_parameters():
        if name.endswith("weight"):
            p.requires_grad_(False)
    return model


def freeze_backbone_everything(model):
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def freeze_backbone_no_return(model):
    for p in model.backbone.parameters():
        p.requires_grad_(False)


# -- 2. a new head ------------------------------------------------------------------------------------

def replace_head_classes_ignored(model, num_classes):
    model.head = nn.Linear(model.head.in_features, model.head.out_features)
    return model


def replace_head_frozen(model, num_classes):
    old = model.head.weight
    model.head = nn.Linear(model.head.in_features, num_classes).to(device=old.device, dtype=old.dtype)
    model.head.requires_grad_(False)
    return model


def replace_head_attribute_only(model, num_classes):
    model.head.out_features = num_classes                       # the weight matrix keeps its shape
    return model


def replace_head_float32(model, num_classes):
    model.head = nn.Linear(model.head.in_features, num_classes)   # dtype not matched
    return model


# -- 3. parameter groups ------------------------------------------------------------------------------

def finetune_param_groups_head_lr_everywhere(model, base_lr, head_lr):
    return [{"name": "backbone", "params": [p for p in model.backbone.parameters() if p.requires_grad], "lr": head_lr},
            {"name": "head", "params": [p for p in model.head.parameters() if p.requires_grad], "lr": head_lr}]


def finetune_param_groups_swapped(model, base_lr, head_lr):
    return [{"name": "backbone", "params": [p for p in model.backbone.parameters() if p.requires_grad], "lr": head_lr},
            {"name": "head", "params": [p for p in model.head.parameters() if p.requires_grad], "lr": base_lr}]


def finetune_param_groups_frozen_included(model, base_lr, head_lr):
    return [{"name": "backbone", "params": list(model.backbone.parameters()), "lr": base_lr},
            {"name": "head", "params": list(model.head.parameters()), "lr": head_lr}]


def finetune_param_groups_one_group(model, base_lr, head_lr):
    return [{"name": "backbone", "params": [p for p in model.parameters() if p.requires_grad], "lr": base_lr},
            {"name": "head", "params": [], "lr": head_lr}]


# -- 4. features and a linear probe -------------------------------------------------------------------

def extract_features_train_mode(model, loader):
    with torch.no_grad():
        pairs = [(model.backbone(x), y) for x, y in loader]     # dropout on, batch statistics
    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()


def extract_features_head_scores(model, loader):
    was = model.training
    model.eval()
    with torch.no_grad():
        pairs = [(model(x), y) for x, y in loader]              # the head's scores
    model.train(was)
    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()


def extract_features_with_graph(model, loader):
    was = model.training
    model.eval()
    pairs = [(model.backbone(x), y) for x, y in loader]         # no torch.no_grad()
    model.train(was)
    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()


def extract_features_left_in_eval(model, loader):
    model.eval()
    with torch.no_grad():
        pairs = [(model.backbone(x), y) for x, y in loader]
    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()


def extract_features_last_batch(model, loader):
    was = model.training
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            f = model.backbone(x)
    model.train(was)
    return f.cpu(), y.cpu()


def _probe(features, labels, num_classes, weight_decay, steps, seed, penalise_bias=False, seeded=True):
    if seeded:
        torch.manual_seed(seed)
    probe = nn.Linear(features.shape[1], num_classes).to(device=features.device, dtype=features.dtype)
    opt = torch.optim.LBFGS(probe.parameters(), lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        penalty = probe.weight.pow(2).sum() + (probe.bias.pow(2).sum() if penalise_bias else 0.0)
        loss = F.cross_entropy(probe(features), labels) + weight_decay * penalty
        loss.backward()
        return loss

    opt.step(closure)
    return probe


def linear_probe_untrained(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    torch.manual_seed(seed)
    return nn.Linear(features.shape[1], num_classes).to(dtype=features.dtype)


def linear_probe_no_weight_decay(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    return _probe(features, labels, num_classes, 0.0, steps, seed)


def linear_probe_penalises_bias(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    return _probe(features, labels, num_classes, weight_decay, steps, seed, penalise_bias=True)


def linear_probe_not_seeded(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    return _probe(features, labels, num_classes, weight_decay, steps, seed, seeded=False)


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_freeze_backbone": [
        _e("1", "the backbone left trainable (model.backbone.eval() does not freeze)",
           "eval() only switches dropout and batch norm to test mode: set requires_grad_(False) on every backbone "
           "parameter", {"freeze_backbone": freeze_backbone_eval}, specific=True),
        _e("1", "only the backbone's weights frozen (biases still train)",
           "Freeze every backbone parameter, weights and biases: for p in model.backbone.parameters()",
           {"freeze_backbone": freeze_backbone_weights_only}, specific=True),
        _e("1", "the head frozen too", "Only the backbone is frozen: loop over model.backbone.parameters(), not "
           "model.parameters()", {"freeze_backbone": freeze_backbone_everything}, specific=True),
        _e("1", "freeze_backbone does not return the model", "End with `return model`",
           {"freeze_backbone": freeze_backbone_no_return}, specific=True),
    ],
    "test_replace_head": [
        _e("2", "the new head ignores num_classes", "nn.Linear(model.head.in_features, num_classes)",
           {"replace_head": replace_head_classes_ignored}, specific=True),
        _e("2", "the new head created frozen", "A new nn.Linear is trainable by default: do not freeze it",
           {"replace_head": replace_head_frozen}, specific=True),
        _e("2", "only head.out_features changed (the weight keeps its shape)",
           "Assign a new layer: model.head = nn.Linear(model.head.in_features, num_classes)",
           {"replace_head": replace_head_attribute_only}, specific=True),
        _e("2", "a float32 head on a float64 model",
           "Create the head with the old head's dtype and device: .to(device=old.device, dtype=old.dtype)",
           {"replace_head": replace_head_float32}, specific=True),
    ],
    "test_finetune_param_groups": [
        _e("3", "the head's learning rate used for the backbone too", "The backbone group gets base_lr",
           {"finetune_param_groups": finetune_param_groups_head_lr_everywhere}),
        _e("3", "the two learning rates swapped", "Backbone at base_lr (small), head at head_lr",
           {"finetune_param_groups": finetune_param_groups_swapped}),
        _e("3", "frozen parameters handed to the optimiser",
           "Keep only the parameters that require gradients: [p for p in ... if p.requires_grad]",
           {"finetune_param_groups": finetune_param_groups_frozen_included}, specific=True),
        _e("3", "every parameter in the backbone group", "The head's parameters go in their own group at head_lr",
           {"finetune_param_groups": finetune_param_groups_one_group}, specific=True),
    ],
    "test_extract_features": [
        _e("4", "features extracted in train mode", "Call model.eval() before extracting (dropout and batch norm act "
           "differently in training mode), then model.train(was_training)",
           {"extract_features": extract_features_train_mode}, specific=True),
        _e("4", "the head's scores instead of the backbone's features", "Return model.backbone(x), not model(x)",
           {"extract_features": extract_features_head_scores}, specific=True),
        _e("4", "features that carry a graph", "Compute them under torch.no_grad()",
           {"extract_features": extract_features_with_graph}, specific=True),
        _e("4", "the model left in eval mode", "Remember model.training first and put it back: model.train(was_training)",
           {"extract_features": extract_features_left_in_eval}, specific=True),
        _e("4", "only the last batch returned", "Collect every batch and torch.cat them",
           {"extract_features": extract_features_last_batch}, specific=True),
    ],
    "test_linear_probe": [
        _e("4", "an untrained probe", "Train it: full-batch L-BFGS on cross-entropy + weight_decay * sum(W ** 2)",
           {"linear_probe": linear_probe_untrained}, specific=True),
        _e("4", "weight decay left out of the loss", "Add weight_decay * probe.weight.pow(2).sum() to the loss",
           {"linear_probe": linear_probe_no_weight_decay}, specific=True),
        _e("4", "the bias penalised too", "Penalise only the weights: weight_decay * probe.weight.pow(2).sum(), no "
           "penalty on b", {"linear_probe": linear_probe_penalises_bias}, specific=True),
        _e("4", "the probe not seeded", "Call torch.manual_seed(seed) right before nn.Linear(...)",
           {"linear_probe": linear_probe_not_seeded}, specific=True),
    ],
}
