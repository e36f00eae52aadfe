"""The package is the built one: compiled core, stubs in step, no generated C shipped."""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import motorx
import motorx._txcore as txcore

ROOT = Path(__file__).resolve().parent.parent


def test_core_is_the_compiled_extension() -> None:
    # A pure-Python fallback could never satisfy this: the module must be a
    # shared object loaded by the extension loader.
    assert txcore.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), txcore.__file__
    assert isinstance(txcore.__loader__, importlib.machinery.ExtensionFileLoader)
    assert not hasattr(txcore.SessionCore(), "__dict__")


def test_motorx_is_imported_from_the_installation_not_the_source_tree() -> None:
    package_dir = Path(motorx.__file__).resolve().parent
    assert package_dir != (ROOT / "src" / "motorx").resolve()


def test_no_generated_c_or_pyx_next_to_the_installed_package() -> None:
    package_dir = Path(motorx.__file__).resolve().parent
    shipped = sorted(os.listdir(package_dir))
    assert not [name for name in shipped if name.endswith(".c")], shipped
    assert "_txcore.pyi" in shipped and "py.typed" in shipped


def test_generated_c_is_not_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if tracked.returncode != 0:
        # Not a git checkout (an unpacked sdist): .gitignore is then the record.
        assert "src/*.c" in (ROOT / ".gitignore").read_text()
        return
    assert not [name for name in tracked.stdout.split() if name.endswith(".c")]


def test_stub_matches_the_extension(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "motorx._txcore"],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),  # outside the source tree and site-packages
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
