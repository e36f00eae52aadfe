"""bench/report.py's ratios: per-round pairs where rounds were interleaved."""

from __future__ import annotations

import importlib.util
import json
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


def _row(report: Any, motorx_rounds: list[float], limit: float) -> Any:
    target = report.Target(limit, "a reason")
    return report.Row(
        "s", "t", "us", {"motorx": 1.0, "pymongo": 1.0}, targets={"pymongo": target},
        rounds={"motorx": motorx_rounds, "pymongo": [1.0] * len(motorx_rounds)},
    )


def test_ratio_text_shows_the_round_spread(report: Any) -> None:
    row = _row(report, [0.9, 1.0, 1.1, 1.2, 1.3], 1.05)
    assert report.ratio_text(row, "pymongo") == "1.100 (1.000-1.200)"


@pytest.mark.parametrize(
    ("rounds", "quick", "verdict"),
    [
        ([0.9, 1.0, 1.04, 1.2, 1.3], False, "met"),
        ([0.9, 1.0, 1.04, 1.2, 1.3], True, "met"),
        # Missed by the median, but the target lies within the interquartile range.
        ([0.9, 1.0, 1.1, 1.2, 1.3], True, "within noise"),
        ([0.9, 1.0, 1.1, 1.2, 1.3], False, "MISSED"),  # a full run is judged on its median
        ([1.1, 1.15, 1.2, 1.25, 1.3], True, "MISSED"),  # the whole band misses
    ],
)
def test_verdict_within_noise_only_in_quick_mode(report: Any, rounds: list[float], quick: bool, verdict: str) -> None:
    assert _row(report, rounds, 1.05).verdict("pymongo", quick) == verdict


def _per_op(per_round: list[float]) -> dict[str, Any]:
    return {"median": sorted(per_round)[len(per_round) // 2] / 1e6, "round_us": per_round}


def test_no_io_targets_are_on_motorx_own_layer_like_for_like(report: Any) -> None:
    data = {
        "benchmarks": [
            {"extra_info": {"path": "empty-transaction", "impls": {
                "motorx": _per_op([6.0, 6.0, 6.0]),  # with Motor's call model around commit
                "motorx-layer": _per_op([3.0, 3.0, 3.0]),
                "pymongo": _per_op([2.5, 2.5, 2.5]),
                "motor": _per_op([90.0, 90.0, 90.0]),
            }}},
            {"extra_info": {"path": "with-transaction-noop", "impls": {
                "motorx": _per_op([2.0, 2.0, 2.0]),
                "pymongo": _per_op([1.9, 1.9, 1.9]),
                "motor": _per_op([90.0, 90.0, 90.0]),
            }}},
        ]
    }
    layer = [r for r in report.rows(data) if r.section == report.NO_IO_LAYER]
    txn, future, with_txn = layer
    # motorx without Motor's call model against PyMongo Async.
    assert txn.values == {"motorx": pytest.approx(3.0), "pymongo": pytest.approx(2.5)}
    assert txn.ratio("pymongo") == pytest.approx(1.2) and txn.targets["pymongo"].limit == 1.15
    assert txn.verdict("pymongo") == "MISSED"
    # The call model is not counted there: it is its own row, motorx as written minus its layer.
    assert future.values == {"motorx": pytest.approx(3.0)} and not future.targets
    assert with_txn.ratio("pymongo") == pytest.approx(2.0 / 1.9) and with_txn.verdict("pymongo") == "met"
    # As users write it, the Motor target stays; PyMongo Async has none there.
    written = [r for r in report.rows(data) if r.section == report.NO_IO_WRITTEN]
    assert written[0].values["motorx"] == pytest.approx(6.0)
    assert set(written[0].targets) == {"motor"}


def test_session_start_end_layer_is_held_to_a_tenth(report: Any) -> None:
    data = {"benchmarks": [{"extra_info": {"path": "session-start-end", "impls": {
        "motorx": _per_op([4.0] * 3), "motorx-layer": _per_op([2.1] * 3),
        "pymongo": _per_op([2.0] * 3), "motor": _per_op([100.0] * 3),
    }}}]}
    row = report.rows(data)[0]
    assert row.targets["pymongo"].limit == 1.10 and row.verdict("pymongo") == "met"


def test_every_target_has_a_reason_and_is_listed_with_its_verdict(report: Any) -> None:
    data = _e2e_run("3.12.1")
    found = report.verdicts(data)
    assert found and all(v.target.reason for v in found)
    text = "\n".join(report.render(data))
    md = report.markdown(data)
    for v in found:
        assert report.target_name(v) in text and report.target_name(v) in md
        assert v.target.reason in text and v.target.reason in md
    assert "issue" not in text.lower() and "issue" not in md.lower()


def _md_tables(md: str) -> list[list[str]]:
    tables: list[list[str]] = [[]]
    for line in md.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    return [t for t in tables if t]


def _cells(line: str) -> int:
    return len(line.replace("\\|", "").strip().strip("|").split("|"))


def test_tables_keep_their_columns_in_markdown_and_in_a_terminal(report: Any) -> None:
    data = _full_run()
    for table in _md_tables(report.markdown(data)):
        assert len({_cells(line) for line in table}) == 1, table
    # In the terminal every table's columns line up: a column starts at the same offset in each line.
    for section, section_rows in report._sections(report.rows(data)):
        lines = report.figures_table(section_rows).text()
        header = lines[0]
        start = header.index("motorx / PyMongo Async")
        for line in lines[1:]:
            ratio = report.ratio_text(section_rows[lines.index(line) - 1], "pymongo")
            if ratio:
                assert line[start:].startswith(ratio), (section, line)


def _e2e_run(python_version: Any) -> dict[str, Any]:
    def figures(cpu: float) -> dict[str, Any]:
        return {"cpu_us": cpu, "round_cpu_us": [cpu] * 3, "throughput": 1.0,
                "p50_ms": 1.0, "p99_ms": 1.0, "samples": 700}

    benchmarks = [
        {"extra_info": {"kind": "e2e", "case": case, "mode": "full",
                        "impls": {"motorx": figures(106.0), "pymongo": figures(100.0),
                                  "motor": figures(200.0)}}}
        for case in ("txn-c1", "txn-c16", "txn-c128", "tornado-txn-c16", "find-one", "find-one-c16",
                     "find-one-c128", "cursor-1000")
    ]
    machine = {} if python_version is None else {"python_version": python_version}
    return {"benchmarks": benchmarks, "machine_info": machine}


def _sweep(tasks: int, motor_failed: int) -> dict[str, Any]:
    def figures(cpu: float, failed: int = 0) -> dict[str, Any]:
        return {"cpu_us": cpu, "round_cpu_us": [cpu] * 3, "throughput": 100.0, "p50_ms": 1.0,
                "p99_ms": 2.0, "samples": 600, "rss_peak_mb": 80.0, "transactions": tasks * 3,
                "failed": failed,
                "errors": {"OperationFailure (InternalError)": failed} if failed else {}}

    return {"extra_info": {"kind": "sweep", "tasks": tasks, "mode": "full", "impls": {
        "motorx": figures(105.0), "pymongo": figures(100.0), "motor": figures(150.0, motor_failed)}}}


def _full_run() -> dict[str, Any]:
    data = _e2e_run("3.11.7")
    no_io = {"motorx": _per_op([6.0] * 3), "motorx-layer": _per_op([2.0] * 3), "pymongo": _per_op([2.5] * 3),
             "motor": _per_op([90.0] * 3)}
    data["benchmarks"] += [
        {"extra_info": {"path": path, "impls": no_io}}
        for path in ("session-start-end", "empty-transaction", "with-transaction-noop")
    ]
    lanes = {"motorx-uvloop": 80.0, "pymongo-uvloop": 85.0, "pymongo": 100.0}
    data["benchmarks"].append({"extra_info": {"kind": "e2e", "case": "uvloop-txn-c16", "impls": {
        lane: {"cpu_us": cpu, "round_cpu_us": [cpu] * 3, "throughput": 1.0} for lane, cpu in lanes.items()}}})
    data["benchmarks"] += [_sweep(1, 0), _sweep(1000, 190), _sweep(5000, 3992)]
    return data


def test_uvloop_target_holds_motorx_on_uvloop_against_pymongo_on_the_default_loop(report: Any) -> None:
    rows = [r for r in report.rows(_full_run()) if r.section == report.UVLOOP_SECTION]
    target = rows[0]
    assert target.values == {"motorx": 80.0, "pymongo": 100.0}
    assert target.targets["pymongo"].limit == 0.85 and target.verdict("pymongo") == "met"
    assert rows[1].values == {"motorx": 80.0, "pymongo": 85.0} and not rows[1].targets


def test_sweep_reports_a_failing_driver_with_what_it_failed_with(report: Any) -> None:
    rows = [r for r in report.rows(_full_run()) if r.section == report.SWEEP_SECTION]
    errors = {r.title: r for r in rows if r.title.startswith("errors")}
    assert errors["errors: 1 task"].values["motor"] == "none"
    assert errors["errors: 1,000 tasks"].values["motor"] == (
        "190 of 3000 failed: OperationFailure (InternalError) 190")
    cpu = {r.title: r for r in rows if r.title.startswith("client CPU")}
    assert list(cpu) == ["client CPU: 1 task", "client CPU: 1,000 tasks", "client CPU: 5,000 tasks"]
    assert cpu["client CPU: 1,000 tasks"].failing == frozenset({"motor"})
    assert report._fmt(cpu["client CPU: 1,000 tasks"], "motor") == "150 *"
    # The flat-at-scale target is at 5,000 tasks only.
    assert [t for t, r in cpu.items() if r.targets] == ["client CPU: 5,000 tasks"]


def test_p99_comes_from_enough_samples_or_says_it_is_the_slowest(report: Any) -> None:
    impls = {k: {"p50_ms": 1.0, "p99_ms": 9.0, "samples": n} for k, n in (("motorx", 84), ("pymongo", 84))}
    p50, p99 = report._latency_rows("s", "cursor", impls, report.MAIN_COLUMNS)
    assert p99.label() == "cursor: slowest latency (ms, of 84: too few for a p99)"
    impls = {k: {"p50_ms": 1.0, "p99_ms": 9.0, "samples": 420} for k in ("motorx", "pymongo")}
    assert report._latency_rows("s", "cursor", impls, report.MAIN_COLUMNS)[1].label() == (
        "cursor: p99 latency (ms, 420 samples)")


def test_quick_mode_says_how_far_its_ratios_swing(report: Any) -> None:
    data = _e2e_run("3.11.7")
    for bench in data["benchmarks"]:
        bench["extra_info"]["mode"] = "quick"
        bench["extra_info"]["impls"]["motorx"]["round_cpu_us"] = [95.0, 106.0, 117.0]
    note = report.noise_note(data, report.rows(data))
    assert note is not None and "±5 %" in note and "within noise" in note
    assert note in report.markdown(data) and note in report.render(data)
    assert report.noise_note(_e2e_run("3.11.7"), report.rows(_e2e_run("3.11.7"))) is None  # full mode


@pytest.mark.parametrize(
    ("python_version", "target", "verdict"),
    [("3.11.7", 1.08, "met"), ("3.12.1", 1.05, "MISSED"), ("3.13.0", 1.05, "MISSED"), (None, 1.05, "MISSED")],
)
def test_client_cpu_target_follows_the_runs_python(
    report: Any, python_version: Any, target: float, verdict: str
) -> None:
    # Eager tasks (3.12+) make the started Future cheaper: the stricter target there
    # (and for a run whose Python is unknown).
    data = _e2e_run(python_version)
    cpu = {r.title: r for r in report.rows(data) if r.title.endswith(": client CPU")}
    titles = ("txn, 1 task", "txn, 16 tasks", "txn, 128 tasks", "tornado txn, 16 tasks",
              "find_one, 1 task", "find_one, 16 tasks", "find_one, 128 tasks")
    for title in titles:
        row = cpu["%s: client CPU" % title]
        assert row.targets["pymongo"].limit == target and row.verdict("pymongo") == verdict, title
    # The other targets stay: Motor's for transactions only, none for the cursor read.
    assert cpu["txn, 16 tasks: client CPU"].targets["motor"].limit == 0.50
    assert "motor" not in cpu["find_one, 1 task: client CPU"].targets
    assert not cpu["cursor read, 1,000 docs: client CPU"].targets
    # The report says which target applied, and why, once.
    note = report.cpu_target_note(data)
    assert ("≤ %.2f here" % target) in note and "eager" in note
    assert report.markdown(data).count(note) == 1
    assert sum(note in line for line in report.render(data)) == 1


def _main_and_eager_runs(tmp_path: Any, eager_python: str) -> tuple[Any, Any]:
    """Two --benchmark-json files: the main run on 3.11 and the end-to-end cases on ``eager_python``."""
    main, eager = tmp_path / "main.json", tmp_path / "eager.json"
    main.write_text(json.dumps(_e2e_run("3.11.7")))
    eager.write_text(json.dumps(_e2e_run(eager_python)))
    return main, eager


def test_the_run_on_a_python_with_eager_tasks_is_held_to_the_eager_target(
    report: Any, tmp_path: Any
) -> None:
    # scripts/bench --full runs the call model's cases again on 3.12+; the
    # report records that run in the main JSON and holds it to 1.05.
    main, eager = _main_and_eager_runs(tmp_path, "3.13.0")
    markdown = tmp_path / "out.md"
    assert report.main([str(main), "--eager", str(eager), "--compact", "--markdown", str(markdown)]) == 0
    data = json.loads(main.read_text())
    assert data[report.EAGER_RUN]["machine_info"]["python_version"] == "3.13.0"
    section = "End to end on Python 3.13 (eager tasks): client CPU, the call model's cases"
    eager_rows = [r for r in report.rows(data) if r.section == section]
    # The seven rows with the call model's target, each against PyMongo Async only.
    assert [r.title for r in eager_rows] == [
        "%s: client CPU" % t for t in ("txn, 1 task", "txn, 16 tasks", "txn, 128 tasks",
                                       "tornado txn, 16 tasks", "find_one, 1 task",
                                       "find_one, 16 tasks", "find_one, 128 tasks")]
    for row in eager_rows:
        assert list(row.targets) == ["pymongo"] and row.targets["pymongo"].limit == 1.05
        assert row.verdict("pymongo") == "MISSED"  # 1.06 > 1.05; the same figures meet 1.08 above
    main_rows = [r for r in report.rows(data) if r.section == report.E2E_SECTION and r.targets]
    assert all(r.verdict("pymongo") == "met" for r in main_rows)
    names = [report.target_name(v) for v in report.verdicts(data)]
    assert "end to end on Python 3.13 (eager tasks), txn, 1 task: client CPU: motorx / PyMongo Async ≤ 1.05" in names
    assert "**%s**" % section in markdown.read_text()


def test_an_eager_run_on_a_python_without_eager_tasks_is_refused(
    report: Any, tmp_path: Any, capsys: Any
) -> None:
    main, eager = _main_and_eager_runs(tmp_path, "3.11.7")
    assert report.main([str(main), "--eager", str(eager)]) == 2
    assert "has no eager tasks" in capsys.readouterr().err


def test_call_model_rows_give_the_cost_per_call_awaited_at_once_and_kept(report: Any) -> None:
    data = {
        "machine_info": {"python_version": "3.11.7"},
        "benchmarks": [
            {
                "extra_info": {
                    "path": "call-model",
                    "impls": {
                        "motorx": _per_op([1.0, 1.2, 1.4]),
                        "motorx-future": _per_op([3.0, 3.5, 5.0]),
                        "pymongo": _per_op([0.5, 1.0, 1.5]),
                        "motor": _per_op([100.0, 100.0, 100.0]),
                    },
                }
            }
        ],
    }
    shapes, at_once, kept = report.rows(data)
    assert shapes.values == {"motorx": pytest.approx(1.2), "pymongo": pytest.approx(1.0),
                             "motor": pytest.approx(100.0)}
    assert not shapes.targets and not shapes.chart
    # The median of the per-round differences, not the difference of the medians:
    # (0.5, 0.2, -0.1) awaited at once, (2.5, 2.5, 3.5) for the kept Future.
    assert at_once.values == {"motorx": pytest.approx(0.2)} and "awaited at once" in at_once.title
    assert kept.values == {"motorx": pytest.approx(2.5)} and "kept, then awaited" in kept.title
    for row in (at_once, kept):
        assert "Python 3.11 (no eager tasks)" in row.title
        assert row.ratio("pymongo") is None and row.verdict("pymongo") is None


@pytest.mark.parametrize(
    ("server", "said", "unsaid"),
    [
        ("embedded, no full GC", "without full garbage collections", "default garbage collection"),
        ("MONGODB_URI", "$MONGODB_URI", "garbage collection"),
        (None, "default garbage collection", "without full garbage collections"),  # a run before the setting
    ],
)
def test_how_names_the_server_the_run_used(report: Any, server: Any, said: str, unsaid: str) -> None:
    data = _e2e_run("3.11.7")
    if server is not None:
        data["machine_info"]["bench_server"] = server
    text = report.how(data)
    assert said in text and unsaid not in text


def _memory_run(motorx_bytes: float, pymongo_bytes: float) -> dict[str, Any]:
    return {
        "machine_info": {"python_version": "3.11.7"},
        "benchmarks": [{"extra_info": {
            "kind": "memory", "case": "open-session", "sessions": 2000, "mode": "full",
            "impls": {"motorx": {"bytes": motorx_bytes}, "pymongo": {"bytes": pymongo_bytes},
                      "motor": {"bytes": 540.0}},
        }}],
    }


@pytest.mark.parametrize(("motorx_bytes", "verdict", "shown"), [(556.0, "met", "+100 B"), (557.0, "MISSED", "+101 B")])
def test_session_memory_target_is_on_the_bytes_above_pymongo(
    report: Any, motorx_bytes: float, verdict: str, shown: str
) -> None:
    data = _memory_run(motorx_bytes, 456.0)
    (row,) = report.memory_rows(data)
    # A bound on the difference, not on the ratio (which is 1.22 here).
    (found,) = report.verdicts(data, [row])
    assert found.verdict == verdict
    assert report.measured_text(found) == shown
    assert report.target_name(found).endswith("motorx - PyMongo Async ≤ 100 B")
    text = "\n".join(report.render(data))
    assert shown in text and "2,000 sessions" in text
    assert shown in report.markdown(data)
