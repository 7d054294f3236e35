"""``python -m openrouter_credits.testing``: the stand-in server from the command line."""

from ._cli import main

raise SystemExit(main())
