"""README "The paper's models on vLLM" stays true: its presets exist and send the paper's models' names, and
its figures are Table 3's (medinst_tui/data/table3.csv) with the averages the report computes from them."""

from __future__ import annotations

from pathlib import Path

from medinst_tui import catalog
from medinst_tui.backends.presets import load_presets, undeclared_deviations
from medinst_tui.protocol import table3

README = Path(__file__).resolve().parents[1] / "README.md"
COLUMNS = ("LLaMA3-MI32_zeroshot", "MMedL3-MI32_zeroshot", "LLaMA3-MI_dagger_zeroshot")


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### The paper's models on vLLM")
    return text[start : text.index("\n## ", start)]


def rows(text: str) -> list[list[str]]:
    out = []
    for line in text.splitlines():
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 4 and not set(cells[-1]) <= set("-:"):
            out.append(cells)
    return out


def test_the_presets_serve_the_papers_models_with_the_papers_request() -> None:
    presets = load_presets()
    for name, model in (("llama3-mi-vllm", "aialt/LLaMA3-MI"), ("mmedl3-mi-vllm", "aialt/MMedL3-MI")):
        preset = presets[name]
        assert preset.kind == "remote" and preset.model == model and preset.api == "chat"
        assert preset.prompt_format == "medinst-chat" and preset.extra_body == {}
        assert preset.sampling.temperature == 0 and preset.sampling.max_tokens == 1024
        assert undeclared_deviations(preset) == [] and dict(preset.deviations) == {}

    assert (
        "medinst eval medinst32 --zero-shot --model llama3-mi-vllm" in section()
    )  # Table 3 ran them zero-shot


def test_the_figures_are_table3s() -> None:
    paper = catalog.paper_results()
    table = table3.build({}, model="-", setting="zero-shot")
    averages = {g.category: g.average.paper for g in table.groups}
    per_task = per_category = 0
    for cells in rows(section()):
        figures = [float(c) for c in cells[-3:]] if cells[-1][:1].isdigit() else None
        if figures is None:
            continue  # a header row
        if len(cells) == 6:  # category | task | metric | three figures
            ref = paper[cells[1]]
            assert figures == [round(ref.scores[c], 2) for c in COLUMNS], cells[1]
            per_task += 1
        elif cells[0].startswith("overall"):
            assert figures == [round(table.overall.paper[c], 2) for c in COLUMNS]
        else:
            category = cells[0].split(" (")[0]
            assert figures == [round(averages[category][c], 2) for c in COLUMNS], category
            per_category += 1
    assert per_task == 32 and per_category == len(table.groups)
