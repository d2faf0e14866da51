"""`medinst export` to JSON Lines starts without Textual, llama_cpp, pyarrow or the run machinery.

Each probe is a fresh interpreter that runs the real CLI entry point (`medinst_tui.cli.main.main`) in-process
and then reports which of the heavy modules ended up in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Never needed to write JSON Lines: the TUI, the local model runtime and Arrow.
FORBIDDEN = ("textual", "llama_cpp", "pyarrow")
# Imported lazily by the commands that use them (medinst index / run / score / prompt), not by export.
LAZY = ("medinst_tui.runs.engine", "medinst_tui.store.ingest", "medinst_tui.scoring", "rich.progress")

PROBE = """
import importlib, json, sys
argv, extra, watched = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
for name in extra:
    importlib.import_module(name)
from medinst_tui.cli.main import main
try:
    code = main(argv)
except SystemExit as exc:  # --help
    code = exc.code
loaded = sorted(w for w in watched if any(m == w or m.startswith(w + ".") for m in sys.modules))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def probe(argv: list[str], extra: list[str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *(json.dumps(a) for a in (argv, extra or [], FORBIDDEN + LAZY))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_export_to_jsonl_loads_no_heavy_module(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "ner.jsonl"
    result = probe(["export", "--category", "NER", "-o", str(target), "--db", str(demo_db)])
    assert result == {"code": 0, "loaded": []}
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines, "the export wrote nothing"
    assert all(json.loads(line)["category"] == "NER" for line in lines)


def test_export_help_loads_no_heavy_module() -> None:
    assert probe(["export", "--help"]) == {"code": 0, "loaded": []}


def test_the_probe_sees_a_heavy_module_when_one_is_loaded(demo_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "ner.jsonl"
    argv = ["export", "--category", "NER", "-o", str(target), "--db", str(demo_db)]
    result = probe(argv, extra=["pyarrow", "medinst_tui.runs.engine"])
    assert result["code"] == 0
    loaded = result["loaded"]
    assert isinstance(loaded, list)
    assert {"medinst_tui.runs.engine", "pyarrow"} <= set(loaded)
