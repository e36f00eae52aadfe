"""The embedded server (SecantusDB) for the benchmarks: ``secantusd-py`` with no full collections.

A benchmark setting, not a product one (motorx never runs this).  SecantusDB
is a Python process: with Python's default thresholds it ran full (oldest
generation) collections of 350-400 ms during the benchmarks, each starting
inside one read, and those were exactly the slow reads a driver's p99 then
showed.  This launcher freezes what importing the server created (it is
never scanned again) and raises the oldest generation's threshold so no
automatic full collection runs; the young generations are still collected
as usual, so short-lived cycles are freed.  What it leaks is the cyclic
garbage that outlives two young collections, bounded by a run's length.

Run by ``bench/secantusd-bench`` with secantusd-py's own interpreter; the
arguments are secantusd-py's.
"""

import gc
import sys

from secantus.cli import main

# Young generations as Python's defaults (700, 10); the oldest only by hand.
FULL_COLLECTION_NEVER = 2**31 - 1

if __name__ == "__main__":
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, FULL_COLLECTION_NEVER)
    sys.exit(main())
