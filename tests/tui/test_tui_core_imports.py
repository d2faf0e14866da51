"""The headless core never imports Textual: every module outside medinst_tui/tui loads without it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import medinst_tui

PROBE = """
import importlib, json, sys
names = json.loads(sys.argv[1])
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(json.dumps({"imported": len(names), "textual": leaked}))
"""


def core_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(medinst_tui.__path__, prefix="medinst_tui.")
        if not (info.name == "medinst_tui.tui" or info.name.startswith("medinst_tui.tui."))
    ]
    return sorted(n for n in names if not n.endswith("__main__"))


def test_core_modules_import_without_textual() -> None:
    names = core_modules()
    # The modules the explorer builds on are all covered (a rename must not empty the probe).
    assert {
        "medinst_tui.store.index",
        "medinst_tui.store.browse",
        "medinst_tui.config",
        "medinst_tui.cli.main",
    } <= set(names)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"imported": len(names), "textual": []}


def test_the_probe_sees_textual_when_it_is_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(["medinst_tui.tui.formats", "medinst_tui.tui.app"])],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "textual" in json.loads(done.stdout.strip().splitlines()[-1])["textual"]
