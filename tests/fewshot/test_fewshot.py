"""Prompt assembly on the demo index: shots, formats, user templates and context fitting (real tokenizer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medinst_tui.backends.presets import load_backend
from medinst_tui.fewshot.formats import CHAT, PLAIN, load_user_formats, resolve_format
from medinst_tui.fewshot.prompt import PromptTooLongError, build_prompt
from medinst_tui.fewshot.shots import ShotSpec, select_shots
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row


def _first(index: Index, task: str, split: str = "test") -> Row:
    return index.page(Filter(tasks=(task,), splits=(split,)), limit=1)[0]


def test_history_shots_become_user_assistant_turns_in_order(demo_db: Path) -> None:
    with Index(demo_db) as index:
        row = _first(index, "MedQA")
        assert row.history and len(row.history) == 2
        shots = select_shots(index, row, ShotSpec("history"))
    messages = build_prompt(resolve_format(CHAT), row.instruction, row.input, shots).messages
    assert messages is not None
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert [m["content"] for m in messages[:4]] == [
        row.history[0][0],
        row.history[0][1],
        row.history[1][0],
        row.history[1][1],
    ]
    assert messages[-1]["content"] == row.instruction + "\n" + row.input  # no system message, paper format


def test_task_shots_are_seeded_from_train_and_never_the_query(demo_db: Path) -> None:
    with Index(demo_db) as index:
        row = _first(index, "MedQA")
        a = select_shots(index, row, ShotSpec("task", 3, seed=5))
        b = select_shots(index, row, ShotSpec("task", 3, seed=5))
        c = select_shots(index, row, ShotSpec("task", 3, seed=6))
        assert [s.origin for s in a] == [s.origin for s in b] != [s.origin for s in c]
        assert len(a) == 3 and all(s.origin.startswith("MedQA#") for s in a)
        ids = [int(s.origin.split("#")[1]) for s in a]
        assert all(index.get(i) is not None and index.get(i).split == "train" for i in ids)  # type: ignore[union-attr]
        # the same shots serve every query of a batch (a shared prefix for the KV cache)
        other = index.page(Filter(tasks=("MedQA",), splits=("test",)), limit=2)[1]
        assert [s.origin for s in select_shots(index, other, ShotSpec("task", 3, seed=5))] == [
            s.origin for s in a
        ]
        # a train row used as the query is never its own shot
        train_row = index.get(ids[0])
        assert train_row is not None
        again = select_shots(index, train_row, ShotSpec("task", 3, seed=5))
        assert train_row.id not in [int(s.origin.split("#")[1]) for s in again] and len(again) == 3


def test_cross_task_shots_come_from_other_tasks_of_the_category(demo_db: Path) -> None:
    with Index(demo_db) as index:
        row = _first(index, "MedQA")
        shots = select_shots(index, row, ShotSpec("category", 4, seed=1))
        tasks = {s.origin.split("#")[0] for s in shots}
    assert len(shots) == 4 and "MedQA" not in tasks and "MedQA-zs" not in tasks
    assert all(s.instruction and s.user.startswith(s.instruction) for s in shots)
    fmt = resolve_format(PLAIN)
    text = build_prompt(fmt, row.instruction, row.input, shots).text or ""
    assert text.startswith(row.instruction) and "Example 4:" in text and text.endswith("Output:")
    assert "Now complete the new example:" in text and f"Input: {row.input}" in text
    assert shots[0].instruction is not None and f"Instruction: {shots[0].instruction}" in text


def test_pinned_shots_and_missing_ids(demo_db: Path) -> None:
    with Index(demo_db) as index:
        row = _first(index, "NCBI-disease")
        pinned = index.page(Filter(tasks=("NCBI-disease",), splits=("train",)), limit=2)
        shots = select_shots(index, row, ShotSpec("pinned", pinned=(pinned[1].id, pinned[0].id)))
        assert [s.assistant for s in shots] == [pinned[1].output, pinned[0].output]
        with pytest.raises(ValueError, match="not in the index"):
            select_shots(index, row, ShotSpec("pinned", pinned=(10**9,)))


def test_user_templates_chat_and_plain(tmp_path: Path) -> None:
    (tmp_path / "qa.yaml").write_text(
        "kind: chat\nsystem: You are terse.\nquery: 'Q: {{ input }}'\nshot_user: 'Q: {{ input }}'\n"
        "shot_assistant: 'A: {{ output }}'\n"
    )
    (tmp_path / "flat.yaml").write_text(
        "name: flat\nkind: plain\n"
        "text: '{{ instruction }}|{% for s in shots %}{{ s.output }};{% endfor %}{{ input }}'\n"
    )
    (tmp_path / "broken.yaml.off").write_text("ignored")
    formats = load_user_formats(tmp_path)
    assert set(formats) == {"qa", "flat"}
    from medinst_tui.fewshot.shots import Shot

    shot = Shot("u", "gold", "T#1", instruction="I", input="x")
    chat = build_prompt(formats["qa"], "Do it.", "y", [shot]).messages
    assert chat == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Q: x"},
        {"role": "assistant", "content": "A: gold"},
        {"role": "user", "content": "Q: y"},
    ]
    assert build_prompt(formats["flat"], "Do it.", "y", [shot]).text == "Do it.|gold;y"
    (tmp_path / "bad.yaml").write_text("kind: chat\n")
    with pytest.raises(ValueError, match=r"bad\.yaml"):
        load_user_formats(tmp_path)
    with pytest.raises(ValueError, match="unknown prompt format"):
        resolve_format("nope", formats)


def test_context_fitting_drops_far_shots_then_cuts_the_input(demo_db: Path, tiny_gguf_path: Path) -> None:
    backend = load_backend(str(tiny_gguf_path), n_threads=1, n_ctx=256)
    try:
        with Index(demo_db) as index:
            row = _first(index, "MedQA")
            shots = select_shots(index, row, ShotSpec("task", 4, seed=0))
        fmt = resolve_format(CHAT)
        full = build_prompt(fmt, row.instruction, row.input, shots, count=backend.count_tokens)
        assert full.fit.prompt_tokens == backend.count_tokens(full.messages or [])
        fitted = build_prompt(fmt, row.instruction, row.input, shots, count=backend.count_tokens, n_ctx=256,
                              max_tokens=16)  # fmt: skip
        assert fitted.fit.prompt_tokens + 16 <= 256 < full.fit.prompt_tokens + 16
        # shots go from the far end (the first demonstration) first
        assert list(fitted.fit.dropped_shots) == [s.origin for s in shots[: len(fitted.fit.dropped_shots)]]
        assert fitted.shots == shots[len(fitted.fit.dropped_shots) :]
        assert "dropped" in fitted.fit.describe()
        tight = build_prompt(fmt, row.instruction, row.input * 20, [], count=backend.count_tokens, n_ctx=256,
                             max_tokens=16)  # fmt: skip
        assert tight.fit.input_chars_cut > 0 and tight.fit.prompt_tokens + 16 <= 256
        assert tight.messages is not None and tight.messages[-1]["content"].endswith(" …")
        with pytest.raises(PromptTooLongError):
            build_prompt(fmt, "x " * 400, "y", [], count=backend.count_tokens, n_ctx=256, max_tokens=16)
    finally:
        backend.close()
