# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's files (ir.attachment): list, upload (multipart or raw body), download, delete.
(contract only: being written)"""

from .parsing import ApiError

MAX_FILES = 10


def max_request_bytes(env):
    return 25 * 1024 * 1024 * MAX_FILES


def list_files(api, record):
    raise ApiError(501, "not_implemented", "Not yet.")


def upload(api, record, httprequest):
    raise ApiError(501, "not_implemented", "Not yet.")


def download(api, record, att_id):
    raise ApiError(501, "not_implemented", "Not yet.")


def delete(api, record, att_id):
    raise ApiError(501, "not_implemented", "Not yet.")
