"""``mypy --strict`` on motorx itself, on a Motor user's code, and on code that must not type-check.

tests/typing/usage.py uses the public API as a Motor user writes it and must
check cleanly; each tests/typing/fail_*.py marks the lines that must be
reported with ``# E: CODE`` (mypy's error code), and nothing else may be.
mypy runs against the installed motorx (its py.typed and stubs), with the
[tool.mypy] configuration from pyproject.toml.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TYPING_DIR = ROOT / "tests" / "typing"
CONFIG = ROOT / "pyproject.toml"
FAIL_FILES = sorted(TYPING_DIR.glob("fail_*.py"))
ERROR_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)  \[(?P<code>[a-z-]+)\]$"
)
EXPECTED = re.compile(r"#\s*E:\s*(?P<codes>[a-z-]+(?:[ ,]+[a-z-]+)*)\s*$")


def run_mypy(cache_dir: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(CONFIG),
            "--cache-dir",
            str(cache_dir),
            "--no-error-summary",
            "--show-error-codes",
            "--no-pretty",
            "--hide-error-context",
            *targets,
        ],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )


def errors_by_file(output: str) -> dict[str, set[tuple[int, str]]]:
    found: dict[str, set[tuple[int, str]]] = {}
    for line in output.splitlines():
        match = ERROR_LINE.match(line)
        if match:
            name = Path(match["path"]).name
            found.setdefault(name, set()).add((int(match["line"]), match["code"]))
    return found


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="module")
def typing_dir_result(mypy_cache: Path) -> subprocess.CompletedProcess[str]:
    # One mypy process for all of tests/typing: each file is its own module.
    return run_mypy(
        mypy_cache, *(str(p.relative_to(ROOT)) for p in sorted(TYPING_DIR.glob("*.py")))
    )


def test_the_negative_cases_exist() -> None:
    assert len(FAIL_FILES) >= 4, FAIL_FILES
    for path in FAIL_FILES:
        assert any(EXPECTED.search(line) for line in path.read_text().splitlines()), (
            f"{path.name} marks no line with '# E: CODE'"
        )


def test_src_motorx_passes_mypy_strict(mypy_cache: Path) -> None:
    result = run_mypy(mypy_cache, "src/motorx")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_motor_users_code_passes_mypy_strict(
    typing_dir_result: subprocess.CompletedProcess[str],
) -> None:
    assert "usage.py" not in errors_by_file(typing_dir_result.stdout), typing_dir_result.stdout
    assert not typing_dir_result.stderr.strip(), typing_dir_result.stderr
    # reveal_type notes show what a user's editor would show for the key results.
    revealed = [
        line
        for line in typing_dir_result.stdout.splitlines()
        if "usage.py" in line and "Revealed type" in line
    ]
    assert len(revealed) >= 3, typing_dir_result.stdout


@pytest.mark.parametrize("path", FAIL_FILES, ids=[p.name for p in FAIL_FILES])
def test_misuse_fails_type_checking_with_the_expected_errors(
    path: Path, typing_dir_result: subprocess.CompletedProcess[str]
) -> None:
    expected: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECTED.search(line)
        if match:
            expected.update((number, code) for code in re.split(r"[ ,]+", match["codes"]))
    actual = errors_by_file(typing_dir_result.stdout).get(path.name, set())
    assert actual == expected, (
        f"{path.name}: mypy reported {sorted(actual)}, the file expects {sorted(expected)}\n"
        + typing_dir_result.stdout
    )


# -- code typed against Motor, checked on Motor and on motorx ----------------
#
# tests/typing/motor/*.py import from ``motor`` and are written once: checked
# as they are against Motor 3.7.1's own stubs (a test extra), they prove what
# Motor accepts; checked as a copy with the motor imports pointed at motorx,
# they must give exactly the same result (none for motor_typed.py, the marked
# lines for fail_*.py).

MOTOR_TYPED_FILES = sorted((TYPING_DIR / "motor").glob("*.py"))


def as_motorx(source: str) -> str:
    """The same program on motorx: only its motor imports change."""
    source = re.sub(r"^(\s*)from motor([. ])", r"\1from motorx\2", source, flags=re.M)
    source = re.sub(r"^(\s*)import motor$", r"\1import motorx as motor", source, flags=re.M)
    assert not re.search(r"^\s*import motor[.,]", source, re.M), "write 'from motor... import'"
    return source


def expected_errors(path: Path) -> set[tuple[int, str]]:
    expected: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECTED.search(line)
        if match:
            expected.update((number, code) for code in re.split(r"[ ,]+", match["codes"]))
    return expected


def check_motor_typed(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert not result.stderr.strip(), result.stderr
    found = errors_by_file(result.stdout)
    for path in MOTOR_TYPED_FILES:
        actual = found.get(path.name, set())
        assert actual == expected_errors(path), (
            f"{path.name} on {what}: mypy reported {sorted(actual)}, the file expects "
            f"{sorted(expected_errors(path))}\n" + result.stdout
        )


def test_the_motor_typed_programs_exist() -> None:
    names = [path.name for path in MOTOR_TYPED_FILES]
    assert "motor_typed.py" in names, names
    assert any(name.startswith("fail_") for name in names), names
    for path in MOTOR_TYPED_FILES:
        assert as_motorx(path.read_text()) != path.read_text(), f"{path.name} imports no motor"


def test_motor_typed_code_type_checks_on_motor_itself(tmp_path: Path) -> None:
    pytest.importorskip("motor", reason="motor 3.7.1 is a test extra")
    result = run_mypy(tmp_path / "cache", *(str(p.relative_to(ROOT)) for p in MOTOR_TYPED_FILES))
    check_motor_typed(result, "Motor 3.7.1")


def test_motor_typed_code_type_checks_the_same_on_motorx(tmp_path: Path) -> None:
    copies = []
    for path in MOTOR_TYPED_FILES:
        copy = tmp_path / path.name
        copy.write_text(as_motorx(path.read_text()))
        copies.append(str(copy))
    result = run_mypy(tmp_path / "cache", *copies)
    check_motor_typed(result, "motorx")
