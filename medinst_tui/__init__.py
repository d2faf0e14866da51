"""medinst-tui: a terminal explorer and few-shot playground for the MEDINST meta-dataset."""

__version__ = "0.1.0"
