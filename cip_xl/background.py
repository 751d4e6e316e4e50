"""Work started on another thread while this one carries on.

Parsing with python-calamine and deflating with zlib release Python's lock, so on a
machine with two cores they can run beside Python work (see :mod:`cip_xl.fastbook`
and :mod:`cip_xl.xlsx_patch`). Where no thread can be started — a process at its
limit — the work is simply done in the caller's thread: slower, never an error.
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def start(function: Callable[..., T], *args: object) -> Callable[[], T]:
    """Start ``function(*args)`` on a worker thread; return a callable that waits for
    it and gives its result, or raises what it raised."""
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = function(*args)
        except BaseException as exc:  # handed to whoever asks for the result
            outcome["error"] = exc

    thread: threading.Thread | None = threading.Thread(target=work, daemon=True)
    try:
        thread.start()
    except RuntimeError:  # "can't start new thread": do the work here instead
        thread = None
        work()

    def result() -> T:
        if thread is not None:
            thread.join()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["result"]  # type: ignore[return-value]

    return result
