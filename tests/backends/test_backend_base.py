"""The backend-neutral pieces: requests, errors, stop-string matching."""

from __future__ import annotations

import pytest

from medinst_tui.backends.base import (
    BackendError,
    ErrorKind,
    GenerationRequest,
    StopMatcher,
)


def test_request_needs_exactly_one_of_messages_or_prompt() -> None:
    with pytest.raises(ValueError):
        GenerationRequest()
    with pytest.raises(ValueError):
        GenerationRequest(messages=[{"role": "user", "content": "x"}], prompt="x")
    with pytest.raises(ValueError):
        GenerationRequest(prompt="x", max_tokens=0)
    request = GenerationRequest(prompt="x")
    assert request.temperature == 0.0 and request.max_tokens == 1024  # the paper's settings


def test_error_redacts_secrets_everywhere() -> None:
    key = "sk-live-abcdef123456"
    err = BackendError(ErrorKind.AUTH, f"bad key {key} sent as Bearer {key}", status=401, secrets=[key, None])
    for text in (str(err), repr(err), err.message, *map(str, err.args)):
        assert key not in text
    assert "***" in err.message and err.status == 401 and not err.retryable
    assert BackendError(ErrorKind.RATE_LIMITED, "slow down").retryable


def feed_all(matcher: StopMatcher, pieces: list[str]) -> str:
    out = "".join(matcher.feed(p) for p in pieces)
    return out if matcher.stopped else out + matcher.flush()


@pytest.mark.parametrize(
    ("pieces", "stops", "expected", "stopped"),
    [
        (["ab", "c###", "def"], ["###"], "abc", True),
        (["ab", "c#", "#", "#def"], ["###"], "abc", True),  # a stop split over three pieces
        (["ab", "c#", "#x"], ["###"], "abc##x", False),  # a near-miss is released, not swallowed
        (["Answer: yes", "\n\nQ"], ["\n\n", "Q:"], "Answer: yes", True),
        (["xyz"], [], "xyz", False),
        (["one ", "END", " two"], ["two", "END"], "one ", True),  # the earliest stop wins
    ],
)
def test_stop_matcher(pieces: list[str], stops: list[str], expected: str, stopped: bool) -> None:
    matcher = StopMatcher(stops)
    assert feed_all(matcher, pieces) == expected
    assert matcher.stopped is stopped


def test_stop_matcher_holds_back_only_a_possible_stop_prefix() -> None:
    matcher = StopMatcher(["</ans>"])
    assert matcher.feed("the answer </a") == "the answer "
    assert matcher.feed("b") == "</ab"
    assert matcher.feed(" done") == " done"
