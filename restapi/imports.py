# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Import runs (models/fsm_api_import_run.py) through the API: start one, read it, close it with the
importer's report, roll it back. The run's journal is written by the models whenever a request carries
``X-Import-Run``; nothing here writes it."""

from .parsing import ApiError
from .service import api_errors

STATES = ("done", "failed")
MAX_TEXT = 255
MAX_REPORT_BYTES = 1024 * 1024


def _runs(env):
    return env["fsm.api.import.run"]


def start(env, body):
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(set(body) - {"source", "name"})
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.", {"fields": unknown})
    for key in ("source", "name"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
            raise ApiError(422, "invalid_value", f"{key} must be a string of at most {MAX_TEXT} characters.")
    with api_errors():
        run = _runs(env).create({"source": body.get("source"), "label": body.get("name")})
    return run._fsj_api_data()


def find(env, run_uuid, writing=False):
    with api_errors():
        return _runs(env)._fsj_find(run_uuid, writing=writing)


def read(env, run_uuid):
    return find(env, run_uuid)._fsj_api_data()


def recent(env, limit=50):
    return [run._fsj_api_data() for run in _runs(env).search([], limit=limit)]


def close(env, run_uuid, body):
    """PATCH: the run's final state and the importer's report."""
    run = find(env, run_uuid, writing=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(set(body) - {"state", "report", "name"})
    if unknown:
        raise ApiError(400, "unknown_field", f"Unknown field(s): {', '.join(unknown)}.", {"fields": unknown})
    values = {}
    if "state" in body:
        if body["state"] not in STATES:
            raise ApiError(422, "invalid_value", f"state must be one of {', '.join(STATES)}.", {"field": "state"})
        values["state"] = body["state"]
    if "report" in body:
        if not isinstance(body["report"], dict):
            raise ApiError(422, "invalid_value", "report must be a JSON object.", {"field": "report"})
        values["report"] = body["report"]
    if "name" in body:
        if body["name"] is not None and (not isinstance(body["name"], str) or len(body["name"]) > MAX_TEXT):
            raise ApiError(422, "invalid_value", f"name must be a string of at most {MAX_TEXT} characters.")
        values["label"] = body["name"]
    with api_errors():
        run.write(values)
    return run._fsj_api_data()


def rollback(env, run_uuid):
    """(finished, the run): a big run is undone in steps; until the last, the answer is 202 and
    the server goes on by itself (GET the run, or POST again to help)."""
    run = find(env, run_uuid)
    with api_errors():
        finished = run.action_rollback()
    return finished, run._fsj_api_data()
