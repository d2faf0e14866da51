"""Tries and waits: medinst's default, the paper's patience in the protocol mode, and the options."""

from __future__ import annotations

import argparse

import pytest

from medinst_tui.backends.presets import PresetError, parse_preset
from medinst_tui.backends.retry import PAPER_RETRY, RetryPolicy
from medinst_tui.cli.model_args import add_retry_options, apply_retry_options

REMOTE = {"name": "x", "kind": "remote", "base_url": "http://127.0.0.1:9/v1"}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_retry_options(parser)
    return parser.parse_args(argv)


def test_the_papers_patience_is_ten_tries_thirty_seconds_apart() -> None:
    assert PAPER_RETRY.max_tries == 10
    assert [PAPER_RETRY.delay(n, None) for n in range(1, 10)] == [30.0] * 9
    assert PAPER_RETRY.describe() == "10 tries, 30 s waits"


def test_jitter_spreads_each_wait_but_never_below_retry_after() -> None:
    policy = RetryPolicy(max_retries=3, backoff_base_s=1.0, backoff_max_s=8.0, jitter=0.1)
    assert policy.delay(2, None, rand=lambda: 0.0) == pytest.approx(1.8)
    assert policy.delay(2, None, rand=lambda: 1.0) == pytest.approx(2.2)
    assert policy.delay(1, 5.0, rand=lambda: 0.0) == 5.0
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


def test_the_protocol_mode_defaults_to_the_papers_patience_and_options_win() -> None:
    preset = parse_preset(REMOTE)
    plain = apply_retry_options(preset, parse(), protocol=False).retry_policy()
    assert (plain.max_tries, plain.backoff_base_s, plain.backoff_max_s) == (4, 0.5, 20.0)
    paper = apply_retry_options(preset, parse(), protocol=True).retry_policy()
    assert (paper.max_tries, paper.backoff_base_s, paper.backoff_max_s) == (10, 30.0, 30.0)
    mine = apply_retry_options(preset, parse("--max-tries", "3", "--retry-wait", "2"), protocol=True)
    policy = mine.retry_policy()
    assert (policy.max_tries, policy.backoff_base_s, policy.backoff_max_s) == (3, 2.0, 2.0)
    timeout = apply_retry_options(preset, parse("--request-timeout", "45"), protocol=False)
    assert timeout.read_timeout_s == 45


def test_a_presets_own_numbers_win_over_the_protocol_default() -> None:
    preset = parse_preset({**REMOTE, "max_tries": 6})
    assert apply_retry_options(preset, parse(), protocol=True).retry_policy().max_tries == 6
    legacy = parse_preset({**REMOTE, "max_retries": 2})  # the older spelling: tries after the first
    assert legacy.retry_policy().max_tries == 3
    assert apply_retry_options(legacy, parse(), protocol=True).retry_policy().max_tries == 3


@pytest.mark.parametrize(
    ("argv", "complaint"), [(["--max-tries", "0"], "at least 1"), (["--retry-wait", "-1"], "0 or more")]
)
def test_bad_options_are_usage_errors(argv: list[str], complaint: str) -> None:
    with pytest.raises(argparse.ArgumentError, match=complaint):
        parse(*argv)


@pytest.mark.parametrize(
    ("extra", "complaint"), [({"max_tries": 0}, "max_tries"), ({"retry_wait_s": -1}, "retry_wait_s")]
)
def test_bad_preset_retry_settings_are_refused(extra: dict[str, object], complaint: str) -> None:
    with pytest.raises(PresetError, match=complaint):
        parse_preset({**REMOTE, **extra})
