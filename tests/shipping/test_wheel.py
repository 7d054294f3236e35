"""``make wheel``: a checked sdist and wheel, byte-identical however and wherever built.

One module-scoped ``make wheel DIST=<tmp>`` build feeds every test (``make wheel`` itself
runs ``twine check --strict`` and ``check-wheel-contents``, configured in pyproject.toml to
compare the wheel with the package tree). The version tests check that
``overlays/openrouter_credits/_version.py`` is the one place the version is written.
"""

from __future__ import annotations

import ast
import email.parser
import os
import re
import stat
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from openrouter_credits import __version__
from openrouter_credits._headers import USER_AGENT

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300.0
EPOCH = "1767225600"  # the Makefile's SOURCE_DATE_EPOCH
NAME = "openrouter_credits"
WHEEL = f"{NAME}-{__version__}-py3-none-any.whl"
SDIST = f"{NAME}-{__version__}.tar.gz"
#: What the sdist holds at its top level (pyproject.toml's only-include, plus what
#: hatchling always adds).
SDIST_TOP = {
    "overlays",
    "generated",
    "openapi.yaml",
    "generator-config.yaml",
    "templates",
    "CHANGELOG.md",
    "LICENSE",
    "pyproject.toml",
    "PKG-INFO",
    ".gitignore",
}


def make_wheel(dist: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "wheel", f"DIST={dist}"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def build(source: Path, out: Path, *only: str) -> None:
    """``python -m build --no-isolation`` in ``source`` (``only``: ``--wheel``/``--sdist``)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", *only, "--outdir", str(out), "."],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist") / "a"
    done = make_wheel(folder)
    twine = _plain(done.stdout)  # twine check: one PASSED per file (lines may wrap)
    assert len(re.findall(r":\s*PASSED", twine)) == 2, twine
    assert "FAILED" not in twine and "WARNING" not in twine
    assert f"{folder / WHEEL}: OK" in done.stdout  # check-wheel-contents
    return folder


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_make_wheel_writes_one_sdist_and_one_wheel(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [WHEEL, SDIST]


def test_two_builds_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    make_wheel(tmp_path / "b")
    for name in (WHEEL, SDIST):
        assert (tmp_path / "b" / name).read_bytes() == (dist / name).read_bytes(), name


def test_wheel_from_the_tree_equals_wheel_from_the_sdist(dist: Path, tmp_path: Path) -> None:
    """``make wheel`` builds the wheel from the sdist (``build``'s default); from the
    tree, with the ``_generated`` symlink, it must come out the same."""
    build(ROOT, tmp_path, "--wheel")
    assert (tmp_path / WHEEL).read_bytes() == (dist / WHEEL).read_bytes()


def test_rebuild_from_the_sdist_with_other_modes_and_times_is_identical(
    dist: Path, tmp_path: Path
) -> None:
    """Group-writable files with today's modification times (another umask, another
    checkout) change nothing: hatchling normalizes modes and uses SOURCE_DATE_EPOCH."""
    with tarfile.open(dist / SDIST) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    source = tmp_path / "src" / f"{NAME}-{__version__}"
    for path in source.rglob("*"):
        path.chmod(0o775 if path.is_dir() else 0o664)
        os.utime(path)
    build(source, tmp_path / "out")
    for name in (WHEEL, SDIST):
        assert (tmp_path / "out" / name).read_bytes() == (dist / name).read_bytes(), name


#: A stock pypiserver (2.3.2, its bottle) keeps each part of an upload smaller than this in
#: memory and refuses the upload (HTTP 400) once those parts add up to more; a larger part
#: (a file over 100 KiB) goes to a temporary file and does not count.
INDEX_LIMIT = 100 * 1024
#: Room left for what grows between releases (the description, the package itself).
MARGIN = 4 * 1024
#: The digests twine adds to the form (md5, sha256, blake2_256, in hex), and its markers.
DIGESTS_AND_MARKERS = 32 + 64 + 64 + 64


def in_memory(dist: Path, name: str) -> int:
    """The bytes pypiserver holds in memory for the upload of ``name``, as twine sends it."""
    from twine.package import PackageFile

    fields = PackageFile.from_filename(str(dist / name), None).metadata_dictionary()
    values = [
        v
        for value in fields.values()
        if value
        for v in (value if isinstance(value, (list, tuple)) else [value])
    ]
    parts = [len(str(v).encode()) for v in values] + [DIGESTS_AND_MARKERS]
    parts.append((dist / name).stat().st_size)
    return sum(part for part in parts if part < INDEX_LIMIT)


@pytest.mark.parametrize("name", [WHEEL, SDIST])
def test_each_upload_fits_a_stock_pypiserver_with_a_margin(dist: Path, name: str) -> None:
    held = in_memory(dist, name)
    assert held + MARGIN <= INDEX_LIMIT, (
        f"uploading {name} ({(dist / name).stat().st_size} bytes) holds {held} bytes in a stock "
        f"pypiserver's memory: less than {MARGIN} bytes under its {INDEX_LIMIT}: shrink the "
        "file or the description (pyproject.toml's readme)"
    )


def test_wheel_holds_the_package_and_nothing_else(dist: Path) -> None:
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        infos = wheel.infolist()
        metadata = wheel.read(f"{NAME}-{__version__}.dist-info/METADATA").decode()
        entry_points = wheel.read(f"{NAME}-{__version__}.dist-info/entry_points.txt").decode()
    names = [info.filename for info in infos]
    info_dir = f"{NAME}-{__version__}.dist-info/"
    package = [n for n in names if n.startswith(f"{NAME}/")]
    info = ("METADATA", "RECORD", "WHEEL", "entry_points.txt", "licenses/LICENSE")
    assert sorted(set(names) - set(package)) == sorted(info_dir + n for n in info)
    # Besides modules: the typing marker and the Prometheus rules --prometheus-rules prints.
    data = {f"{NAME}/py.typed", f"{NAME}/cli/prometheus-rules.yml"}
    assert all(n.endswith(".py") for n in package if n not in data), package
    assert data <= set(package)
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if re.search(r"(^|/)(tests?/|conftest\.py$|test_[^/]*\.py$)", n)]
    assert not [i.filename for i in infos if stat.S_ISLNK(i.external_attr >> 16)]
    # The generated code is a real subpackage; every hand-written module is there.
    generated = sorted(
        p.relative_to(ROOT / "generated").as_posix()
        for p in (ROOT / "generated").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    in_wheel = [n.removeprefix(f"{NAME}/_generated/") for n in package if "/_generated/" in n]
    assert sorted(in_wheel) == generated
    for module in ("__init__", "_version", "client", "errors", "retries", "check"):
        assert f"{NAME}/{module}.py" in names
    for subpackage in ("cli", "testing", "_http"):
        assert f"{NAME}/{subpackage}/__init__.py" in names
    assert "openrouter-credits = openrouter_credits.cli:main" in entry_points
    headers = email.parser.Parser().parsestr(metadata)
    assert headers["Name"] == "openrouter-credits"
    assert sorted(headers.get_all("Requires-Dist") or []) == [
        "anyio<5,>=4.0",
        "attrs>=23.1",
        "httpcore<2,>=1.0.6",
        "httpx<1,>=0.27",
    ]


def _imported_distributions() -> set[str]:
    """The third-party top-level modules the package's code imports (generated code too)."""
    found: set[str] = set()
    for path in (ROOT / "overlays" / NAME).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.partition(".")[0])
    return found - set(sys.stdlib_module_names) - {NAME, "__future__"}


def test_every_package_the_code_imports_is_declared() -> None:
    # Declared, so that the ranges pip sees are the ones make test-matrix tests, and not
    # whatever httpx happens to allow.
    declared = {
        re.match(r"[A-Za-z0-9_.-]+", line).group(0)  # type: ignore[union-attr]
        for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    assert _imported_distributions() == declared


def test_sdist_has_no_symlinks_duplicates_or_stray_files(dist: Path) -> None:
    raw = (dist / SDIST).read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert int.from_bytes(raw[4:8], "little") == int(EPOCH)  # gzip header mtime
    with tarfile.open(dist / SDIST) as archive:
        members = archive.getmembers()
    prefix = f"{NAME}-{__version__}/"
    names = [m.name.removeprefix(prefix) for m in members]
    assert all(m.name.startswith(prefix) for m in members)
    assert {n.split("/")[0] for n in names} == SDIST_TOP
    assert all(m.isfile() for m in members)  # no symlinks (the _generated link), no devices
    assert not [n for n in names if n.startswith(f"overlays/{NAME}/_generated")]
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert all(m.mtime == int(EPOCH) and m.uid == 0 and m.gid == 0 for m in members)
    assert len(names) == len(set(names))


# --- the version: one place, everywhere the same ------------------------------------


def _wheel_version(dist: Path) -> str:
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        text = wheel.read(f"{NAME}-{__version__}.dist-info/METADATA").decode()
    version = email.parser.Parser().parsestr(text)["Version"]
    assert isinstance(version, str)
    return version


def _changelog_version() -> str:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(r"^## (\S+)", text, re.MULTILINE)
    assert match, "CHANGELOG.md has no '## <version>' entry"
    return match.group(1)


def test_versions_agree(dist: Path) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", NAME, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?", __version__)
    assert _wheel_version(dist) == __version__
    assert _changelog_version() == __version__, "CHANGELOG.md's top entry is not this version"
    assert USER_AGENT.startswith(f"openrouter-credits/{__version__} ")
    assert cli.stdout.strip() == f"openrouter-credits {__version__}"


def test_the_version_is_written_in_one_place() -> None:
    """Only _version.py spells the version out (pyproject.toml reads it: dynamic)."""
    package = ROOT / "overlays" / NAME
    spelled = [
        p.relative_to(ROOT).as_posix()
        for p in [*package.glob("*.py"), ROOT / "pyproject.toml"]
        if re.search(rf"""["']{re.escape(__version__)}["']""", p.read_text(encoding="utf-8"))
    ]
    assert spelled == [f"overlays/{NAME}/_version.py"]
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
