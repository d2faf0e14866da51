"""The answer's half of the playground: the send worker, the timer that moves streamed tokens onto the
screen (every FLUSH_S), the live score (at most every SCORE_EVERY_S) and the end of an answer (done,
cancelled, failed). PlaygroundScreen (screen.py) builds on it and owns the prompt's half."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from medinst_tui.runs.engine import RunConfig
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring import Family
from medinst_tui.scoring.live import LiveScore, live_score
from medinst_tui.session import Choices
from medinst_tui.store.index import Row
from medinst_tui.tui.database import Database
from medinst_tui.tui.messages import Busy
from medinst_tui.tui.playground.answer_stream import AnswerStream
from medinst_tui.tui.playground.buffers import TokenBuffer
from medinst_tui.tui.playground.calls import PlaygroundSession, PromptPreview, send_one, session_for
from medinst_tui.tui.playground.score_panel import ScorePanel
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.texts import error_text, rate_note
from medinst_tui.tui.threads import direct_opener, in_generation_thread

FLUSH_S = 0.05  # tokens reach the screen in batches at most this often
SCORE_EVERY_S = 0.25  # the live score is recomputed at most this often while streaming


@dataclass
class ScoreUpdated(Message):
    generation: int
    score: LiveScore


@dataclass
class AnswerFinished(Message):
    generation: int
    result: SampleResult
    run_id: str
    score: LiveScore


@dataclass
class AnswerFailed(Message):
    generation: int
    error: str


class Streaming(Screen[None]):
    """State the answer's half reads and keeps (PlaygroundScreen sets it up in its __init__)."""

    db: Database
    row: Row
    family: Family
    choices: Choices
    preview: PromptPreview | None
    last_result: SampleResult | None
    last_run_id: str | None
    generation: int  # the answer in flight (a finished one of an older number is dropped)
    generating: bool
    _cancel: threading.Event
    _buffer: TokenBuffer
    _flush_timer: Timer | None
    _last_score_at: float
    _sent: PromptPreview | None  # the prompt of the answer on screen (None: no answer)
    _prompt_settings: PlaygroundSettings | None

    @property
    def session(self) -> PlaygroundSession:
        return session_for(self.app)

    @property
    def answer(self) -> AnswerStream:
        return self.query_one(AnswerStream)

    @property
    def score_panel(self) -> ScorePanel:
        return self.query_one(ScorePanel)

    @work(group="pg-send", exit_on_error=False)
    async def _send(
        self,
        generation: int,
        preview: PromptPreview,
        config: RunConfig,
        buffer: TokenBuffer,
        cancel: threading.Event,
    ) -> None:
        models, opener = self.session.models, direct_opener(self.db.path)

        def generate() -> tuple[SampleResult, str, LiveScore]:
            result, run_id = send_one(models, opener, preview, config, buffer, cancel, self.choices)
            return result, run_id, live_score(self.family, result.prediction, result.gold)

        try:
            result, run_id, score = await in_generation_thread(generate)
        except Exception as exc:
            self.post_message(AnswerFailed(generation, error_text(exc)))
            return
        self.post_message(AnswerFinished(generation, result, run_id, score))

    def _flush(self) -> None:
        """Move what streamed since the last tick onto the screen; now and then, score it."""
        delta = self._buffer.drain()
        if delta:
            self.answer.append(delta)
        if not self.generating:
            return
        self._note_activity()
        buffer = self._buffer
        if buffer.n_chunks == 0:
            return  # still loading or reading the prompt: action_send's note stays
        rate = rate_note(buffer.n_chunks, buffer.tokens_per_s, buffer.ttft_s)
        self.answer.set_state("streaming", "streaming · " + rate)
        now = time.perf_counter()
        if delta and now - self._last_score_at >= SCORE_EVERY_S:
            self._last_score_at = now
            self._score_live(self.generation, self.answer.text)

    def _note_activity(self) -> None:
        """A streaming answer is activity: the app's idle-time full garbage collection (a pause measured at
        20-230 ms here, see bench/results/playground.md) waits until it is done, as it waits while the
        reader types."""
        self.post_message(Busy())

    @work(thread=True, exclusive=True, group="pg-score", exit_on_error=False)
    def _score_live(self, generation: int, text: str) -> None:
        score = live_score(self.family, text, self.row.output)
        if not get_current_worker().is_cancelled:
            self.post_message(ScoreUpdated(generation, score))

    def on_score_updated(self, message: ScoreUpdated) -> None:
        if message.generation == self.generation and self.generating:
            self.score_panel.show(message.score, "live")

    def _stop_streaming(self) -> None:
        self.generating = False
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._buffer.drain()

    def on_answer_finished(self, message: AnswerFinished) -> None:
        if message.generation != self.generation:
            return
        self._stop_streaming()
        result = message.result
        self.last_result = result
        self.last_run_id = message.run_id
        self.answer.set_text(result.prediction)
        edited = " · edited prompt" if result.edited else ""
        sent, asked = self._sent, self._prompt_settings
        moved_on = asked is not None and sent is not None and asked.prompt_key() != sent.settings.prompt_key()
        if sent is not None and (self.preview is not sent or moved_on):
            edited += " · for the previous prompt"
        if result.cancelled:
            n = len(result.prediction)
            self.answer.set_state("cancelled", f"cancelled · partial answer kept ({n} chars){edited}")
            self.score_panel.show(message.score, "partial")
        elif result.error:
            self.answer.set_state("error", result.error)
            self.score_panel.clear("no score: the generation failed")
            self.notify(result.error, title="Generation failed", severity="error", timeout=10)
        else:
            if result.cached:
                note = f"done · {result.finish_reason} · from the response cache"
            else:
                note = f"done · {result.finish_reason} · " + rate_note(
                    result.completion_tokens, result.tokens_per_s, result.ttft_s
                )
            self.answer.set_state("done", note + edited)
            self.score_panel.show(message.score, "final")

    def on_answer_failed(self, message: AnswerFailed) -> None:
        if message.generation != self.generation:
            return
        self._stop_streaming()
        self.answer.set_state("error", message.error)
        self.score_panel.clear("no score: the generation failed")
        self.notify(message.error, title="Generation failed", severity="error", timeout=10)
