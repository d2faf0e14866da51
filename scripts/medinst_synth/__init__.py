"""Synthetic MEDINST: rows in MEDINST's shapes, for the bundled demo set and the benchmarks.

Standard library only, and independent of medinst_tui (the generators describe the data; the app
reads it). The layout:

* ``writers``: MEDINST's output (and input) shapes per task category, written once for both sets;
* ``vocab``: reads the vocabularies, JSON files under ``data/``, checking their shape as they load;
* ``demo``: the demo set (``python scripts/make_demo_data.py``): per-category makers of consistent
  rows, the task list, and the writer of ``medinst_tui/demo_data``;
* ``bench``: the pools, task specs and row makers of the full-scale benchmark set
  (``python bench/gen_synthetic.py``).
"""
