"""Unit tests of restapi/gcpause.py (the collector paused while a batch is written), without Odoo."""

import gc
import importlib
import pathlib
import sys
import threading
import types

import pytest

_RESTAPI = pathlib.Path(__file__).resolve().parents[2] / "restapi"
_PACKAGE = types.ModuleType("fsj_restapi")
_PACKAGE.__path__ = [str(_RESTAPI)]
sys.modules.setdefault("fsj_restapi", _PACKAGE)
gcpause = importlib.import_module("fsj_restapi.gcpause")

BIG = gcpause.MIN_BATCH


@pytest.fixture(autouse=True)
def _collector_on():
    gc.enable()
    yield
    gc.enable()
    assert gcpause._state["holders"] == 0


def test_a_batch_runs_without_automatic_collections_and_they_resume_after():
    with gcpause.paused(BIG):
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_batch_changes_nothing():
    with gcpause.paused(BIG - 1):
        assert gc.isenabled()
    gc.disable()
    with gcpause.paused(BIG - 1):
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_collector_resumes_after_an_error():
    with pytest.raises(ValueError), gcpause.paused(BIG):
        raise ValueError("a refused item")
    assert gc.isenabled()


def test_a_collector_off_before_stays_off():
    gc.disable()
    with gcpause.paused(BIG):
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_pauses_resume_at_the_outermost_end():
    with gcpause.paused(BIG):
        with gcpause.paused(BIG):
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner end resumed collections while the outer batch runs"
    assert gc.isenabled()


def test_concurrent_pauses_resume_when_the_last_one_ends():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with gcpause.paused(BIG):
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with gcpause.paused(BIG):
            second_in.set()
            first_out.wait(5)
            seen["during"] = gc.isenabled()
        seen["after"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"during": False, "after": True}


def test_cycles_made_during_a_pause_are_collected_after_it():
    class Node:
        pass

    with gcpause.paused(BIG):
        node = Node()
        node.self = node
        ref = __import__("weakref").ref(node)
        del node
        assert ref() is not None  # a cycle: only the collector frees it
    gc.collect()
    assert ref() is None
