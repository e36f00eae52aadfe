"""bench/report.py's ratios: per-round pairs where rounds were interleaved."""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

import pytest

REPORT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench", "report.py")


@pytest.fixture(scope="module")
def report() -> Any:
    spec = importlib.util.spec_from_file_location("_motorx_bench_report_test", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


def test_ratio_is_the_median_of_per_round_ratios(report: Any) -> None:
    # A slow drift hits both drivers alike: per round motorx is always 1.05x,
    # while the medians alone (taken over different rounds) would say 1.5x.
    row = report.Row(
        "s", "t", "us", {"motorx": 30.0, "pymongo": 20.0},
        rounds={"motorx": [10.5, 21.0, 31.5, 42.0, 52.5], "pymongo": [10.0, 20.0, 30.0, 40.0, 50.0]},
    )
    assert row.ratio("pymongo") == pytest.approx(1.05)
    assert row.ratio_iqr("pymongo") == pytest.approx((1.05, 1.05))


def test_interquartile_range_of_the_round_ratios(report: Any) -> None:
    row = report.Row(
        "s", "t", "us", {"motorx": 1.0, "pymongo": 1.0},
        rounds={"motorx": [0.9, 1.0, 1.1, 1.2, 1.3], "pymongo": [1.0] * 5},
    )
    assert row.ratio("pymongo") == pytest.approx(1.1)
    assert row.ratio_iqr("pymongo") == pytest.approx((1.0, 1.2))


@pytest.mark.parametrize(
    "rounds",
    [
        None,  # not interleaved
        {"motorx": [1.0, 2.0, 3.0]},  # the other driver has no rounds
        {"motorx": [1.0, 2.0, 3.0], "pymongo": [1.0, 2.0]},  # not the same rounds
        {"motorx": [1.0, 2.0], "pymongo": [1.0, 2.0]},  # too few to pair
        {"motorx": [1.0, 2.0, 3.0], "pymongo": [1.0, 0.0, 3.0]},  # a zero would divide
    ],
)
def test_without_usable_rounds_the_ratio_is_of_the_figures(report: Any, rounds: Any) -> None:
    row = report.Row("s", "t", "us", {"motorx": 3.0, "pymongo": 2.0}, rounds=rounds)
    assert row.ratio("pymongo") == pytest.approx(1.5)
    assert row.ratio_iqr("pymongo") is None


def test_markdown_shows_the_round_spread_and_the_verdict(report: Any) -> None:
    row = report.Row(
        "s", "t", "us", {"motorx": 1.0, "pymongo": 1.0}, target_pymongo=1.05,
        rounds={"motorx": [0.9, 1.0, 1.1, 1.2, 1.3], "pymongo": [1.0] * 5},
    )
    assert report._md_ratio(row, "pymongo") == "1.100 (1.000-1.200) ≤ 1.05 MISSED"
    assert row.verdict("pymongo") is False


def test_like_for_like_row_pairs_motorx_with_pymongo_given_resolved_options(report: Any) -> None:
    def figures(per_round: list[float]) -> dict[str, Any]:
        return {"median": sorted(per_round)[1] / 1e6, "round_us": per_round}

    data = {
        "benchmarks": [
            {
                "extra_info": {
                    "path": "empty-transaction",
                    "impls": {
                        "motorx": figures([2.0, 2.0, 2.0]),
                        "pymongo": figures([2.5, 2.5, 2.5]),
                        "motor": figures([90.0, 90.0, 90.0]),
                        "pymongo-resolved": figures([1.6, 1.6, 1.6]),
                    },
                }
            }
        ]
    }
    main, like = report.rows(data)
    assert main.title == "empty transaction (start + commit)" and main.target_pymongo == 1.10
    assert main.ratio("pymongo") == pytest.approx(0.8)
    assert like.title == "empty transaction (start + commit), PyMongo also given resolved options"
    assert like.values == {"motorx": pytest.approx(2.0), "pymongo": pytest.approx(1.6)}
    assert like.ratio("pymongo") == pytest.approx(1.25)
    assert like.target_pymongo is None and like.target_motor is None and like.verdict("pymongo") is None


def _e2e_run(python_version: Any) -> dict[str, Any]:
    def figures(cpu: float) -> dict[str, Any]:
        return {"cpu_us": cpu, "round_cpu_us": [cpu] * 3, "throughput": 1.0,
                "p50_ms": 1.0, "p99_ms": 1.0}

    benchmarks = [
        {"extra_info": {"kind": "e2e", "case": case,
                        "impls": {"motorx": figures(106.0), "pymongo": figures(100.0),
                                  "motor": figures(200.0)}}}
        for case in ("txn-c1", "txn-c16", "txn-c128", "tornado-txn-c16", "find-one", "cursor-1000")
    ]
    machine = {} if python_version is None else {"python_version": python_version}
    return {"benchmarks": benchmarks, "machine_info": machine}


@pytest.mark.parametrize(
    ("python_version", "target", "met"),
    [("3.11.7", 1.08, True), ("3.12.1", 1.05, False), ("3.13.0", 1.05, False), (None, 1.05, False)],
)
def test_client_cpu_target_follows_the_runs_python(
    report: Any, python_version: Any, target: float, met: bool
) -> None:
    # Eager tasks (3.12+) make the started Task cheaper: the stricter target there
    # (and for a run whose Python is unknown).
    data = _e2e_run(python_version)
    cpu = {r.title: r for r in report.rows(data) if r.title.endswith(": client CPU")}
    titles = ("txn, 1 task", "txn, 16 tasks", "txn, 128 tasks", "tornado txn, 16 tasks", "find_one")
    for title in titles:
        row = cpu["%s: client CPU" % title]
        assert row.target_pymongo == target and row.verdict("pymongo") is met, title
    # The other targets stay: Motor's for transactions only, none for the cursor read.
    assert cpu["txn, 16 tasks: client CPU"].target_motor == 0.50
    assert cpu["find_one: client CPU"].target_motor is None
    assert cpu["cursor read, 1,000 docs: client CPU"].target_pymongo is None
    # The report says which target applied, and why, once.
    note = report.cpu_target_note(data)
    assert ("≤ %.2f here" % target) in note and "eager" in note
    assert report.markdown(data).count(note) == 1
    assert sum(note in line for line in report.render(data)) == 1


def test_call_model_rows_give_the_tasks_cost_per_call(report: Any) -> None:
    def figures(per_round: list[float]) -> dict[str, Any]:
        return {"median": sorted(per_round)[1] / 1e6, "round_us": per_round}

    data = {
        "machine_info": {"python_version": "3.11.7"},
        "benchmarks": [
            {
                "extra_info": {
                    "path": "call-model",
                    "impls": {
                        "motorx": figures([3.0, 3.5, 5.0]),
                        "pymongo": figures([0.5, 1.0, 1.5]),
                        "motor": figures([100.0, 100.0, 100.0]),
                    },
                }
            }
        ],
    }
    shapes, cost = report.rows(data)
    assert shapes.values == {"motorx": pytest.approx(3.5), "pymongo": pytest.approx(1.0),
                             "motor": pytest.approx(100.0)}
    assert shapes.target_pymongo is None and shapes.target_motor is None and not shapes.chart
    # The median of the per-round differences (2.5, 2.5, 3.5), not of the medians' ratio.
    assert cost.values == {"motorx": pytest.approx(2.5)}
    assert "Python 3.11 (no eager tasks)" in cost.title
    assert cost.ratio("pymongo") is None and cost.verdict("pymongo") is None
