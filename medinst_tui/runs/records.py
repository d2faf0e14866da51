"""What a run produces and stores: one SampleResult per sample (a JSON line each), a per-task metric summary
with the task's headline, and the run's header (what was asked) and totals (what came of it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from medinst_tui.backends.base import ChatMessage, ErrorKind
from medinst_tui.scoring import Headline, MetricSummary, headline_for
from medinst_tui.scoring.headline import LEGACY_SCORER_VERSION
from medinst_tui.scoring.intervals import NORMAL, Z_95, Interval

# SampleResult.error_kind: an ErrorKind value (the backend's), or PROMPT_ERROR when no prompt could be built
# (too long for the context, a malformed history, a pinned shot that is gone).
PROMPT_ERROR: Final = "prompt"
CANCELLED: Final = ErrorKind.CANCELLED.value
UNKNOWN_ERROR: Final = "unknown"

RunStatus = Literal["running", "done", "partial", "failed", "cancelled"]
RUN_STATUSES: Final[tuple[RunStatus, ...]] = ("running", "done", "partial", "failed", "cancelled")


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
    error_kind: str | None = None  # see PROMPT_ERROR; set whenever `error` is

    @property
    def cancelled(self) -> bool:
        """Stopped by the user (escape, Ctrl-C): not an error of the model or the server."""
        return self.error_kind == CANCELLED

    @property
    def failed(self) -> bool:
        """An error other than a cancel: the sample counts as failed."""
        return self.error is not None and not self.cancelled

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
        if known.get("error") is not None and not known.get("error_kind"):
            known["error_kind"] = legacy_error_kind(str(known["error"]))
        return cls(**known)


def legacy_error_kind(message: str) -> str:
    """The kind of an error recorded before results carried `error_kind` (a results file or a runs DB of
    schema 1): every such message began with its kind, `"<kind>: ..."`. Only old records are read this way."""
    head = message.split(":", 1)[0].strip()
    known = {k.value for k in ErrorKind} | {PROMPT_ERROR}
    return head if head in known else UNKNOWN_ERROR


def run_status(n_done: int, n_errors: int, cancelled: bool) -> RunStatus:
    """`cancelled` when interrupted; `failed` when no sample was scored but some failed; `partial` when some
    failed; else `done` (README: "Exit codes"). Cancelled samples are not failures."""
    if cancelled:
        return "cancelled"
    if n_errors and not n_done:
        return "failed"
    return "partial" if n_errors else "done"


# -- summaries -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskSummary(Mapping[str, MetricSummary]):
    """One task's metrics (metric key -> summary, in the scorer's order) and the headline they were scored
    with. Reads as the mapping of its metrics."""

    headline: Headline
    metrics: dict[str, MetricSummary]

    def __getitem__(self, key: str) -> MetricSummary:
        return self.metrics[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    @property
    def main(self) -> MetricSummary | None:
        """The headline metric's summary (None if the run has no value for it)."""
        return self.metrics.get(self.headline.metric)


Summary = dict[str, TaskSummary]  # task -> its metrics and headline


def summary_to_json(summary: Summary) -> dict[str, Any]:
    return {
        task: {
            "headline": scores.headline.to_json(),
            "metrics": {key: _metric_to_json(m) for key, m in scores.metrics.items()},
        }
        for task, scores in summary.items()
    }


def _metric_to_json(m: MetricSummary) -> dict[str, Any]:
    out: dict[str, Any] = {"value": m.value, "n": m.n, "stderr": m.stderr}
    if m.interval is not None:
        out |= m.interval.to_json()
    return out


def summary_from_json(data: dict[str, Any]) -> Summary:
    """A stored summary, of this scorer version or of a run stored before the headline was (scorer 1:
    `task -> metric -> {value, n, stderr}`; its headline is read by today's definition and marked as
    version 1, its intervals are the normal approximation it showed, except EM, whose Wilson interval
    follows exactly from its value and n)."""
    out: Summary = {}
    for task, stored in data.items():
        if "metrics" in stored and "headline" in stored:
            metrics = {k: _metric_from_json(k, v) for k, v in stored["metrics"].items()}
            out[task] = TaskSummary(Headline.from_json(stored["headline"]), metrics)
            continue
        legacy = headline_for(task)
        headline = Headline(legacy.metric, legacy.family, LEGACY_SCORER_VERSION)
        out[task] = TaskSummary(headline, {k: _legacy_metric(k, v) for k, v in stored.items()})
    return out


def _metric_from_json(key: str, v: dict[str, Any]) -> MetricSummary:
    stderr = v.get("stderr")
    return MetricSummary(
        key, float(v["value"]), int(v["n"]), None if stderr is None else float(stderr), Interval.from_json(v)
    )


def _legacy_metric(key: str, v: dict[str, Any]) -> MetricSummary:
    from medinst_tui.scoring import METRICS
    from medinst_tui.scoring.intervals import wilson_interval

    value, n = float(v["value"]), int(v["n"])
    stderr = None if v.get("stderr") is None else float(v["stderr"])
    interval = None
    info = METRICS.get(key)
    if info is not None and info.interval == "wilson" and n > 0:
        interval = wilson_interval(round(value * n), n)
    elif info is not None and stderr:  # a zero stderr was a collapsed interval: not shown
        half = Z_95 * stderr
        interval = Interval(max(info.lower, value - half), min(info.upper, value + half), NORMAL)
    return MetricSummary(key, value, n, stderr, interval)


# -- a run's header and totals ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RunHeader:
    """What a run was asked to do, stored when it starts."""

    id: str
    origin: str = "cli"  # cli | tui
    model: str = ""  # what the user named (never with credentials)
    model_id: str = ""
    backend: str = ""
    format: str = ""
    shots: str = ""
    seed: int | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    tasks: tuple[str, ...] = ()
    split: str | None = None
    n_planned: int = 0
    config: dict[str, Any] = field(default_factory=dict)  # everything needed to resume or repeat the run
    results_file: str | None = None


@dataclass(frozen=True)
class RunTotals:
    """What came of a run, stored when it ends."""

    status: RunStatus
    n_done: int  # scored
    n_errors: int  # failed (cancelled samples are not errors)
    n_cached: int
    duration_s: float
    n_cancelled: int = 0
