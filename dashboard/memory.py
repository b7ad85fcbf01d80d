"""Handing memory the process has freed back to the system."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
from typing import Any


@functools.cache
def _libc() -> Any:
    """The C library, loaded once (a lookup per call costs more than the trim itself)."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def release_freed_memory(*, collect: bool = False) -> None:
    """Hand memory that big steps freed back to the system, where the C library allows it."""
    # Reading 100,000 rows frees a few hundred megabytes of cells and lines, and building a
    # map or a filtered copy tens more; glibc keeps such memory in the process unless asked,
    # and a long-running server would carry the high-water mark of every step for good.
    if collect:
        gc.collect()  # about 0.1 s at 100,000 rows: worth it only after a load
    # Not glibc (macOS, musl): there is nothing to ask.
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)
