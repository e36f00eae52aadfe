"""motorx: Motor's public API on PyMongo's native asyncio driver.

Use :mod:`motorx.motor_asyncio` (``AsyncIOMotorClient``) or
:mod:`motorx.motor_tornado` (``MotorClient``), exactly as with Motor.  As
Motor's package root does, this one also exports the tornado classes
(``motorx.MotorClient``) when tornado can be imported, and ``version``,
``version_tuple`` and ``get_version_string()`` (motorx's own version).
"""

from motorx._version import __version__, version_tuple

version = __version__


def get_version_string() -> str:
    """motorx's version, as a string (Motor's ``motor.get_version_string()``)."""
    return __version__


__all__ = ["__version__", "get_version_string", "version", "version_tuple"]

try:
    import tornado  # noqa: F401
except ImportError:
    pass
else:
    # As Motor's motor/__init__.py does (for Motor 0.4 compatibility).
    from motorx.motor_tornado import *  # noqa: F403
    from motorx.motor_tornado import __all__ as _tornado_all

    __all__ += _tornado_all
