"""The per-framework differences between the asyncio and tornado flavours.

Both flavours run the same asyncio-native code (tornado >= 5 runs on
asyncio); what differs is which event-loop object ``io_loop=`` accepts and
what ``get_io_loop()`` returns.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any


class AsyncioFramework:
    name = "asyncio"

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
    def check_event_loop(loop: Any) -> None:
        from tornado.ioloop import IOLoop

        if not isinstance(loop, IOLoop):
            raise TypeError("io_loop must be instance of IOLoop, not %r" % loop)

    @staticmethod
    def get_event_loop() -> Any:
        from tornado.ioloop import IOLoop

        return IOLoop.current()
