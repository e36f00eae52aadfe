"""The Transactions and Convenient Transactions API specification tests.

Each case of each Unified Test Format file is one pytest item with the id
``<file>::<description>``.  Transactions cases run on motorx's asyncio
flavour; the convenient API (``with_transaction``) cases run on both flavours.
A case is passed, skipped with the reason its requirements are not met, or
(against SecantusDB only) a strict xfail listed in ``spec_xfails.py`` whose
failure PyMongo's own ``AsyncMongoClient`` reproduces at the same step.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import pymongo
import pytest
from pymongo import MongoClient
from spec_xfails import (
    DEPLOYMENT_NEEDS,
    PYMONGO_GAPS,
    SERVER_DIFFERENCES,
    TIMING_SENSITIVE,
    ServerDifference,
)
from unified_runner import (
    NO_SPEC_DIR_REASON,
    SPEC_SUBDIRS,
    CaseFailure,
    MotorxDriver,
    PyMongoDriver,
    ServerInfo,
    SpecCase,
    SpecDirError,
    check_schema_version,
    find_spec_dir,
    load_cases,
    pymongo_version,
    run_case_sync,
    skip_reason,
    unsupported_in,
)

# Which flavours run which directory (the transactions files on tornado too
# when MOTORX_SPEC_ALL_FLAVOURS=1; they exercise no flavour-specific code).
_TRANSACTIONS_FLAVOURS = (
    ["asyncio", "tornado"] if os.environ.get("MOTORX_SPEC_ALL_FLAVOURS") == "1" else ["asyncio"]
)


def _load() -> tuple[dict[str, list[SpecCase]], Optional[str], Optional[str]]:
    """Cases per directory, or why there are none (skip reason, error)."""
    try:
        spec_dir = find_spec_dir()
        if spec_dir is None:
            return {}, NO_SPEC_DIR_REASON, None
        return {subdir: load_cases(spec_dir, subdir) for subdir in SPEC_SUBDIRS}, None, None
    except (SpecDirError, OSError, ValueError, KeyError) as exc:
        return {}, None, "cannot load the specification tests: %s: %s" % (type(exc).__name__, exc)


CASES, NO_FILES_REASON, LOAD_ERROR = _load()


def _params(subdir: str, flavours: list[str]) -> list[Any]:
    if LOAD_ERROR is not None or NO_FILES_REASON is not None:
        marks = [] if LOAD_ERROR else [pytest.mark.skip(reason=NO_FILES_REASON)]
        return [
            pytest.param(flavour, None, id="%s-no-spec-files" % flavour, marks=marks)
            for flavour in flavours
        ]
    return [
        pytest.param(flavour, case, id="%s-%s" % (flavour, case.case_id))
        for flavour in flavours
        for case in CASES[subdir]
    ]


def _run_with_retries(
    request: pytest.FixtureRequest,
    case: SpecCase,
    driver: Any,
    server: ServerInfo,
    internal: MongoClient[Any],
) -> None:
    """One run; up to three for a TIMING_SENSITIVE case against SecantusDB."""
    attempts = 3 if server.secantus_version and case.key in TIMING_SENSITIVE else 1
    for attempt in range(1, attempts + 1):
        try:
            run_case_sync(case, driver, server, internal)
        except CaseFailure:
            if attempt == attempts:
                raise
            continue
        request.node.user_properties.append(("attempts", attempt))
        return


class WrongFailureStep(Exception):
    """A listed server difference failed somewhere else: a real failure."""


def _run_motorx(
    request: pytest.FixtureRequest,
    flavour: str,
    case: Optional[SpecCase],
    server: ServerInfo,
    internal: MongoClient[Any],
) -> None:
    if case is None:
        pytest.fail(LOAD_ERROR or "no case", pytrace=False)
    reason = skip_reason(case, server)
    if reason:
        pytest.skip(reason)
    difference = SERVER_DIFFERENCES.get(case.key) if server.secantus_version else None
    if difference is None:
        _run_with_retries(request, case, MotorxDriver(flavour), server, internal)
        return
    request.applymarker(
        pytest.mark.xfail(
            strict=True,
            raises=CaseFailure,
            reason="SecantusDB %s differs from mongod at %s: %s (PyMongo fails the same way: "
            "test_pymongo_fails_the_same_way)"
            % (server.secantus_version, difference.step, difference.behaviour),
        )
    )
    try:
        run_case_sync(case, MotorxDriver(flavour), server, internal)
    except CaseFailure as exc:
        if exc.step != difference.step:
            raise WrongFailureStep(
                "listed as failing at %r, but failed at %r: %s" % (difference.step, exc.step, exc)
            ) from exc
        raise


@pytest.mark.parametrize(("flavour", "case"), _params("transactions", _TRANSACTIONS_FLAVOURS))
def test_transactions(
    request: pytest.FixtureRequest,
    flavour: str,
    case: Optional[SpecCase],
    spec_server: ServerInfo,
    spec_internal_client: MongoClient[Any],
) -> None:
    _run_motorx(request, flavour, case, spec_server, spec_internal_client)


@pytest.mark.parametrize(
    ("flavour", "case"), _params("transactions-convenient-api", ["asyncio", "tornado"])
)
def test_convenient_api(
    request: pytest.FixtureRequest,
    flavour: str,
    case: Optional[SpecCase],
    spec_server: ServerInfo,
    spec_internal_client: MongoClient[Any],
) -> None:
    _run_motorx(request, flavour, case, spec_server, spec_internal_client)


# -- the proof behind every xfail ---------------------------------------------------


def _all_cases() -> dict[str, SpecCase]:
    return {case.key: case for cases in CASES.values() for case in cases}


@pytest.mark.parametrize(
    "key", sorted(SERVER_DIFFERENCES) or [pytest.param(None, id="none-listed")]
)
def test_pymongo_fails_the_same_way(
    key: Optional[str], spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    """PyMongo's AsyncMongoClient, against the same server, fails the listed case at the listed step."""
    if key is None:
        pytest.skip("no server differences are listed in spec_xfails.py")
    if not CASES:
        pytest.skip(NO_FILES_REASON or LOAD_ERROR or "no spec files")
    if not spec_server.secantus_version:
        pytest.skip("the listed differences are SecantusDB's; this server is not SecantusDB")
    case = _all_cases().get(key)
    assert case is not None, "spec_xfails.py lists %r, which is no case of the loaded files" % key
    difference: ServerDifference = SERVER_DIFFERENCES[key]
    with pytest.raises(CaseFailure) as info:
        run_case_sync(case, PyMongoDriver(), spec_server, spec_internal_client)
    assert info.value.step == difference.step, "PyMongo failed at %r, not %r: %s" % (
        info.value.step,
        difference.step,
        info.value,
    )


@pytest.mark.parametrize("key", sorted(PYMONGO_GAPS))
def test_pymongo_gap_is_pymongos(
    key: str, spec_server: ServerInfo, spec_internal_client: MongoClient[Any]
) -> None:
    """With a PyMongo older than the fix, PyMongo's AsyncMongoClient fails the case at the listed step."""
    gap = PYMONGO_GAPS[key]
    if pymongo_version() >= gap.passing_since:
        pytest.skip("the installed PyMongo %s passes this case (motorx runs it)" % pymongo.version)
    if not CASES:
        pytest.skip(NO_FILES_REASON or LOAD_ERROR or "no spec files")
    case = _all_cases().get(key)
    assert case is not None, "spec_xfails.py lists %r, which is no case of the loaded files" % key
    with pytest.raises(CaseFailure) as info:
        run_case_sync(case, PyMongoDriver(), spec_server, spec_internal_client)
    assert info.value.step == gap.step, "PyMongo failed at %r, not %r: %s" % (
        info.value.step,
        gap.step,
        info.value,
    )


def test_listed_differences_name_loaded_cases() -> None:
    """A stale entry in spec_xfails.py (renamed or removed case) is an error."""
    if not CASES:
        pytest.skip(NO_FILES_REASON or LOAD_ERROR or "no spec files")
    unknown = sorted(
        (set(SERVER_DIFFERENCES) | set(DEPLOYMENT_NEEDS) | set(PYMONGO_GAPS)) - set(_all_cases())
    )
    assert not unknown, "spec_xfails.py lists unknown cases: %r" % unknown


def test_every_spec_file_is_loaded() -> None:
    """Both directories are there, every file parses and has a supported schemaVersion."""
    if LOAD_ERROR:
        pytest.fail(LOAD_ERROR, pytrace=False)
    if NO_FILES_REASON:
        pytest.skip(NO_FILES_REASON)
    for subdir in SPEC_SUBDIRS:
        files = {case.file_name for case in CASES[subdir]}
        assert files, "no test files in %s/" % subdir
        for case in CASES[subdir]:
            assert check_schema_version(case.file["schemaVersion"]) is None, case.key
        ids = [case.case_id for case in CASES[subdir]]
        assert len(ids) == len(set(ids)), "duplicate <file>::<description> ids in %s/" % subdir


def test_every_construct_in_the_files_is_implemented() -> None:
    """Skipped cases too: every operation, entity, expectError field and event the files use."""
    if LOAD_ERROR:
        pytest.fail(LOAD_ERROR, pytrace=False)
    if NO_FILES_REASON:
        pytest.skip(NO_FILES_REASON)
    problems = {case.key: unsupported_in(case) for case in _all_cases().values()}
    assert not {key: found for key, found in problems.items() if found}
