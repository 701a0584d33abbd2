"""Plot helpers shared by the notebooks. Every plot gets a title, axis labels and a legend.

    plot_curves(curves, xlabel, ylabel, title)     several named 1-D curves on one axis
    plot_functions(x, funcs, title)                 named y = f(x) curves (activations, schedules...)
    layer_histograms(values, title)                 one histogram per layer, in a row
    layer_histogram_grid(rows, layers, title)       rows of per-layer histograms (one row per setting)
    show_images(images, titles)                     a row/grid of (H, W[, C]) images in [0, 1]
"""
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_curves", "plot_functions", "layer_histograms", "layer_histogram_grid", "show_images", "new_axes"]


def new_axes(ax=None, figsize=(6, 4)):
    """``ax`` if given, else the axis of a new figure."""
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_curves(curves, xlabel, ylabel, title, ax=None, logy=False, x=None, styles=None):
    """curves: dict name -> 1-D sequence (plotted against 0..n-1, or against ``x``)."""
    ax = new_axes(ax)
    for name, ys in curves.items():
        xs = np.arange(len(ys)) if x is None else x
        ax.plot(xs, ys, label=name, **(styles or {}).get(name, {}))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_functions(x, funcs, title, xlabel="x", ylabel="f(x)", ax=None):
    """funcs: dict name -> y array of x's shape. Draws the axes through the origin lightly."""
    ax = plot_curves(funcs, xlabel, ylabel, title, ax=ax, x=x)
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    return ax


def layer_histograms(values, title, xlabel="value", bins=40, range_=None, axes=None):
    """values: list of arrays, one per layer. One small histogram per layer with its mean and std."""
    n = len(values)
    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=(1.9 * n, 2.2), sharey=True, squeeze=False)
        axes = axes[0]
        fig.suptitle(title)
    for i, (ax, v) in enumerate(zip(axes, values)):
        v = np.ravel(v)
        ax.hist(v, bins=bins, range=range_, color="C0")
        ax.set_title(f"layer {i + 1}\nmean {v.mean():+.2f}\nstd {v.std():.3g}", fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("count")
    plt.tight_layout()
    return axes


def show_images(images, titles=None, ncols=None, size=2.2, suptitle=None):
    """images: sequence of (H, W) or (H, W, 3) arrays in [0, 1]; titles: one string per image."""
    n = len(images)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, img in enumerate(images):
        ax = axes.ravel()[i]
        ax.imshow(np.clip(img, 0, 1), cmap="gray" if np.ndim(img) == 2 else None, vmin=0, vmax=1)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    plt.tight_layout()
    return axes


def layer_histogram_grid(rows, layers, title=None, bins=40, xlabel="activation", panel=(2.6, 2.0), fontsize=10):
    """A readable grid of per-layer histograms: one row per setting, one column per chosen layer.

    rows: list of dicts with "label" (the row's name), "values" (list of per-layer arrays, layer 1 first),
    and optionally "range" (the histogram's x range) and "logy" (a log count axis, e.g. for ReLU's spike at 0).
    layers: the 1-based layer numbers to show (e.g. [1, 2, 4, 7, 10]). Text is ``fontsize`` points (>= 9).
    """
    nr, nc = len(rows), len(layers)
    fig, axes = plt.subplots(nr, nc, figsize=(panel[0] * nc + 1.2, panel[1] * nr + 0.8), squeeze=False)
    for r, row in enumerate(rows):
        for c, layer in enumerate(layers):
            ax, v = axes[r, c], np.ravel(row["values"][layer - 1])
            ax.hist(v, bins=bins, range=row.get("range"), color="C0" if r % 2 == 0 else "C1")
            if row.get("logy"):
                ax.set_yscale("log")
            ax.set_title(f"layer {layer}: std {v.std():.2g}", fontsize=fontsize)
            ax.tick_params(labelsize=fontsize - 1)
            ax.set_yticks([]) if not row.get("logy") else ax.tick_params(axis="y", labelleft=False)
            if r == nr - 1 or row.get("range") != rows[min(r + 1, nr - 1)].get("range"):
                ax.set_xlabel(xlabel, fontsize=fontsize)
        axes[r, 0].set_ylabel(row["label"], fontsize=fontsize + 1, fontweight="bold")
    if title:
        fig.suptitle(title, fontsize=fontsize + 2)
    fig.tight_layout()
    return axes
