"""The batch engine: rows -> prompts -> generations (cached) -> live scores -> results file and runs DB.

Prompts are built on the calling thread (the index connection is not thread-safe). A local model
generates one sample at a time; a remote batch goes through the replica pool (runs/batch.py: asyncio,
several endpoints, requests of one task together). Every result is written the moment it exists, so a crash
or Ctrl-C loses nothing already generated, and the response cache makes running the same command again
resume where it stopped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from medinst_tui.backends.base import Backend, BackendError, BackendInfo
from medinst_tui.fewshot.formats import PromptFormat, resolve_format
from medinst_tui.fewshot.prompt import BuiltPrompt, PromptTooLongError, build_prompt
from medinst_tui.fewshot.shots import ShotSpec, select_shots
from medinst_tui.runs.cache import ResponseCache
from medinst_tui.runs.generation import Generator, describe_prompt, fail, fill, reproducibility
from medinst_tui.runs.records import (
    PROMPT_ERROR,
    RunHeader,
    RunStatus,
    RunTotals,
    SampleResult,
    Summary,
    TaskSummary,
    run_status,
)
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring import Headline, Scorer, headline_for
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row

if TYPE_CHECKING:
    from medinst_tui.backends.pool import ReplicaPool

STORE_FLUSH_EVERY = 10
STORE_FLUSH_S = 2.0


@dataclass(frozen=True)
class RunConfig:
    tasks: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    split: str | None = "test"
    search: str = ""
    medinst32: bool = False
    limit: int | None = None
    sample: int | None = None
    sample_seed: int = 0
    shots: ShotSpec = field(default_factory=ShotSpec)
    format: str = "medinst-chat"
    model: str = ""  # what the user named: a preset, a .gguf path or a URL (for display and resume)
    max_tokens: int = 1024
    max_tokens_auto: str = ""  # `auto`: how the cap was derived (runs/auto_tokens.py); "" a fixed cap
    # `auto` over several tasks: each task's own cap (max_tokens is then the largest, for a task not named)
    max_tokens_by_task: tuple[tuple[str, int], ...] = ()
    temperature: float = 0.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    concurrency: int = 1
    use_cache: bool = True
    origin: str = "cli"

    def filter(self) -> Filter:
        return Filter(
            categories=self.categories,
            tasks=self.tasks,
            splits=(self.split,) if self.split else (),
            medinst32=self.medinst32,
            search=self.search,
        )

    def for_task(self, task: str) -> RunConfig:
        """The config a row of `task` is prompted and sent with: its own cap where `auto` gave one."""
        cap = dict(self.max_tokens_by_task).get(task, self.max_tokens)
        return self if cap == self.max_tokens else dataclasses.replace(self, max_tokens=cap)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunConfig:
        data = dict(data)
        shots = data.pop("shots", {}) or {}
        shots["pinned"] = tuple(shots.get("pinned", ()))
        for key in ("tasks", "categories", "stop"):
            data[key] = tuple(data.get(key) or ())
        data["max_tokens_by_task"] = tuple((str(t), int(c)) for t, c in data.get("max_tokens_by_task") or ())
        return cls(
            shots=ShotSpec(**shots), **{k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        )


class RunListener(Protocol):
    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None: ...
    def token(self, seq: int, text: str) -> None: ...
    def sample_finished(self, result: SampleResult, summary: Summary) -> None: ...


class _Quiet:
    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
        pass

    def token(self, seq: int, text: str) -> None:
        pass

    def sample_finished(self, result: SampleResult, summary: Summary) -> None:
        pass


@dataclass
class RunOutcome:
    run_id: str
    status: RunStatus  # done | partial (some failed) | failed (none scored) | cancelled (records.run_status)
    summary: Summary
    n_planned: int
    n_done: int = 0
    n_errors: int = 0  # failed samples; a cancelled one is not an error
    n_cancelled: int = 0
    n_cached: int = 0
    completion_tokens: int = 0
    duration_s: float = 0.0
    output: Path | None = None
    results: list[SampleResult] = field(default_factory=list)


def new_run_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class LiveScores:
    """One incremental scorer per task. Its headline (family and metric, scoring/headline.py) is decided
    when its first sample arrives and goes into the summary, so whatever shows the run reads it there."""

    def __init__(self) -> None:
        self.scorers: dict[str, Scorer] = {}
        self.headlines: dict[str, Headline] = {}

    def add(
        self, task: str, category: str, prediction: str, gold: str, key: int | None = None
    ) -> dict[str, float]:
        """Score one sample; `key` (its sample id) seeds its bootstrap weights, so the intervals do not
        depend on the order samples finish in."""
        scorer = self.scorers.get(task)
        if scorer is None:
            headline = self.headlines[task] = headline_for(task, category, example_gold=gold)
            scorer = self.scorers[task] = Scorer(headline.family)
        return scorer.add(prediction, gold, key)

    def summary(self) -> Summary:
        return {
            task: TaskSummary(self.headlines[task], s.summary()) for task, s in self.scorers.items() if s.n
        }


def check_history(row: Row) -> None:
    """A row's `history` must be `[user, assistant]` string pairs. An index built before medinst checked
    that at ingest may hold a `null`, a number or a pair of one or three: refuse the row by name (a
    per-sample error in a batch, one line for `medinst prompt`) rather than send `None` or fail in the
    chat template."""
    for n, pair in enumerate(row.history or [], 1):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ValueError(
                f"sample #{row.id} has a malformed history (pair {n} is not two strings); this index "
                "was built by an older medinst: rebuild it with `medinst index` (bad rows are then skipped)"
            )


class RunEngine:
    def __init__(
        self,
        index: Index,
        backend: Backend,
        *,
        store: RunStore | None = None,
        cache: ResponseCache | None = None,
        user_formats: dict[str, PromptFormat] | None = None,
        pool: ReplicaPool | None = None,
    ):
        """``pool``: the replicas to send a batch to (repeatable ``--endpoint``; its primary is
        ``backend``). Without one, a remote backend with room for more than one request gets a pool of
        its own for a batch (runs/batch.py)."""
        self.index = index
        self.backend = backend
        self.store = store
        self.pool = pool
        self.generate = Generator(backend, cache)
        self.user_formats = user_formats or {}

    # -- planning -------------------------------------------------------------------------------------------
    def rows(self, config: RunConfig) -> tuple[int, Iterator[Row]]:
        f = config.filter()
        if config.sample is not None:
            rows = self.index.sample(f, config.sample, config.sample_seed)
            rows.sort(key=lambda r: r.id)
            rows = rows[: config.limit] if config.limit is not None else rows
            return len(rows), iter(rows)
        total = self.index.count(f)
        if config.limit is not None:
            total = min(total, config.limit)

        def walk() -> Iterator[Row]:
            after, left = -1, total
            while left > 0:
                page = self.index.page(f, after_id=after, limit=min(left, 200))
                if not page:
                    return
                yield from page
                left -= len(page)
                after = page[-1].id

        return total, walk()

    def prepare(self, row: Row, config: RunConfig) -> BuiltPrompt:
        """The prompt for one row; ValueError (PromptTooLongError among them) when none can be built.
        Fitted with room for the row's own cap (RunConfig.for_task)."""
        config = config.for_task(row.task)
        if config.shots.mode == "history":
            check_history(row)
        fmt = resolve_format(config.format, self.user_formats)
        shots = select_shots(self.index, row, config.shots)
        info = self.generate.info
        return build_prompt(
            fmt,
            row.instruction,
            row.input,
            shots,
            count=self.backend.count_tokens,
            exact=info.exact_token_counts,
            n_ctx=info.n_ctx,
            max_tokens=config.max_tokens,
        )

    # -- running --------------------------------------------------------------------------------------------
    def run(
        self,
        config: RunConfig,
        *,
        output: Path | None = None,
        listener: RunListener | None = None,
        cancel: threading.Event | None = None,
        run_id: str | None = None,
        keep_results: bool = True,
    ) -> RunOutcome:
        listener = listener or _Quiet()
        cancel = cancel or threading.Event()
        run_id = run_id or new_run_id()
        info = self.generate.info
        total, rows = self.rows(config)
        outcome = RunOutcome(run_id, "done", {}, total, output=output)
        scores = LiveScores()
        started = time.perf_counter()
        pending_store: list[SampleResult] = []
        last_flush = time.monotonic()
        if self.store is not None:
            self.store.start(
                RunHeader(
                    id=run_id,
                    origin=config.origin,
                    model=config.model or info.name,
                    model_id=info.model_id,
                    backend=info.kind,
                    format=config.format,
                    shots=config.shots.describe(),
                    seed=config.shots.seed,
                    max_tokens=config.max_tokens,
                    temperature=config.temperature,
                    tasks=tuple(sorted({*config.tasks})),
                    split=config.split,
                    n_planned=total,
                    config=config.to_json() | reproducibility(info),
                    results_file=str(output) if output else None,
                )
            )
        listener.run_started(run_id, total, info)
        out_fh: IO[str] | None = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115

        def record(result: SampleResult, category: str) -> None:
            nonlocal last_flush
            if result.error is None:
                result.metrics = scores.add(
                    result.task, category, result.prediction, result.gold, key=result.sample_id
                )
                outcome.n_done += 1
            elif result.cancelled:
                outcome.n_cancelled += 1
            else:
                outcome.n_errors += 1
            outcome.n_cached += int(result.cached)
            outcome.completion_tokens += result.completion_tokens
            if out_fh is not None:
                out_fh.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                out_fh.flush()
            if keep_results:
                outcome.results.append(result)
            pending_store.append(result)
            if self.store is not None and (
                len(pending_store) >= STORE_FLUSH_EVERY or time.monotonic() - last_flush > STORE_FLUSH_S
            ):
                self.store.add_results(run_id, pending_store)
                pending_store.clear()
                last_flush = time.monotonic()
            outcome.summary = scores.summary()
            listener.sample_finished(result, outcome.summary)

        try:
            pool = self._pool_for(config)
            if pool is not None:
                from medinst_tui.runs.batch import run_pooled

                run_pooled(self, pool, config, rows, record, cancel)
            else:
                for seq, row in enumerate(rows):
                    if cancel.is_set():
                        break
                    result = self._one(seq, row, config, cancel, functools.partial(listener.token, seq))
                    record(result, row.category)
                    if result.cancelled:
                        break
            outcome.status = run_status(outcome.n_done, outcome.n_errors, cancelled=cancel.is_set())
        except KeyboardInterrupt:
            cancel.set()
            outcome.status = "cancelled"
        except BaseException:
            outcome.status = "failed"
            raise
        finally:
            if out_fh is not None:
                out_fh.close()
            outcome.duration_s = time.perf_counter() - started
            outcome.summary = scores.summary()
            if self.store is not None:
                with contextlib.suppress(Exception):  # never hide the run's own outcome behind a DB hiccup
                    self.store.add_results(run_id, pending_store)
                    self.store.finish(
                        run_id,
                        RunTotals(
                            status=outcome.status,
                            n_done=outcome.n_done,
                            n_errors=outcome.n_errors,
                            n_cancelled=outcome.n_cancelled,
                            n_cached=outcome.n_cached,
                            duration_s=outcome.duration_s,
                        ),
                        outcome.summary,
                    )
        return outcome

    def run_one(
        self,
        row: Row,
        config: RunConfig,
        *,
        built: BuiltPrompt | None = None,
        on_token: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
        seq: int = 0,
    ) -> SampleResult:
        """One sample outside a batch (the playground): prompt (given, e.g. edited, or built), streamed
        generation through the cache, scored with the task's metrics. Errors end up in `result.error`."""
        result = self._one(seq, row, config, cancel or threading.Event(), on_token, built)
        if result.error is None:
            result.metrics = LiveScores().add(row.task, row.category, result.prediction, result.gold, row.id)
        return result

    def _one(
        self,
        seq: int,
        row: Row,
        config: RunConfig,
        cancel: threading.Event,
        on_token: Callable[[str], None] | None,
        built: BuiltPrompt | None = None,
    ) -> SampleResult:
        result = SampleResult(seq, row.task, row.id, row.split, None, None, "", row.output)
        config = config.for_task(row.task)  # the request carries the row's own cap
        try:
            built = built or self.prepare(row, config)
        except (PromptTooLongError, ValueError) as exc:
            result.error, result.error_kind = f"prompt: {exc}", PROMPT_ERROR
            return result
        return self._generate_into(result, built, config, cancel, on_token)

    def _generate_into(
        self,
        result: SampleResult,
        built: BuiltPrompt,
        config: RunConfig,
        cancel: threading.Event,
        on_token: Callable[[str], None] | None,
    ) -> SampleResult:
        describe_prompt(result, built)
        try:
            answer, cached = self.generate(built, config, cancel, on_token)
        except BackendError as exc:
            return fail(result, exc)
        return fill(result, answer, cached)

    def _pool_for(self, config: RunConfig) -> ReplicaPool | None:
        """The pool a batch goes through: the one given, else one of the backend's own when it is remote
        and may have more than one request in flight (None: one sample at a time, streamed)."""
        if self.pool is not None:
            return self.pool
        info = self.generate.info
        width = min(config.concurrency, info.max_concurrency)
        if width <= 1 or info.kind != "remote":
            return None
        from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
        from medinst_tui.backends.pool import ReplicaPool

        if not isinstance(self.backend, OpenAIRemoteBackend):
            return None
        return ReplicaPool([self.backend], concurrency=width)
