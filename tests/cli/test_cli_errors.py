"""Every user error ends in one line on stderr and its exit code, never a traceback.

Each case runs `python -m medinst_tui ...` as a subprocess, as a user would, with the test's own
MEDINST_* dirs (tests/conftest.py) and a private copy of the demo index at the default place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from medinst_tui.exit_codes import ExitCode
from tests.conftest_backends import free_port
from tests.helpers import make_rows, write_jsonl


def medinst(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medinst_tui", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The single line on stderr, after checking there is exactly one, no traceback, and the exit code."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert done.returncode == code, (done.returncode, done.stderr)
    return lines[0]


def tiny_run(model: Path) -> list[str]:
    return ["run", "--task", "BIOSSES", "--limit", "1", "--model", str(model), "--threads", "1"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def index(demo_db: Path, isolated_dirs: Path) -> Path:
    """A private copy of the demo index where `medinst` looks by default (so nothing needs --db)."""
    path = isolated_dirs / "data" / "index.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_db, path)
    return path


# -- output paths that are the tool's own files ------------------------------------------------------------
def test_export_onto_the_index_is_refused(index: Path) -> None:
    before = digest(index)
    line = one_line(medinst("export", "-o", str(index), "--force"), ExitCode.USAGE)
    assert line.startswith("error: refusing to write") and "own file" in line
    assert digest(index) == before


def test_export_onto_the_run_history_is_refused(index: Path) -> None:
    runs = Path(medinst("locate", "runs").stdout.strip())
    assert runs.parent == index.parent  # the isolated data dir, not the user's
    line = one_line(medinst("export", "-o", str(runs)), ExitCode.USAGE)
    assert "own file" in line and not runs.exists()
    cache_wal = Path(medinst("locate", "response-cache").stdout.strip() + "-wal")
    one_line(medinst("export", "-o", str(cache_wal)), ExitCode.USAGE)
    assert not cache_wal.exists()


def test_run_output_onto_the_index_is_refused_before_anything_is_written(
    index: Path, tiny_gguf_path: Path
) -> None:
    before = digest(index)
    done = medinst(*tiny_run(tiny_gguf_path), "-o", str(index))
    assert "own file" in one_line(done, ExitCode.USAGE)
    assert digest(index) == before


def test_run_output_onto_an_existing_file_needs_force(
    index: Path, tmp_path: Path, tiny_gguf_path: Path
) -> None:
    mine = tmp_path / "mine.jsonl"
    mine.write_text("precious\n")
    done = medinst(*tiny_run(tiny_gguf_path), "-o", str(mine))
    assert "--force" in one_line(done, ExitCode.USAGE)
    assert mine.read_text() == "precious\n"


def test_export_onto_an_existing_file_needs_force(index: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.jsonl"
    mine.write_text("precious\n")
    assert "--force" in one_line(medinst("export", "-o", str(mine)), ExitCode.USAGE)
    assert mine.read_text() == "precious\n"
    done = medinst("export", "--task", "BIOSSES", "-o", str(mine), "--force")
    assert done.returncode == 0, done.stderr
    assert all(json.loads(line)["task"] == "BIOSSES" for line in mine.read_text().splitlines())


def test_export_to_a_directory_is_one_line_and_leaves_no_temp_file(index: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    assert "directory" in one_line(medinst("export", "-o", str(folder)), ExitCode.USAGE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and not list(folder.iterdir())


@pytest.fixture
def full_device(tmp_path: Path) -> Path:
    """A device that answers every write with ENOSPC: our own node of /dev/full where we may make one
    (so that no test can ever replace the system's), else /dev/full itself."""
    node = tmp_path / "full"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except OSError:
        return Path("/dev/full")
    return node


def test_a_full_device_is_written_in_place_and_fails_in_one_line(index: Path, full_device: Path) -> None:
    line = one_line(medinst("export", "-o", str(full_device)), ExitCode.USAGE)
    assert "No space left on device" in line and str(full_device) in line
    assert stat.S_ISCHR(os.stat(full_device).st_mode)  # still the device, not a regular file
    assert not [p for p in full_device.parent.iterdir() if ".part-" in p.name]


def test_dev_stdout_is_stdout(index: Path) -> None:
    done = medinst("export", "--task", "BIOSSES", "-o", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows and {r["task"] for r in rows} == {"BIOSSES"}


def test_a_folder_nobody_may_write_is_one_line(index: Path) -> None:
    # sysfs takes no new files, whoever asks (chmod would not stop root, who may run the tests).
    line = one_line(medinst("export", "-o", "/sys/medinst-test-export.jsonl"), ExitCode.USAGE)
    assert line.startswith("error: /sys/medinst-test-export.jsonl: ")


# -- Ctrl-C and a closed pipe --------------------------------------------------------------------------
def test_ctrl_c_during_an_export_to_stdout_is_one_line(index: Path) -> None:
    # The export (about 1.5 MB) does not fit in the pipe, so it is still writing when the signal comes.
    proc = subprocess.Popen([sys.executable, "-m", "medinst_tui", "export", "-o", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1000)
    proc.send_signal(signal.SIGINT)
    proc.stdout.read()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    assert one_line(done, ExitCode.INTERRUPTED) == "interrupted: nothing was changed"


@pytest.fixture(scope="module")
def big_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index whose full export takes a noticeable time (about 60 MB of JSON Lines)."""
    from medinst_tui.sources.specs import local_source
    from medinst_tui.store.ingest import build_index

    folder = tmp_path_factory.mktemp("big")
    rows = make_rows("BC5CDR", 100_000, word="acetylsalicylic-acid " * 20)
    source = write_jsonl(folder / "BC5CDR_train.json", rows)
    db = folder / "big.duckdb"
    build_index(db, [local_source(source, task="BC5CDR", split="train")])
    source.unlink()
    return db


def test_ctrl_c_during_an_export_to_a_file_leaves_no_partial_file(big_index: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "medinst_tui", "export", "--db", str(big_index), "-o",
                             str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    # The part file is made just before the COPY starts (DuckDB writes it in large blocks, so its size says
    # nothing); the COPY of this index takes far longer than the few ms this loop needs to see it.
    while not list(tmp_path.glob(".all.jsonl.part-*")):
        assert proc.poll() is None and time.monotonic() < deadline, (
            "the export ended before it was interrupted"
        )
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out.decode(), err.decode())
    assert one_line(done, ExitCode.INTERRUPTED) == "interrupted: nothing was changed"
    assert list(tmp_path.iterdir()) == []


def test_a_closed_stdout_is_quiet(index: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "medinst_tui", "export", "-o", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100)  # `| head -c 100`
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == ExitCode.BROKEN_PIPE
    assert stderr == ""


def test_a_closed_stdout_is_quiet_for_printed_tables_too(index: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "medinst_tui", "tasks"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `medinst tasks | true`
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == ExitCode.BROKEN_PIPE
    assert stderr == ""


# -- bad option values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "--limit", "-1", "-o", "x.jsonl"], "--limit: must be at least 0"),
        (["export", "--sample", "-5", "-o", "x.jsonl"], "--sample: must be at least 1"),
        (["run", "--limit", "-1"], "--limit: must be at least 0"),
        (["run", "--sample", "-5"], "--sample: must be at least 1"),
        (["run", "--sample", "many"], "--sample: 'many' is not a whole number"),
        (["export", "--format", "parquet", "-o", "-"], "parquet cannot go to stdout"),
        (["prompt", "BIOSSES", "--endpoint", "gpu:8000/v1"], "must be an http:// or https:// URL"),
        (["prompt", "BIOSSES", "--endpoint", "http://"], "has no host"),
        (["run", "--endpoint", "https:///v1"], "has no host"),
    ],
)
def test_bad_values_are_one_line(index: Path, tmp_path: Path, args: list[str], needle: str) -> None:
    line = one_line(medinst(*args, cwd=tmp_path), ExitCode.USAGE)
    assert line.startswith("error: ") and needle in line
    assert not (tmp_path / "x.jsonl").exists()


def test_an_api_key_given_as_the_env_var_name_is_refused_and_not_echoed(index: Path) -> None:
    key = "sk-live-1234567890abcdef"
    done = medinst("prompt", "BIOSSES", "--endpoint", "http://127.0.0.1:9/v1", "--api-key-env", key)
    line = one_line(done, ExitCode.USAGE)
    assert "environment variable" in line
    assert key not in done.stderr + done.stdout


def test_credentials_in_an_endpoint_url_are_never_stored(index: Path, isolated_dirs: Path) -> None:
    secret = "hunter2-secret"
    port = free_port()  # nothing listens there: the run fails, but it is recorded
    url = f"http://alice:{secret}@127.0.0.1:{port}/v1"
    done = medinst("run", "--task", "BIOSSES", "--limit", "1", "--endpoint", url)
    assert secret not in done.stdout + done.stderr
    runs = isolated_dirs / "data" / "runs.duckdb"
    con = duckdb.connect(str(runs), read_only=True)
    try:
        stored = con.execute("SELECT * FROM runs").fetchall()
        stored += con.execute("SELECT * FROM results").fetchall()  # the sample's error names the URL
    finally:
        con.close()
    assert stored and secret not in repr(stored) and "alice" not in repr(stored)
    assert f"http://127.0.0.1:{port}/v1" in repr(stored)
    listed = medinst("runs")
    assert listed.returncode == 0 and secret not in listed.stdout + listed.stderr


# -- files that are not UTF-8 --------------------------------------------------------------------------
def test_a_preset_file_that_is_not_utf8_is_skipped_with_one_warning(
    index: Path, isolated_dirs: Path, tiny_gguf_path: Path
) -> None:
    models = isolated_dirs / "config" / "models"
    models.mkdir(parents=True)
    bad = models / "latin.yaml"
    bad.write_bytes("name: latin\nkind: local\npath: caf\xe9.gguf\n".encode("latin-1"))
    (models / "tiny.yaml").write_text(f"kind: local\npath: {tiny_gguf_path}\nn_threads: 1\n")
    done = medinst("prompt", "BIOSSES", "--model", "tiny")  # the presets are read to find "tiny"
    line = one_line(done, ExitCode.OK)
    assert line.startswith("warning: ") and str(bad) in line and "UTF-8" in line
    asked = one_line(medinst("prompt", "BIOSSES", "--model", "latin"), ExitCode.USAGE)
    assert asked.startswith("error: ") and str(bad) in asked


def test_a_config_file_that_is_not_utf8_still_starts_the_app(index: Path, isolated_dirs: Path) -> None:
    config = isolated_dirs / "config" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes("theme: th\xe8me\n".encode("latin-1"))
    script = textwrap.dedent(
        f"""
        import asyncio
        from pathlib import Path
        from medinst_tui.tui.app import MedinstApp

        async def main():
            app = MedinstApp(Path({str(index)!r}))
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                print("THEME", app.theme)
                for problem in app._startup_problems:
                    print("PROBLEM", problem.splitlines()[0])

        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1 and str(config) in problems[0] and "UTF-8" in problems[0]
    assert "THEME medinst-dark" in done.stdout  # the defaults


# -- task names and model files ------------------------------------------------------------------------
def test_a_task_name_with_rich_markup_is_printed_as_it_is(index: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "f.jsonl", make_rows("x", 2))
    name = "[/bold]x"
    built = medinst("index", "--from", str(source), "--task", name, "--split", "train", "--add")
    assert built.returncode == 0, built.stderr
    listed = medinst("tasks")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert name in listed.stdout
    shown = medinst("show", name, "-n", "1")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert name in shown.stdout


@pytest.mark.parametrize("kind", ["text", "truncated"])
def test_a_model_file_that_is_not_gguf_is_one_line(
    index: Path, tmp_path: Path, tiny_gguf_path: Path, kind: str
) -> None:
    fake = tmp_path / "model.gguf"
    if kind == "text":
        fake.write_text("this is not a model\n")
    else:  # GGUF's magic, then the file ends: llama.cpp itself refuses it
        fake.write_bytes(tiny_gguf_path.read_bytes()[:200])
    line = one_line(medinst("prompt", "BIOSSES", "--model", str(fake), "--threads", "1"), ExitCode.USAGE)
    assert line.startswith("error: ") and fake.name in line
