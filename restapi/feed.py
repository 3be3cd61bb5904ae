# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The change feed: GET /restapi/1.0/changes/<model>?cursor=…&limit=N.

Without a cursor the feed starts from the beginning: every record of the model the key's user sees
(in id order), then the change log from a horizon taken before the first page, so that nothing changed
meanwhile is missed. Log rows are read in commit-safe order (see models/fsm_api_change.py): a cursor
never moves past a change that a still-running transaction may commit. A record changed several times
within one page appears once, as it is now; a record may appear again on a later page (apply changes
in order and keep the last). Deletions are tombstones, kept for the retention period; a cursor older
than that answers 410 ``cursor_expired``."""

import base64
import binascii
import json

from .parsing import MAX_ID, ApiError, is_related_spec, spec_paths
from .service import ModelApi

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TXID = 2**63 - 1


def encode_cursor(position):
    raw = json.dumps(dict(position, v=1), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """The position a cursor names: {"s": last id, "h": horizon} (reading the records) or
    {"t": txid, "i": change id} (reading the log)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if isinstance(position, dict) and position.get("v") == 1:
        keys = {"s", "h"} if "s" in position else {"t", "i"}
        values = [position.get(k) for k in keys]
        if all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_TXID for v in values):
            return {k: position[k] for k in keys}
    raise ApiError(400, "invalid_cursor", "This cursor is not one the feed gave: start again without one.")


def changes(env, exposed, model, cursor, limit, names):
    """One page of the feed, as the API key's user sees it."""
    if is_related_spec(names):  # before any hop is looked at
        raise ApiError(
            400,
            "invalid_fields",
            "The change feed answers the model's own fields: no related fields (dotted names or specifications).",
            {"fields": spec_paths(names)},
        )
    api = ModelApi(env, model, exposed)
    api.resolve(names)  # unknown fields answer 400 on an empty page too
    log = env["fsm.api.change"]
    position = decode_cursor(cursor) if cursor else {"s": 0, "h": log._feed_horizon()[0]}
    records = api.model.with_context(active_test=False)
    # a key that numbers this model's records its own way (JDX stages) sees only those it numbers
    only = [("id", "in", list(api.id_maps[model][0]))] if model in api.id_maps else []
    out = []
    if "s" in position:
        # the records as they are now, in id order; then the log from the horizon
        found = records.search([("id", ">", min(position["s"], MAX_ID)), *only], order="id", limit=limit + 1)
        page = found[:limit]
        out += [{"op": "upsert", "id": row["id"], "record": row} for row in api.render(page, names)]
        if len(found) > limit:
            return _page(out, {"s": page[-1].id, "h": position["h"]}, True)
        position = {"t": position["h"], "i": 0}
    if log._feed_expired((position["t"], position["i"])):
        raise ApiError(
            410,
            "cursor_expired",
            "Changes after this cursor were purged (the feed keeps them for a set number of days): "
            "start again without a cursor.",
        )
    rows = log._feed_rows(model, (position["t"], position["i"]), limit - len(out) + 1, env.companies.ids)
    has_more = len(rows) > limit - len(out)
    rows = rows[: limit - len(out)]
    if rows:
        position = {"t": rows[-1][0], "i": rows[-1][1]}
    last = {}  # id -> its last operation in this page, in the order of those last operations
    for _txid, _id, res_id, operation in rows:
        last.pop(res_id, None)
        last[res_id] = operation
    live = [res_id for res_id, op in last.items() if op != "unlink"]
    visible = records.search([("id", "in", live), *only]) if live else records
    rendered = dict(zip(visible.ids, api.render(visible, names), strict=True)) if visible else {}  # by ORM id
    hidden = set(live) - set(rendered)
    gone = hidden - set(records.sudo().browse(list(hidden)).exists().ids) if hidden else set()
    for res_id, operation in last.items():
        if res_id in rendered:
            out.append({"op": "upsert", "id": rendered[res_id]["id"], "record": rendered[res_id]})
        elif (operation == "unlink" or res_id in gone) and api.api_id(model, res_id) is not None:
            out.append({"op": "delete", "id": api.api_id(model, res_id)})
        # else: a record the user may not see
    return _page(out, position, has_more)


def _page(out, position, has_more):
    return {"changes": out, "cursor": encode_cursor(position), "has_more": has_more}
