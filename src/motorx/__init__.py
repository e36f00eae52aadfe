"""motorx: Motor's public API on PyMongo's native asyncio driver.

Use :mod:`motorx.motor_asyncio` (``AsyncIOMotorClient``) or
:mod:`motorx.motor_tornado` (``MotorClient``), exactly as with Motor.
"""

from motorx._version import __version__, version_tuple

__all__ = ["__version__", "version_tuple"]
