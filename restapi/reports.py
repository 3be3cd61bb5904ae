# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's PDF report (contract only: being written)."""

from .parsing import ApiError


def report_model(env, report_name):
    raise ApiError(404, "unknown_report", f"No report '{report_name}' in this API.")


def render(api, record, report_name=None):
    raise ApiError(501, "not_implemented", "Not yet.")
