"""Build of the one compiled extension, ``motorx._txcore`` from ``src/_txcore.pyx``.

Cython directives are set here, once.  Line tracing (for coverage of the
core) is compiled in only when MOTORX_CYTHON_TRACE=1 is set at build time;
release builds never have it.
"""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup

TRACE = os.environ.get("MOTORX_CYTHON_TRACE") == "1"

directives = {
    "language_level": "3",
    "embedsignature": True,
    # The core's objects are per-session state: never pickled, no doctest dict.
    "auto_pickle": False,
    "autotestdict": False,
    # Free-threaded CPython (3.14t) keeps the GIL off when importing the core.
    # A SessionCore is per-session state used from the one event-loop thread
    # that owns the session (PyMongo's sessions are not thread-safe either),
    # and its only module state that changes is the retry policy tests replace.
    "freethreading_compatible": True,
}
macros = []
if TRACE:
    directives["linetrace"] = True
    macros = [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]

extensions = [
    Extension("motorx._txcore", ["src/_txcore.pyx"], define_macros=macros),
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
