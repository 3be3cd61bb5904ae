# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""pytest plugin for Odoo tests (this addon's tests/ and OCA's suites) under pytest-odoo:

    PYTHONPATH=<this repository>/pytests python -m pytest -p pytest_fsj_odoo --odoo-database=DB \\
        --odoo-addons-path=... --odoo-http <addons folder>/fieldservice_jobs/tests

(see README, "Running the tests"; ./run-tests does it). It makes pytest run what odoo-bin would:

- the test thread names its database, as odoo-bin's does (ir.http's routing map asks it);
- the tests Odoo's loader would pick (odoo.tests.loader.get_module_test_cases): classes defined in the
  test module itself, methods defined in the class itself (not inherited, unless the class says
  ``allow_inherited_tests_method``), in the ``standard`` tag; the others are deselected.

A plugin rather than a conftest.py in tests/: pytest imports a test folder's conftest.py before
pytest-odoo has set Odoo's addons path up, and importing it as part of the addon fails then.

FSJ_TEST_ORDER=reverse runs the tests backwards: no test may depend on another one's leftovers.

The log starts with Odoo's ERROR "Importing test framework ... when not running in test mode":
pytest-odoo imports odoo.tests before any test runs, and must not turn test mode on for the registry
it loads (Odoo would run every at_install test of every module then). It is harmless."""

import os
import threading

import pytest


@pytest.fixture(scope="session", autouse=True)
def _odoo_thread_dbname(load_registry):
    from odoo.tests.common import get_db_name

    thread = threading.current_thread()
    had = hasattr(thread, "dbname")
    thread.dbname = get_db_name()
    yield
    if not had:
        del thread.dbname


def _odoo_would_run(item):
    cls = getattr(item, "cls", None)
    if cls is None or not hasattr(cls, "test_tags"):
        return True  # not an Odoo test case
    if cls.__module__ != item.module.__name__:
        return False
    if item.originalname not in vars(cls) and not getattr(cls, "allow_inherited_tests_method", False):
        return False
    return "standard" in cls.test_tags


def pytest_collection_modifyitems(config, items):
    kept = [item for item in items if _odoo_would_run(item)]
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    if os.environ.get("FSJ_TEST_ORDER") == "reverse":
        kept.reverse()
    items[:] = kept
