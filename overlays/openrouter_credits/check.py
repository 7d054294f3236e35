"""``python -m openrouter_credits.check``: the ``check_openrouter_credits`` monitoring plugin
(:mod:`._plugin`; the README's Monitoring section documents it)."""

from .cli._plugin import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
