# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's signature (contract only: being written)."""

from .parsing import ApiError

MAX_BODY_BYTES = 4 * 1024 * 1024


def read(api, record):
    raise ApiError(501, "not_implemented", "Not yet.")


def write(api, record, httprequest):
    raise ApiError(501, "not_implemented", "Not yet.")
