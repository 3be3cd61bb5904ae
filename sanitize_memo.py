# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One sanitization per HTML value in a create, where Odoo 18 runs several.

Odoo 18 sanitizes an HTML value of ``create`` up to three times: ``BaseModel._create`` converts it
for the INSERT (``convert_to_column_insert``) and again for the new record's cache
(``convert_to_cache``), and a model with precomputed fields first puts it in a new record's cache
(``_add_precomputed_values``). Each is a ``html_sanitize``: an lxml parse, a clean, a serialization.
A batch of 1,000 jobs sanitized 3,000 descriptions, and, through the chatter's creation messages
(one ``mail.message`` per job, all with the same body), 2,000 times one body: a quarter of a REST
batch create's time (py-spy on the worker; bench/profile_batch.py in process). Odoo's engineers
proposed to drop the cache conversion (odoo/odoo#220072, #223875, "[PERF] models: Do not cache
HTML fields on record creation"); Odoo 18.0-20250702 has no such change.

``html_sanitize`` is a pure function of its source and options (its result is an immutable
``Markup``), so remembering its results while a ``create`` runs changes no value that Odoo stores,
caches or returns: ``models/base.py`` opens the memo around ``create`` (every model's, when this
addon is installed in the database), the memo lives in the thread (or greenlet) for that call only,
holds at most ``MEMO_SIZE`` values and is dropped when the outermost ``create`` returns.

Odoo's ``Html`` field calls ``odoo.fields.html_sanitize`` (a module global) and offers no hook, so
the memo is a wrapper of that global, installed once when the addon is imported (as ``faults.py``
wraps two ``Request`` methods). Outside a memo the wrapper calls Odoo's function as before; so does
a database without this addon, whose creates never open a memo. A test that patches
``odoo.fields.html_sanitize`` replaces the wrapper for its duration, as before.
"""

import contextlib
import threading

from odoo import fields

MEMO_SIZE = 10000  # values remembered by one create: past that, the others are sanitized as before

_state = threading.local()
_MISSING = object()


def _memo_sanitize(src, *args, **options):
    memo = getattr(_state, "memo", None)
    if memo is None or args or not isinstance(src, str):
        return _memo_sanitize.odoo_sanitize(src, *args, **options)
    key = (src, *sorted(options.items()))
    try:
        value = memo.get(key, _MISSING)
    except TypeError:  # an option that is not hashable: nothing to remember
        return _memo_sanitize.odoo_sanitize(src, **options)
    if value is _MISSING:
        value = _memo_sanitize.odoo_sanitize(src, **options)
        if len(memo) < MEMO_SIZE:
            memo[key] = value
    return value


@contextlib.contextmanager
def sanitize_memo():
    """Remember the HTML sanitized by the code inside (one ``create``); a nested memo joins the
    outer one."""
    if getattr(_state, "memo", None) is not None:
        yield
        return
    _state.memo = {}
    try:
        yield
    finally:
        _state.memo = None


def install():
    if getattr(fields.html_sanitize, "fsj_memo", False):
        return
    _memo_sanitize.odoo_sanitize = fields.html_sanitize
    _memo_sanitize.fsj_memo = True
    fields.html_sanitize = _memo_sanitize


install()
