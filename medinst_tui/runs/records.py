"""What a run produces: one SampleResult per sample (a JSON line each) and a per-task metric summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from medinst_tui.backends.base import ChatMessage
from medinst_tui.scoring import MetricSummary


@dataclass
class SampleResult:
    seq: int
    task: str
    sample_id: int
    split: str
    messages: list[ChatMessage] | None
    prompt: str | None  # plain formats: the prompt text
    prediction: str
    gold: str
    metrics: dict[str, float] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float | None = None
    total_s: float = 0.0
    tokens_per_s: float | None = None
    finish_reason: str | None = None
    error: str | None = None  # never holds an API key (backend errors are redacted)
    cached: bool = False
    fit: str = ""
    edited: bool = False

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["id"] = out.pop("sample_id")
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SampleResult:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["sample_id"] = int(data.get("id", data.get("sample_id", -1)))
        known.setdefault("seq", 0)
        known.setdefault("split", "")
        known.setdefault("messages", None)
        known.setdefault("prompt", None)
        return cls(**known)


Summary = dict[str, dict[str, MetricSummary]]  # task -> metric key -> summary


def summary_to_json(summary: Summary) -> dict[str, dict[str, dict[str, float | int | None]]]:
    return {
        task: {k: {"value": m.value, "n": m.n, "stderr": m.stderr} for k, m in metrics.items()}
        for task, metrics in summary.items()
    }


def summary_from_json(data: dict[str, Any]) -> Summary:
    out: Summary = {}
    for task, metrics in data.items():
        out[task] = {
            k: MetricSummary(
                k, float(v["value"]), int(v["n"]), None if v.get("stderr") is None else float(v["stderr"])
            )
            for k, v in metrics.items()
        }
    return out
