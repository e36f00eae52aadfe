"""Motor's ``motor.frameworks.asyncio.max_workers``, for code that reads it.

Motor ran each operation on a thread pool of this size (``MOTOR_MAX_WORKERS``,
else five per CPU), and code sized its concurrency by it (Motor's own tests
open that many change streams at once).  motorx runs on PyMongo's native
asyncio I/O with no thread pool, so the number limits nothing here; it is
kept, computed as Motor did, so such code runs unchanged.
"""

import multiprocessing
import os

max_workers = int(os.environ["MOTOR_MAX_WORKERS"]) if "MOTOR_MAX_WORKERS" in os.environ else (
    multiprocessing.cpu_count() * 5
)
