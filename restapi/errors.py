# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One table from an exception to the API's answer: (status, code, message, details). The controller
renders it; nothing here knows HTTP.

The ORM's own words are kept only where they are meant for users (constraints, workflow): access
errors and low-level errors would name other models, records, groups or columns, so their answer says
what happened in the API's terms."""

import logging

import psycopg2.errors

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError

from ..exceptions import FsjApiError
from .parsing import ApiError

_logger = logging.getLogger(__name__)

# the unique index of external references (models/fsj_external_ref_mixin.py, UNIQUE_INDEX_SUFFIX)
EXTERNAL_REF_INDEX_SUFFIX = "_fsj_external_ref_uniq"


def _text(exc):
    return str(exc.args[0] if exc.args else exc)


def is_external_ref_race(exc):
    """A unique violation of an external reference: another transaction inserted the same one."""
    return isinstance(exc, psycopg2.errors.UniqueViolation) and str(exc.diag.constraint_name or "").endswith(
        EXTERNAL_REF_INDEX_SUFFIX
    )


def error_status_body(exc, own_table=None, request_id=None):
    """The API's error for ``exc``: (status, {"error": {...}}), or None for an unexpected error
    (the caller logs it and answers 500). ``own_table`` is the table of the request's model:
    database details of other tables are not echoed."""
    found = _classify(exc, own_table, request_id)
    if found is None:
        return None
    status, code, message, details = found
    index = getattr(exc, "fsj_index", None)
    if index is not None:  # a batch: name the record that failed
        details = dict(details, index=index)
        message = f"Record {index}: {message}"
    return status, {"error": {"status": status, "code": code, "message": message, "details": details}}


def _classify(exc, own_table, request_id):
    if isinstance(exc, ApiError | FsjApiError):
        return exc.status, exc.code, exc.message if isinstance(exc, ApiError) else _text(exc), exc.details
    if isinstance(exc, AccessDenied | AccessError):
        return (
            403,
            "access_denied",
            "The API key's user may not do this (access rights, record rules or companies).",
            {},
        )
    if isinstance(exc, MissingError):
        return 404, "not_found", "A record of this request does not exist (any more).", {}
    if isinstance(exc, ValidationError):
        return 422, "validation_error", _text(exc), {}
    if isinstance(exc, UserError):
        return 409, "workflow_conflict", _text(exc), {}
    own = own_table is not None and getattr(getattr(exc, "diag", None), "table_name", None) == own_table
    if isinstance(exc, psycopg2.errors.NotNullViolation):
        if not own:
            return 422, "missing_field", "A related record misses a required value.", {}
        column = exc.diag.column_name
        return 422, "missing_field", f"Field '{column}' is required.", {"field": column}
    if is_external_ref_race(exc):
        return 409, "duplicate_external_ref", "Another record of this company has this external_ref.", {}
    if isinstance(exc, psycopg2.IntegrityError):
        details = {"constraint": exc.diag.constraint_name} if own else {}
        return 422, "constraint_violation", "The values break a database constraint.", details
    if isinstance(exc, psycopg2.DataError):
        # a value PostgreSQL cannot take (e.g. an integer out of range in a domain)
        return 400, "invalid_value", "A value is out of range or malformed for its field.", {}
    if isinstance(exc, ValueError):
        # the ORM's word on a domain or an order it cannot use: its text names ORM internals
        _logger.info("REST API: ORM refused the request (request %s): %s", request_id, exc)
        return 400, "invalid_request", "The ORM cannot run this request: check its fields, domain and values.", {}
    return None
