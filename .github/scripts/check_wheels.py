"""Check built motorx wheels: compiled core inside, no generated C or Cython source.

Usage: python .github/scripts/check_wheels.py WHEEL [WHEEL ...]
Exits non-zero (with a GitHub Actions error annotation) if any wheel fails.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile

COMPILED_CORE = re.compile(r"^motorx/_txcore\.[^/]*\.(so|pyd)$")
REQUIRED = ("motorx/__init__.py", "motorx/py.typed", "motorx/_txcore.pyi")


def problems(path: str) -> list[str]:
    if not os.path.isfile(path):
        return ["no such file (did the build produce any wheel?)"]
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
    found = []
    sources = [n for n in names if n.endswith((".c", ".pyx"))]
    if sources:
        found.append(f"generated C or Cython source inside: {', '.join(sources)}")
    cores = [n for n in names if COMPILED_CORE.match(n)]
    if len(cores) != 1:
        found.append(f"expected one compiled motorx/_txcore extension, found {cores or 'none'}")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        found.append(f"missing: {', '.join(missing)}")
    return found


def main(paths: list[str]) -> int:
    if not paths:
        print("::error::no wheels given (did the build produce any?)")
        return 1
    failed = False
    for path in paths:
        issues = problems(path)
        for issue in issues:
            print(f"::error::{path}: {issue}")
        if issues:
            failed = True
        else:
            print(f"ok: {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
