"""`medinst run` keeps medinst's retries; `medinst eval` defaults to the paper's patience (10 tries, 30 s)."""

from __future__ import annotations

from typing import Any

from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from medinst_tui.cli.main import build_parser
from medinst_tui.cli.run_cmds import make_backend

ENDPOINT = ["--endpoint", "http://127.0.0.1:9/v1", "--concurrency", "1"]


def backend_for(argv: list[str], *, protocol: bool) -> Any:
    args = build_parser().parse_args(argv)
    backend = make_backend(args, protocol=protocol)[0]
    assert isinstance(backend, OpenAIRemoteBackend)
    return backend


def test_eval_defaults_to_the_papers_patience_and_run_to_medinsts() -> None:
    paper = backend_for(["eval", "medinst32", *ENDPOINT], protocol=True)
    ours = backend_for(["run", "--task", "MedQA", *ENDPOINT], protocol=False)
    try:
        assert paper.retry.max_retries == 9  # 10 tries in all
        assert paper.retry.delay(1, None) == paper.retry.delay(5, None) == 30.0 or (
            27.0 <= paper.retry.delay(1, None) <= 33.0  # +-10% jitter around the paper's 30 s
        )
        assert ours.retry.max_retries == 3 and ours.retry.delay(1, None) < 1.0
    finally:
        paper.close()
        ours.close()


def test_the_options_win_over_either_default() -> None:
    argv = ["eval", "medinst32", *ENDPOINT, "--max-tries", "2", "--retry-wait", "0"]
    backend = backend_for(argv, protocol=True)
    try:
        assert backend.retry.max_retries == 1 and backend.retry.delay(1, None) == 0.0
    finally:
        backend.close()
