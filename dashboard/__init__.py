"""Interdiction Tracker: the dashboard, its data store and its command line."""

import os

import pyarrow

# Arrow's bundled allocator (mimalloc) keeps what a load frees for its own reuse: after a
# 1,000,000-incident load the server held 0.45 GB more than with the C library's allocator,
# which memory.release_freed_memory can hand back (malloc_trim). Set before any Arrow
# memory is allocated for the data; ARROW_DEFAULT_MEMORY_POOL still overrides it.
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
