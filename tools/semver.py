"""Semantic Versioning for this package, with its rule for 0.x versions.

From 1.0: breaking → major, feature → minor, fix/docs → patch. Before 1.0 (0.y.z) a
breaking change bumps y and anything else bumps z, so ``~=0.y.z`` (or ``^0.y.z``) pins
never pull in a breaking change. CONTRIBUTING "Regenerating" explains it for maintainers.
"""

from __future__ import annotations

import enum

from packaging.version import InvalidVersion, Version


class Level(enum.IntEnum):
    """The size of a change, or of a version bump."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    @property
    def meaning(self) -> str:
        return {
            Level.NONE: "no change",
            Level.PATCH: "fixes or docs",
            Level.MINOR: "new features",
            Level.MAJOR: "breaking changes",
        }[self]


def parse(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise ValueError(f"not a version: {text!r}") from exc


def _triple(version: Version) -> tuple[int, int, int]:
    major, minor, micro = (*version.release, 0, 0)[:3]
    return major, minor, micro


def next_version(current: str, level: Level) -> str:
    """The version after ``current`` for changes of ``level`` (``current`` for NONE)."""
    major, minor, micro = _triple(parse(current))
    if level is Level.NONE:
        return current
    if major == 0:  # 0.x: breaking bumps the minor number, anything else the patch number
        return f"0.{minor + 1}.0" if level is Level.MAJOR else f"0.{minor}.{micro + 1}"
    if level is Level.MAJOR:
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if level is Level.MINOR else f"{major}.{minor}.{micro + 1}"


def covered(released: str, current: str) -> Level:
    """The largest change that going from ``released`` to ``current`` may carry."""
    old, new = parse(released), parse(current)
    if new <= old:
        return Level.NONE
    (a, b, _), (x, y, _) = _triple(old), _triple(new)
    if x > a or (x == 0 and y > b):
        return Level.MAJOR
    if y > b:
        return Level.MINOR
    # 0.x: a patch bump carries features too.
    return Level.MINOR if x == 0 else Level.PATCH


def advice(level: Level, base: str | None) -> str:
    """The 'Version bump' line printed under a report: the number that changes, and why."""
    if level is Level.NONE:
        return "Version bump: none (nothing changed)."
    if base is None:
        return f"Version bump: {level.name.lower()} ({level.meaning})."
    target = next_version(base, level)
    number = ("major", "minor", "patch")[
        next(
            i
            for i, (a, b) in enumerate(
                zip(_triple(parse(base)), _triple(parse(target)), strict=True)
            )
            if a != b
        )
    ]
    zero = ""
    if parse(base).major == 0 and level is not Level.PATCH:
        zero = (
            "; before 1.0 a breaking change bumps the minor number"
            if level is Level.MAJOR
            else "; before 1.0 features and fixes bump the patch number"
        )
    return f"Version bump: {base} → {target}, the {number} number ({level.meaning}{zero})."
