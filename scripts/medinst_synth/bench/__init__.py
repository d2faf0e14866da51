"""The full-scale benchmark set's parts: seeded text pools (``pools``), one spec per catalog task
(``specs``) and per-flavor row makers (``rows``); ``bench/gen_synthetic.py`` plans and writes the files.
The vocabularies are ``data/bench/vocab.json`` and ``data/bench/tasks.json``.
"""
