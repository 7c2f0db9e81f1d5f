"""pytest, for every test path (tests, the docstring examples in src, the docs): no plot windows.

The examples of the plotting functions show what a user types (in Jupyter the inline
backend is already set, and a machine without a display falls back to Agg by itself),
so the non-interactive backend is chosen here once, for this process only (the
notebooks' kernels keep their inline backend), instead of in each example.
"""

try:
    import matplotlib
except ImportError:  # pragma: no cover - the plot extra is installed in the tests
    pass
else:
    matplotlib.use("Agg")
