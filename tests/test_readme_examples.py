"""The README's Python examples run and print what the README says they print.

How blocks are found in README.md (fenced with three backticks):

* A ``python`` block that calls ``asyncio.run(`` is a **program**.  It runs
  in a child Python (``-X dev -W error``) with ``MONGODB_URI`` set to the
  suite's server, must exit 0 with nothing on stderr, and its stdout must
  match its **output**: the ``text`` blocks that follow it, up to the next
  block of another kind, taken together in order.  Every program has output.
* Output is compared with whitespace normalised (the README wraps long
  lines).  A ``text`` block right after the line
  ``<!-- readme-test: figures vary -->`` is compared by shape: each number in
  it stands for any number, and a run of ``number: number`` pairs (a
  histogram) for any such run; everything else must be as printed.
* Any other ``python`` block is a **fragment** and may only import names;
  it is run too, so its imports exist.
* Each program uses a database of its own, named ``readme_...``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
VARY_MARKER = "<!-- readme-test: figures vary -->"
FENCE = re.compile(r"^```(\S*)\s*$")


@dataclass
class Block:
    lang: str
    text: str
    line: int  # of the opening fence, 1-based
    figures_vary: bool


def readme_blocks() -> list[Block]:
    blocks: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        assert j < len(lines), f"README.md:{i + 1}: code block never closed"
        before = [line for line in lines[:i] if line.strip()]
        vary = bool(before) and before[-1].strip() == VARY_MARKER
        blocks.append(Block(opening.group(1), "\n".join(lines[i + 1 : j]) + "\n", i + 1, vary))
        i = j + 1
    return blocks


def programs() -> list[tuple[Block, list[Block]]]:
    blocks = readme_blocks()
    found = []
    for k, block in enumerate(blocks):
        if block.lang == "python" and "asyncio.run(" in block.text:
            outputs = []
            for after in blocks[k + 1 :]:
                if after.lang != "text":
                    break
                outputs.append(after)
            found.append((block, outputs))
    return found


def fragments() -> list[Block]:
    return [b for b in readme_blocks() if b.lang == "python" and "asyncio.run(" not in b.text]


NUMBER = r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])"
PAIRS = rf"{NUMBER}: {NUMBER}(?:, {NUMBER}: {NUMBER})*"


def normalised(text: str) -> str:
    return " ".join(text.split())


def output_pattern(block: Block) -> str:
    text = normalised(block.text)
    if not block.figures_vary:
        return re.escape(text)
    pattern = []
    for k, part in enumerate(re.split(rf"({PAIRS}|{NUMBER})", text)):
        if k % 2 == 0:
            pattern.append(re.escape(part))
        else:
            pattern.append(PAIRS if re.fullmatch(PAIRS, part) else NUMBER)
    return "".join(pattern)


def run_python(path: Path, uri: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if uri is not None:
        env["MONGODB_URI"] = uri
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=path.parent,  # not the checkout: motorx comes from the installed package
        env=env,
    )


def clean_stderr(stderr: str) -> str:
    # asyncio's debug mode (-X dev) logs callbacks slower than 100 ms: load, not a fault.
    return re.sub(r"(?m)^Executing <.*> took \d+\.\d+ seconds\n", "", stderr)


def block_id(block: Block) -> str:
    return f"README.md:{block.line}"


def test_the_readme_has_programs_and_every_python_block_is_one_or_an_import_fragment() -> None:
    found = programs()
    assert len(found) >= 2  # the migration example and TransactionStatistics, at least
    for block in fragments():
        tree = ast.parse(block.text, filename=block_id(block))
        assert tree.body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body), (
            f"{block_id(block)}: a python block that is not a program (no asyncio.run) may only import; "
            "make it a complete program with its output, or leave it out"
        )
    databases = [set(re.findall(r"\breadme_\w+", block.text)) for block, _ in found]
    for (block, _), names in zip(found, databases):
        assert names, f"{block_id(block)}: the program uses no database of its own (readme_...)"
    all_names = [name for names in databases for name in names]
    assert len(all_names) == len(set(all_names)), f"programs share a database: {all_names}"


@pytest.mark.parametrize("block", fragments(), ids=block_id)
def test_fragment_imports_exist(tmp_path: Path, block: Block) -> None:
    script = tmp_path / "fragment.py"
    script.write_text(block.text)
    done = run_python(script)
    assert done.returncode == 0 and clean_stderr(done.stderr) == "", done.stderr


@pytest.mark.parametrize("program", programs(), ids=lambda program: block_id(program[0]))
def test_program_prints_what_the_readme_shows(
    tmp_path: Path, mongodb_uri: str, program: tuple[Block, list[Block]]
) -> None:
    block, outputs = program
    assert outputs, f"{block_id(block)}: a program must be followed by its output (a text block)"
    script = tmp_path / "example.py"
    script.write_text(block.text)
    done = run_python(script, mongodb_uri)
    assert done.returncode == 0 and clean_stderr(done.stderr) == "", done.stderr
    expected = r"\s".join(output_pattern(output) for output in outputs)
    assert re.fullmatch(expected, normalised(done.stdout)), (
        f"{block_id(block)} printed:\n{done.stdout}\n"
        f"the README shows:\n" + "\n".join(output.text for output in outputs)
    )
