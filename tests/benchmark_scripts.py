"""Load a benchmark script (``benchmarks/<name>.py``) as a module, for the tests of its pure functions."""

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_script(name):
    """The benchmark script ``benchmarks/<name>.py`` as a module (the folder on the path while it loads: scripts
    import their neighbours, e.g. ``sway_check``)."""
    spec = importlib.util.spec_from_file_location(f"{name}_script", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module
