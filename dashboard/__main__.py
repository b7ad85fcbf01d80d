"""``python -m dashboard``: the command line (see ``dashboard/cli.py``)."""

from dashboard.cli import main

raise SystemExit(main())
