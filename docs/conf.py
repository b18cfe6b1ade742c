"""Sphinx configuration of the nk_qrs_lstm documentation.

Build (from the repository root)::

    pip install ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html

The gallery (``docs/auto_examples``) is generated from ``examples/plot_*.py``: every example runs at each
build, so an example that breaks fails the build.
"""

import os
import re
import warnings

import nk_qrs_lstm

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NK_QRS_LSTM_NUM_THREADS", "2")
# the gallery's figures are rendered off-screen; "non-GUI backend" notices are noise there
warnings.filterwarnings("ignore", message="FigureCanvasAgg is non-interactive", category=UserWarning)

project = "nk_qrs_lstm"
author = "nk_qrs_lstm developers"
copyright = "2026, nk_qrs_lstm developers"
version = release = nk_qrs_lstm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.json", "**.ipynb_checkpoints"]

# -- API reference --------------------------------------------------------------------------------------------
autodoc_typehints = "none"
autosummary_generate = False  # the reference page lists each object itself; no generated stub files
numpydoc_show_class_members = False  # members are listed explicitly on the reference page
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- User guide pages (Markdown, MyST) -------------------------------------------------------------------------
myst_heading_anchors = 3

# -- Gallery ---------------------------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every plot_*.py runs at build time
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "write_computation_times": False,
}

# -- HTML ------------------------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"nk_qrs_lstm {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False


# -- Docstrings ------------------------------------------------------------------------------------------------
_ABS = re.compile(r"(?<![\\\w`])\|(\w+)\|(?![\w_`])")


def _escape_absolute_values(app, what, name, obj, options, lines):
    """Docstrings write an absolute value as |x| (plain text); outside literals reST reads it as a substitution."""
    for i, line in enumerate(lines):
        parts = line.split("``")
        lines[i] = "``".join(_ABS.sub(r"\\|\1\\|", p) if k % 2 == 0 else p for k, p in enumerate(parts))


def setup(app):
    app.connect("autodoc-process-docstring", _escape_absolute_values, priority=100)
