"""The one list of spec cases that fail because the embedded server is not mongod.

Each entry is keyed ``<directory>/<file>::<description>`` and names the step
at which the case fails and the server behaviour responsible.  An entry
applies only against SecantusDB (``buildInfo.secantusVersion``); against a
real mongod the case must pass.  For every entry
``test_unified.py::test_pymongo_fails_the_same_way`` runs the case through
PyMongo's own ``AsyncMongoClient`` and requires it to fail at the same step:
that is the proof that the difference is the server's, not motorx's.

Never list a case here because motorx lacks a feature.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ServerDifference:
    step: str  # CaseFailure.step, e.g. "operations[2] commitTransaction"
    behaviour: str  # what SecantusDB does differently from mongod


SERVER_DIFFERENCES: dict[str, ServerDifference] = {}
