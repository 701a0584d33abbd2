"""Hand-written mutants for 02_initialization: forward_activations returns a list of arrays, which the
generic scale/sign mutants may not perturb. Each entry is code appended after the answer cells that
redefines the function wrongly; every one must lose points."""

MUTANTS = {
    "forward_activations": [
        # every layer's output scaled by 1.001
        "_fa_right = forward_activations\n"
        "def forward_activations(X, weights, nonlinearity):\n"
        "    return [1.001 * h for h in _fa_right(X, weights, nonlinearity)]\n",
        # sign of the largest-magnitude entry of the last layer flipped
        "_fa_right = forward_activations\n"
        "def forward_activations(X, weights, nonlinearity):\n"
        "    hs = [h.copy() for h in _fa_right(X, weights, nonlinearity)]\n"
        "    ix = np.unravel_index(np.argmax(np.abs(hs[-1])), hs[-1].shape)\n"
        "    hs[-1][ix] = -hs[-1][ix]\n"
        "    return hs\n",
        # no nonlinearity after the last layer
        "_fa_right = forward_activations\n"
        "def forward_activations(X, weights, nonlinearity):\n"
        "    hs = _fa_right(X, weights[:-1], nonlinearity) if len(weights) > 1 else []\n"
        "    return hs + [(hs[-1] if hs else X) @ weights[-1]]\n",
    ],
}
