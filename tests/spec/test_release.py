"""The release rules end to end, through the Makefile on a copy of the repository.

An upstream change removes ``total_usage`` from the credits body: ``make spec`` reports it
as breaking, ``make check`` and ``make publish`` refuse the unbumped version until
``_version.py`` and ``CHANGELOG.md`` carry a bump of the right size (``make changelog``
drafts the entry and never rewrites one a human wrote), and ``make release-record``
records the release.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tools import release
from tools.api_changes import Level, next_version

from .conftest import ROOT, make

PINNED = Path("spec/upstream/openrouter-openapi.yaml")
VERSION = Path("overlays/openrouter_credits/_version.py")
#: make check's sub-checks this test is about. lint and typecheck are left out: removing
#: total_usage really breaks hand-written code (cli.py reads it) and tests, which mypy reports.
CHECKS = "CHECKS=check-spec check-generated check-release"
REMOVED = "breaking  GET /credits: response 200 body: field data.total_usage removed"
TOTAL_USAGE = "openrouter_credits.GetCreditsData.total_usage"

needs_venv = pytest.mark.skipif(
    not (ROOT / ".venv" / ".setup-stamp").exists() or shutil.which("make") is None,
    reason="needs the checkout's .venv (make setup) and make",
)


def copy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    names = ("Makefile", "pyproject.toml", "openapi.yaml")
    for name in (*names, "generator-config.yaml", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, repo / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("generated", "templates", "tools", "spec", "overlays", "requirements"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore, symlinks=True)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    # Sub-makes (make check's, make publish's) do not inherit -o: make sure they never find
    # the shared .venv's stamp out of date, which would reinstall the package from the copy.
    for name in ("requirements/uv.txt", "requirements/dev.txt", "pyproject.toml"):
        os.utime(repo / name, (0, 0))
    return repo


def released_copy(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the repository recorded as its own last release, and that version.

    The tree may be mid-release (an upstream change regenerated, the version bumped, not
    published yet): these tests need the state right after a release, so they make it.
    """
    repo = copy_repo(tmp_path)
    make(repo, "release-record")
    return repo, (repo / "spec/released/version").read_text().strip()


def remove_total_usage(text: str) -> str:
    """The pinned upstream text without ``total_usage`` in getCredits' 200 ``data`` schema."""
    start = text.index("\n  /credits:\n")
    found = re.compile(r"\n( +)total_usage:\n((?:\1 .*\n)+)").search(text, start)
    assert found is not None, "the total_usage property was not found under /credits"
    text = text[: found.start() + 1] + text[found.end() :]
    required = re.compile(r"\n +- '?total_usage'?\n").search(text, start)
    assert required is not None, "total_usage is not in the required list"
    return text[: required.start() + 1] + text[required.end() :]


def set_version(repo: Path, version: str) -> None:
    path = repo / VERSION
    text = re.sub(r'__version__ = "[^"]+"', f'__version__ = "{version}"', path.read_text())
    path.write_text(text)


@needs_venv
def test_a_breaking_upstream_change_needs_a_bump_before_check_and_publish_pass(
    tmp_path: Path,
) -> None:
    repo, v = released_copy(tmp_path)
    major, minor = next_version(v, Level.MAJOR), next_version(v, Level.MINOR)
    clean = make(repo, "check-release")
    assert f"no API, public API or generated/ change since {v}" in clean.stdout

    pinned = repo / PINNED
    pinned.write_text(remove_total_usage(pinned.read_text(encoding="utf-8")), encoding="utf-8")
    spec = make(repo, "spec")
    assert f"  {REMOVED}\n" in spec.stdout
    assert (
        f"Version bump: {v} → {major}, the minor number (breaking changes; before 1.0 a "
        "breaking change bumps the minor number)." in spec.stdout
    )
    make(repo, "generate")

    failed = make(repo, "check", CHECKS, ok=False)
    assert failed.returncode != 0
    assert f"  {REMOVED}\n" in failed.stderr
    assert f"public API: {TOTAL_USAGE}: public object was removed" in failed.stderr
    assert (
        f'release check: FAILED: {VERSION} says {v}: set __version__ = "{major}" '
        f"(breaking changes since {v} need at least {major})" in failed.stderr
    )
    assert "make check failed: check-release" in failed.stderr

    # make publish stops before building anything (the URL is never reached).
    env_url = "TWINE_REPOSITORY_URL=http://127.0.0.1:9/"
    publish = make(repo, "publish", env_url, "RECORD_RELEASE=no", ok=False)
    assert publish.returncode != 0
    assert "make publish: refused: the release check failed" in publish.stderr
    assert not (repo / "dist").exists()

    set_version(repo, minor)  # a patch-number bump: too small for a breaking change
    assert f'set __version__ = "{major}"' in make(repo, "check-release", ok=False).stderr
    set_version(repo, major)
    missing_entry = make(repo, "check-release", ok=False).stderr
    assert "set __version__" not in missing_entry
    assert (
        f"CHANGELOG.md's top entry is {v}: add a '## {major} (unreleased)' entry" in missing_entry
    )

    before = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    drafted = make(repo, "changelog")
    assert (
        drafted.stdout
        == f"changelog: drafted a {major} entry at the top of CHANGELOG.md: edit it\n"
    )
    after = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    head, old_entries = after.split(f"## {v} ", 1)
    assert f"## {v} " + old_entries == before[before.index(f"## {v} ") :]
    title = f"# Changelog\n\n## {major} (unreleased)\n\n"
    regenerated = "- Regenerated `generated/` from the updated `openapi.yaml`.\n\n"
    assert head.startswith(title) and head.endswith(regenerated), head
    entries = head[len(title) : -len(regenerated)].splitlines()
    # Other public-API lines may follow (a field added since the release moves up a place).
    assert all(line.startswith("- Breaking: ") for line in entries), entries
    assert (
        entries[0] == "- Breaking: GET /credits: response 200 body: field data.total_usage removed."
    )
    for line in (
        f"- Breaking: public API: {TOTAL_USAGE}: public object was removed.",
        "- Breaking: public API: openrouter_credits.models.GetCreditsData.total_usage: "
        "public object was removed.",
    ):
        assert line in entries, entries

    passed = make(repo, "check", CHECKS)
    assert f"release check: ok: {major} covers these changes" in passed.stdout

    # A human edits the entry; make changelog leaves it alone and prints the draft.
    edited = after.replace("- Breaking: GET", "- Breaking: `total_usage` is gone (GET", 1)
    (repo / "CHANGELOG.md").write_text(edited, encoding="utf-8")
    again = make(repo, "changelog")
    assert again.stdout.startswith(
        f"changelog: CHANGELOG.md already has a {major} entry: left as it is. The draft"
    )
    assert (repo / "CHANGELOG.md").read_text(encoding="utf-8") == edited

    recorded = make(repo, "release-record")
    assert f"spec/released/ now records {major}" in recorded.stdout
    assert (repo / "spec/released/version").read_text() == f"{major}\n"
    assert (
        f"no API, public API or generated/ change since {major}"
        in make(repo, "check-release").stdout
    )


@needs_venv
def test_a_new_optional_field_needs_a_patch_bump_before_1_0(tmp_path: Path) -> None:
    repo, v = released_copy(tmp_path)
    patch = next_version(v, Level.MINOR)
    doc = repo / "openapi.yaml"
    doc.write_text(
        doc.read_text().replace(
            "                      total_usage:\n",
            "                      pending:\n                        type: number\n"
            "                      total_usage:\n",
            1,
        )
    )
    report = make(repo, "api-changes").stdout
    assert (
        "feature   GET /credits: response 200 body: field data.pending added (optional)" in report
    )
    assert f"Version bump: {v} → {patch}, the patch number (new features; before 1.0" in report
    make(repo, "generate")
    assert f'set __version__ = "{patch}"' in make(repo, "check-release", ok=False).stderr
    set_version(repo, patch)
    make(repo, "changelog")
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.startswith(f"# Changelog\n\n## {patch} (unreleased)\n")
    assert f"release check: ok: {patch} covers" in make(repo, "check-release").stdout


def test_the_recorded_release_matches_the_tree() -> None:
    """The checked-in record is this tree's: make check-release passes here."""
    ok, text = release.check(ROOT)
    assert ok, text
