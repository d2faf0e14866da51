"""MEDINST32 as the paper ran it: the task plan, the Table 3 report, the official results file, the
reproducibility record and exports to other tools' formats (README: "MEDINST32 evaluation").

Headless: no Textual, no CLI. `medinst eval medinst32` (cli/eval_cmds.py) is its front end.
"""
