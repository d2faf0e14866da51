#!/usr/bin/env python3
"""Write medinst-tui's bundled demo data set (``medinst_tui/demo_data``); see medinst_synth/demo/build.py.

python scripts/make_demo_data.py [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# The generator is the package next to this file; put its folder first so this works however the
# script is started (python scripts/make_demo_data.py, or loaded by path as the tests do).
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from medinst_synth.demo.build import generate, load_catalog, main  # noqa: E402  (after the path)

__all__ = ["generate", "load_catalog", "main"]

if __name__ == "__main__":
    sys.exit(main())
