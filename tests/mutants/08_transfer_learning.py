"""Hand-written mutants for 08_transfer_learning: the functions return or change PyTorch modules, which the
generic mutants (outputs x 1.001, a sign flipped) cannot perturb. Each string is appended to the answer cell
and redefines the function with a mistake students really make; every one must lose points.
"""

MUTANTS = {
    "freeze_backbone": [
        # the backbone is left trainable
        "def freeze_backbone(model):\n"
        "    return model\n",
        # eval() is not freezing: the parameters still get gradients
        "def freeze_backbone(model):\n"
        "    model.backbone.eval()\n"
        "    return model\n",
        # only the weights are frozen, the biases still train
        "def freeze_backbone(model):\n"
        "    for name, p in model.backbone.named_parameters():\n"
        "        if name.endswith('weight'):\n"
        "            p.requires_grad_(False)\n"
        "    return model\n",
        # everything is frozen, the head too
        "def freeze_backbone(model):\n"
        "    for p in model.parameters():\n"
        "        p.requires_grad_(False)\n"
        "    return model\n",
    ],
    "replace_head": [
        # nothing replaced
        "def replace_head(model, num_classes):\n"
        "    return model\n",
        # the number of classes is ignored
        "def replace_head(model, num_classes):\n"
        "    model.head = nn.Linear(model.head.in_features, model.head.out_features)\n"
        "    return model\n",
        # the new head is created frozen
        "def replace_head(model, num_classes):\n"
        "    model.head = nn.Linear(model.head.in_features, num_classes).requires_grad_(False)\n"
        "    return model\n",
        # only the attribute is changed: the weight matrix keeps its old shape
        "def replace_head(model, num_classes):\n"
        "    model.head.out_features = num_classes\n"
        "    return model\n",
        # a float32 head on a float64 model (dtype not matched)
        "def replace_head(model, num_classes):\n"
        "    model.head = nn.Linear(model.head.in_features, num_classes)\n"
        "    return model\n",
    ],
    "finetune_param_groups": [
        # the head's learning rate applied to the backbone as well
        "def finetune_param_groups(model, base_lr, head_lr):\n"
        "    return [{'name': 'backbone', 'params': [p for p in model.backbone.parameters() if p.requires_grad], 'lr': head_lr},\n"
        "            {'name': 'head', 'params': [p for p in model.head.parameters() if p.requires_grad], 'lr': head_lr}]\n",
        # learning rates swapped
        "def finetune_param_groups(model, base_lr, head_lr):\n"
        "    return [{'name': 'backbone', 'params': [p for p in model.backbone.parameters() if p.requires_grad], 'lr': head_lr},\n"
        "            {'name': 'head', 'params': [p for p in model.head.parameters() if p.requires_grad], 'lr': base_lr}]\n",
        # frozen parameters handed to the optimiser too
        "def finetune_param_groups(model, base_lr, head_lr):\n"
        "    return [{'name': 'backbone', 'params': list(model.backbone.parameters()), 'lr': base_lr},\n"
        "            {'name': 'head', 'params': list(model.head.parameters()), 'lr': head_lr}]\n",
        # the head forgotten: one group with everything at base_lr
        "def finetune_param_groups(model, base_lr, head_lr):\n"
        "    return [{'name': 'backbone', 'params': [p for p in model.parameters() if p.requires_grad], 'lr': base_lr},\n"
        "            {'name': 'head', 'params': [], 'lr': head_lr}]\n",
    ],
    "extract_features": [
        # the head's scores instead of the backbone's features
        "def extract_features(model, loader):\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        pairs = [(model(x), y) for x, y in loader]\n"
        "    model.train()\n"
        "    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()\n",
        # no torch.no_grad(): the features carry a graph
        "def extract_features(model, loader):\n"
        "    was = model.training\n"
        "    model.eval()\n"
        "    pairs = [(model.backbone(x), y) for x, y in loader]\n"
        "    model.train(was)\n"
        "    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()\n",
        # features computed in training mode (dropout on, batch statistics)
        "def extract_features(model, loader):\n"
        "    with torch.no_grad():\n"
        "        pairs = [(model.backbone(x), y) for x, y in loader]\n"
        "    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()\n",
        # the model left in eval mode
        "def extract_features(model, loader):\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        pairs = [(model.backbone(x), y) for x, y in loader]\n"
        "    return torch.cat([f for f, _ in pairs]).cpu(), torch.cat([y for _, y in pairs]).cpu()\n",
        # only the last batch kept
        "def extract_features(model, loader):\n"
        "    was = model.training\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        "        for x, y in loader:\n"
        "            f = model.backbone(x)\n"
        "    model.train(was)\n"
        "    return f.cpu(), y.cpu()\n",
    ],
    "linear_probe": [
        # an untrained probe
        "def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):\n"
        "    torch.manual_seed(seed)\n"
        "    return nn.Linear(features.shape[1], num_classes)\n",
        # weight decay ignored
        "_right_linear_probe = linear_probe\n"
        "def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):\n"
        "    return _right_linear_probe(features, labels, num_classes, 0.0, steps, seed)\n",
        # not seeded: a different probe every call
        "def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):\n"
        "    probe = nn.Linear(features.shape[1], num_classes)\n"
        "    opt = torch.optim.LBFGS(probe.parameters(), lr=1.0, max_iter=steps, line_search_fn='strong_wolfe')\n"
        "    def closure():\n"
        "        opt.zero_grad()\n"
        "        loss = F.cross_entropy(probe(features), labels) + weight_decay * probe.weight.pow(2).sum()\n"
        "        loss.backward()\n"
        "        return loss\n"
        "    opt.step(closure)\n"
        "    return probe\n",
        # a few plain SGD steps: far from converged
        "def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):\n"
        "    torch.manual_seed(seed)\n"
        "    probe = nn.Linear(features.shape[1], num_classes)\n"
        "    opt = torch.optim.SGD(probe.parameters(), lr=1e-3)\n"
        "    for _ in range(5):\n"
        "        opt.zero_grad()\n"
        "        (F.cross_entropy(probe(features), labels) + weight_decay * probe.weight.pow(2).sum()).backward()\n"
        "        opt.step()\n"
        "    return probe\n",
    ],
}
