# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Exceptions the models raise when the REST API needs an exact answer from them (a leaf module:
models/ raise them, restapi/errors.py maps them, and neither imports the other)."""

from odoo.exceptions import UserError


class FsjApiError(UserError):
    """A refusal with the REST API's status, code and details (e.g. an unknown job type code: 422
    ``invalid_value``). A UserError, so Odoo's own callers still see a plain message."""

    def __init__(self, message, status=422, code="invalid_value", details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.details = dict(details) if details else {}
