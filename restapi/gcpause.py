# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Python's cyclic garbage collector paused while a batch is written (pure: no Odoo import).

A batch of a thousand records allocates millions of objects that live until the request ends (the
ORM's cache, the records' values, their creation messages and followers). Each time enough of them
survive, Python runs a full collection, which walks every object of the worker, the whole registry
included: several per batch, a sixth of a batch create of 1,000 jobs (bench/profile_batch.py, and
bench/run_bench.py's batch measure; the longer a worker has run, the larger its heap and the dearer
each full collection). Objects are still freed by their reference counts meanwhile; only cycles
wait, at most one batch's worth (MAX_BATCH records), and are collected as usual once the pause ends.

The pause is process-wide (the collector has no other switch): in a threaded server, other threads
run without collections for as long as a batch is written (about a second), which costs them
nothing but that batch's wait for its cycles. Nested and concurrent pauses are counted: the
collector resumes when the last one ends, and only if it ran before the first began."""

import contextlib
import gc
import threading

MIN_BATCH = 50  # smaller batches allocate too little for a full collection to matter

_lock = threading.Lock()
_state = {"holders": 0, "resume": False}


@contextlib.contextmanager
def paused(size):
    """Pause automatic collections while the block writes a batch of ``size`` records (when
    ``size`` is at least MIN_BATCH; a smaller one runs as it is)."""
    if size < MIN_BATCH:
        yield
        return
    with _lock:
        if not _state["holders"]:
            _state["resume"] = gc.isenabled()
            gc.disable()
        _state["holders"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["holders"] -= 1
            if not _state["holders"] and _state["resume"]:
                gc.enable()
