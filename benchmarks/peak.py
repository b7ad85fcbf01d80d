"""One ``python -m dashboard`` command, and its own peak memory written to a file.

``python -m benchmarks.peak OUT -- ARGS...`` runs the command line with ARGS and writes the
process's peak resident memory (VmHWM, which exec starts afresh) to OUT. The parent's
``wait4`` cannot give it: Linux carries ru_maxrss across fork and exec, so a child of the
large benchmark process would report the parent's peak.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.probe import peak_rss_bytes


def main(argv: list[str] | None = None) -> int:
    """Command line: run the dashboard's CLI with the given arguments, then record the peak."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[1] != "--":
        print("usage: python -m benchmarks.peak OUT -- COMMAND ARGS...", file=sys.stderr)
        return 2
    from dashboard.cli import main as dashboard_main

    try:
        return dashboard_main(args[2:])
    finally:
        Path(args[0]).write_text(str(peak_rss_bytes()), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
