"""GGUF files: their identity (a content fingerprint, for runs and cache keys), checks before a load."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from medinst_tui.backends.base import BackendError, ErrorKind

_FINGERPRINTS: dict[tuple[str, int, int, int], str] = {}
_FINGERPRINT_HEAD = 8 << 20  # the GGUF header, metadata and chat template live at the start
_FINGERPRINT_BLOCK = 1 << 20
_FINGERPRINT_SAMPLES = 8


def content_fingerprint(path: Path) -> str:
    """sha256 of the file's size, its first 8 MiB and eight evenly spaced 1 MiB blocks (the last included).

    Cheap on a multi-GB file, and it follows the bytes, not the name: a file edited in place (a changed
    chat template in the metadata, other weights under the same name) gets a new fingerprint even when its
    size and mtime are kept, and a copy of the same file elsewhere keeps it. Remembered per (path, size,
    mtime, inode) for the life of the process.
    """
    resolved = path.resolve()
    st = resolved.stat()
    memo = (str(resolved), st.st_size, st.st_mtime_ns, st.st_ino)
    if memo in _FINGERPRINTS:
        return _FINGERPRINTS[memo]
    digest = hashlib.sha256(str(st.st_size).encode())
    with resolved.open("rb") as fh:
        digest.update(fh.read(_FINGERPRINT_HEAD))
        if st.st_size > _FINGERPRINT_HEAD:
            span = st.st_size - _FINGERPRINT_HEAD - _FINGERPRINT_BLOCK
            for i in range(1, _FINGERPRINT_SAMPLES + 1):
                fh.seek(_FINGERPRINT_HEAD + max(0, span) * i // _FINGERPRINT_SAMPLES)
                digest.update(fh.read(_FINGERPRINT_BLOCK))
    value = digest.hexdigest()
    _FINGERPRINTS[memo] = value
    return value


def model_identity(path: Path) -> str:
    """The weights' identity in runs and cache keys: the file name and its content fingerprint."""
    return f"gguf:{path.resolve().name}#{content_fingerprint(path)[:16]}"


GGUF_MAGIC = b"GGUF"
_LOG_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*|error loading model): ")
_GENERIC_FAILURE = re.compile(r"failed to load model( from .*)?", re.IGNORECASE)
_RELEVANT = re.compile(r"error|fail|invalid|unknown|unsupported|corrupt|cannot|not ", re.IGNORECASE)


def check_gguf_magic(path: Path) -> None:
    """Refuse a file that is not GGUF before llama.cpp sees it (its own error is a log line)."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(len(GGUF_MAGIC))
    except OSError as exc:
        raise BackendError(ErrorKind.CONFIG, f"cannot read the model file {path}: {exc.strerror}") from None
    if magic != GGUF_MAGIC:
        what = "it is empty" if not magic else f"it starts with {magic!r}, not {GGUF_MAGIC!r}"
        raise BackendError(ErrorKind.CONFIG, f"{path} is not a GGUF model file (bad magic: {what})")


def load_failure_line(lines: list[str]) -> str:
    """The most telling line of a failed load's log: the last cause llama.cpp gave, minus prefixes.

    ``llama_model_load: error loading model: error loading model architecture: unknown model
    architecture: 'x'`` becomes ``error loading model architecture: unknown model architecture: 'x'``;
    the generic ``failed to load model`` summaries that follow the cause are passed over.
    """
    best = ""
    for line in lines:
        text = line.strip()
        if not _RELEVANT.search(text):
            continue
        while (stripped := _LOG_PREFIX.sub("", text, count=1)) != text:
            text = stripped
        if not _GENERIC_FAILURE.fullmatch(text) or not best:
            best = text
    return best
