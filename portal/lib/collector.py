"""CPython's cyclic garbage collector held off during bulk work that allocates much and frees it by reference count.

Parsing and interpreting a fleet's upload allocates hundreds of thousands of small lists and dicts that live until
the work is done. Each allocation burst triggers collections, and every few of them a full pass over the whole
process heap (the loaded Django app and everything else alive). Measured with bench/ingest.py (1000 devices),
those passes were a third of a first read's processor time and two fifths of a steady round's. What this work
allocates is freed by reference counting as it goes, so the collector is paused for its duration and resumed after;
any reference cycle it left is found by the next collection.

Process-wide, as the collector is: nested or concurrent pauses (threads of one process) are counted, and the
collector is resumed when the last one ends, and only if it was running when the first began.
"""

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_lock = threading.Lock()
_state = {"depth": 0, "was_enabled": False}
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    with _lock:
        if _state["depth"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["was_enabled"]:
                gc.enable()


def without_collector(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` runs with the collector paused (collector_paused)."""

    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with collector_paused():
            return fn(*args, **kwargs)

    return paused
