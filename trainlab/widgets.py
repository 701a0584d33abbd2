"""Sliders that redraw a plot: the notebooks' interactive explorations.

    log_slider(name, value, low, high)      a FloatLogSlider over [low, high] (values, not exponents)
    slider(name, value, low, high, step)    a FloatSlider (IntSlider when all arguments are ints)
    dropdown(name, options, value)
    interactive_plot(draw, controls)        redraws ``draw(**values)`` whenever a control moves

interactive_plot prints one line under the plot after each redraw, e.g.
``redraw 84 ms | learning_rate=0.001, momentum=0.9``: the time a student waits, and a marker
that automated browser tests wait for before reading the image.

Where no widget can run (a static HTML view: nbgrader's feedback, nbconvert, GitHub), the cell shows
the plot as last drawn, as a PNG, with the slider values under it, instead of ``VBox(...)``.
"""
import base64
import io
import time
import traceback

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["log_slider", "slider", "dropdown", "interactive_plot"]

_LAYOUT = dict(style={"description_width": "initial"}, layout=W.Layout(width="320px"))


def log_slider(name, value, low, high, steps_per_decade=10):
    """A slider moving on a log scale between ``low`` and ``high`` (e.g. 1e-5 .. 1)."""
    return W.FloatLogSlider(value=value, base=10, min=np.log10(low), max=np.log10(high),
                            step=1.0 / steps_per_decade, description=name, readout_format=".1e",
                            continuous_update=False, **_LAYOUT)


def slider(name, value, low, high, step=None):
    """A linear slider; an IntSlider when value, low, high (and step) are all ints."""
    if all(isinstance(v, int) for v in (value, low, high)) and (step is None or isinstance(step, int)):
        return W.IntSlider(value=value, min=low, max=high, step=step or 1, description=name,
                           continuous_update=False, **_LAYOUT)
    return W.FloatSlider(value=value, min=low, max=high, step=step or (high - low) / 100,
                         description=name, continuous_update=False, **_LAYOUT)


def dropdown(name, options, value=None):
    return W.Dropdown(options=options, value=value if value is not None else list(options)[0],
                      description=name, **_LAYOUT)


def _png_outputs(figures):
    """Each matplotlib figure as a display_data output (a PNG), closing the figures."""
    outputs = []
    for fig in figures:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white")
        plt.close(fig)
        outputs.append({"output_type": "display_data", "metadata": {},
                        "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                                 "text/plain": "<Figure>"}})
    return outputs


class InteractivePlot(W.VBox):
    """The controls above, the plot below; outside a live notebook, the last plot drawn (see the module doc)."""

    last_png = None        # base64 PNG of the latest redraw's first figure
    last_values = ""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        if self.last_png:
            bundle["image/png"] = self.last_png
        bundle["text/plain"] = f"Interactive plot ({self.last_values}): run the notebook to move the sliders."
        return bundle


def interactive_plot(draw, controls):
    """controls: dict keyword -> widget. ``draw(**values)`` makes one or more matplotlib figures.

    Returns an InteractivePlot, a VBox (controls above, plot below); its ``last_redraw_seconds`` attribute holds
    the duration of the latest redraw (drawing and PNG encoding).

    The figures are rendered to PNG here and handed to the Output widget as its ``outputs`` in one
    update, rather than captured with ``with out:``; captured output inside widget callbacks can stall
    a headless executor (nbclient, so nbgrader) for a whole cell time-out.
    """
    out = W.Output()
    box = InteractivePlot([W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap")), out])
    box.redraws = 0

    def redraw(_change=None):
        values = {k: c.value for k, c in controls.items()}
        shown = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        before = set(plt.get_fignums())
        t0 = time.perf_counter()
        try:
            draw(**values)
            outputs = _png_outputs([plt.figure(n) for n in plt.get_fignums() if n not in before])
        except Exception:                                   # show the error where the plot would be
            for n in set(plt.get_fignums()) - before:
                plt.close(n)
            outputs = [{"output_type": "stream", "name": "stderr", "text": traceback.format_exc()}]
        box.last_redraw_seconds = time.perf_counter() - t0
        box.redraws += 1
        box.last_png = next((o["data"]["image/png"] for o in outputs if "data" in o), None)
        box.last_values = shown
        marker = f"redraw {1000 * box.last_redraw_seconds:.0f} ms | {shown}\n"
        out.outputs = tuple(outputs) + ({"output_type": "stream", "name": "stdout", "text": marker},)

    for c in controls.values():
        c.observe(redraw, names="value")
    redraw()
    return box
