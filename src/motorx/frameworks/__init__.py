"""Motor's ``motor.frameworks`` package, for code that reads its settings.

motorx has no framework adapters to plug in (both flavours run on asyncio,
see :mod:`motorx._framework`); the one setting Motor code reads is here.
"""
