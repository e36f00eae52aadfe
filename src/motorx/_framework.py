"""The per-framework differences between the asyncio and tornado flavours.

Both flavours run the same asyncio-native code (tornado >= 5 runs on
asyncio); what differs is which event-loop object ``io_loop=`` accepts and
what ``get_io_loop()`` returns.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any, ClassVar


class AsyncioFramework:
    name = "asyncio"

    @staticmethod
    def platform() -> str:
        """What the handshake's platform says about the framework, as in Motor."""
        return "asyncio"

    @staticmethod
    def check_event_loop(loop: Any) -> None:
        if not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(
                "io_loop must be instance of asyncio-compatible event loop, not %r" % loop
            )

    @staticmethod
    def get_event_loop() -> Any:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            # Outside a running loop, as Motor: the policy's loop (deprecated API).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return asyncio.get_event_loop_policy().get_event_loop()


class TornadoFramework:
    name = "tornado"

    @staticmethod
    def platform() -> str:
        import tornado

        return "Tornado %s" % tornado.version

    @staticmethod
    def check_event_loop(loop: Any) -> None:
        from tornado.ioloop import IOLoop

        if not isinstance(loop, IOLoop):
            raise TypeError("io_loop must be instance of IOLoop, not %r" % loop)

    @staticmethod
    def get_event_loop() -> Any:
        from tornado.ioloop import IOLoop

        return IOLoop.current()


class OnEventLoop:
    """``io_loop`` and ``get_io_loop()`` for the client and ``ClientEncryption``.

    Each takes Motor's ``io_loop=`` argument and keeps it with
    :meth:`_use_event_loop`.  Without one, the flavour's current loop is the
    answer each time it is asked (as in Motor).
    """

    _framework: ClassVar[Any] = AsyncioFramework
    _io_loop: Any = None  # none given

    def _use_event_loop(self, io_loop: Any) -> None:
        """Keep ``io_loop``, checked to be this flavour's kind of event loop (TypeError if not)."""
        self._framework.check_event_loop(io_loop)
        self._io_loop = io_loop

    @property
    def io_loop(self) -> Any:
        if self._io_loop is None:
            return self._framework.get_event_loop()
        return self._io_loop

    def get_io_loop(self) -> Any:
        return self.io_loop
