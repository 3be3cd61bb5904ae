# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Many records of one model in one request, all or nothing: upserts by external reference (one or a
batch), bulk updates and bulk deletes. Built on ModelApi (restapi/service.py): the same conversions,
checks and model hooks as single-record writes; a failing item is named by its index."""

import contextlib
import json

from . import gcpause
from .parsing import MAX_ID, ApiError
from .service import MAX_BATCH, REF_PREFIX, api_errors

RELATIONAL_MANY = ("one2many", "many2many")


def batch(items, what="batch"):
    """A JSON array of 1..MAX_BATCH objects."""
    if not isinstance(items, list):
        raise ApiError(400, "invalid_body", f"The body must be a JSON array for a {what}.")
    if not items:
        raise ApiError(400, "invalid_body", f"The {what} is empty.")
    if len(items) > MAX_BATCH:
        raise ApiError(413, "batch_too_large", f"At most {MAX_BATCH} records in one {what}.")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _indexed(ApiError(400, "invalid_body", "Each item must be a JSON object."), index)
    return items


def _indexed(exc, index):
    """``exc`` naming the batch item it is about (restapi/errors.py adds it to the answer)."""
    if getattr(exc, "fsj_index", None) is None:
        with contextlib.suppress(AttributeError):  # an exception type without a __dict__
            exc.fsj_index = index
    return exc


class _Item:
    """Runs a block for batch item ``index``: any error it raises names the item."""

    def __init__(self, index):
        self.index = index

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is not None:
            _indexed(exc, self.index)
        return False


# -- what an update changes ---------------------------------------------------------------------
def changed_fields(record, values):
    """The ORM field names of ``values`` whose value differs from the record's (x2many commands other
    than a full replacement count as changes)."""
    changed = []
    for fname, value in values.items():
        field = record._fields[fname]
        if field.type in RELATIONAL_MANY:
            ids = _replacement_ids(value)
            if ids is None or set(ids) != set(record[fname].ids):
                changed.append(fname)
            continue
        # html is compared as it would be stored (sanitized): "hello" over "<p>hello</p>" is no change
        new = field.convert_to_record(field.convert_to_cache(value, record, validate=field.type == "html"), record)
        old = record[fname]
        if field.type == "many2one":
            new, old = new.id, old.id
        elif field.type in ("html", "text", "char"):
            new, old = str(new or ""), str(old or "")
        if new != old:
            changed.append(fname)
    return changed


def _replacement_ids(commands):
    if isinstance(commands, list) and len(commands) == 1 and commands[0][0] == 6:
        return list(commands[0][2])
    return None


def _api_names(api, body, orm_names):
    """The API names (as in the answers) of the ORM fields ``orm_names`` written from ``body``."""
    by_orm = {}
    for name in body:
        if name in api.fields:
            by_orm.setdefault(api.fields[name][0], name)
    for name, (orm, _desc) in api.fields.items():
        by_orm.setdefault(orm, name)
    return [by_orm[orm] for orm in orm_names if orm in by_orm]


# -- upserts --------------------------------------------------------------------------------------
def upsert_one(api, ref, body, if_match=None):
    """PUT /object/<model>/ref:<ref>: (201, record) when created, (200, record) when updated."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object of field values.")
    if body.get("external_ref", ref) != ref:
        raise ApiError(
            422,
            "invalid_value",
            f"external_ref {body['external_ref']!r} differs from the reference in the path ({ref!r}).",
            {"field": "external_ref"},
        )
    record = api.find_ref(ref)
    if record:
        record = api.browse(record.id if api.name not in api.id_maps else api.api_id(api.name, record.id))
        api.check_if_match(record, if_match)
        return 200, api.write_record(record, {k: v for k, v in body.items() if k != "external_ref"})
    return 201, api.create_record(dict(body, external_ref=ref))


def upsert_many(api, bodies, names):
    """PUT /object/<model> with a JSON array: each item created or updated by its ``external_ref``,
    all or nothing. The answer's rows say ``result`` (created, updated or unchanged) and, for an
    update, the ``previous`` values of what changed."""
    batch(bodies, "batch upsert")
    refs = []
    seen = {}
    for index, body in enumerate(bodies):
        with _Item(index):
            ref = body.get("external_ref")
            with api_errors():
                api.model._fsj_api_check_ref(ref)
            if ref in seen:
                raise ApiError(
                    422,
                    "duplicate_external_ref",
                    f"external_ref {ref!r} is also item {seen[ref]}'s: one item per reference.",
                    {"field": "external_ref", "ref": ref, "other_index": seen[ref]},
                )
            seen[ref] = index
            refs.append(ref)
    existing = api.find_refs(refs)
    api.prefetch_targets(bodies)
    to_create, to_update = [], []
    for index, (ref, body) in enumerate(zip(refs, bodies, strict=True)):
        with _Item(index):
            if ref in existing:
                values = api.orm_values({k: v for k, v in body.items() if k not in ("external_ref", "etag")}, False)
                to_update.append((index, existing[ref], body, values))
            else:
                to_create.append((index, api.orm_values({k: v for k, v in body.items() if k != "etag"}, True)))
    results = [None] * len(bodies)
    # what the updates change, and the old values, read for all of them at once before writing
    updated = api.model.browse([record.id for _i, record, _b, _v in to_update])
    changes = {index: changed_fields(record, values) for index, record, _body, values in to_update}
    changed_names = {index: _api_names(api, body, changes[index]) for index, _r, body, _v in to_update}
    all_names = list(dict.fromkeys(name for names_ in changed_names.values() for name in names_))
    old_rows = {row["id"]: row for row in api.render(updated, all_names)} if all_names and updated else {}
    with gcpause.paused(len(bodies)):  # the batch's updates and creates
        for index, record, _body, values in to_update:
            with _Item(index):
                if changes[index]:
                    api.check_if_match(record, bodies[index].get("etag"))
                    record._fsj_api_write({f: v for f, v in values.items() if f in changes[index]})
                    old = old_rows.get(api.api_id(api.name, record.id), {})
                    results[index] = (record, "updated", {name: old.get(name) for name in changed_names[index]})
                else:
                    results[index] = (record, "unchanged", None)
        created = api.model.browse()
        if to_create:
            api._check_creatable()
            created = api.model.create([values for _index, values in to_create])
            for (index, _values), record in zip(to_create, created, strict=True):
                results[index] = (record, "created", None)
        api.env.flush_all()
    created_rows = api.render_created(created, names) if created else []
    return _rows(api, results, names, created_rows)


def _rows(api, results, names, created_rows):
    created = iter(created_rows)
    others = api.model.browse([record.id for record, result, _p in results if result != "created"])
    other_rows = iter(api.render(others, names) if others else [])
    rows = []
    for _record, result, previous in results:
        row = dict(next(created) if result == "created" else next(other_rows), result=result)
        if previous is not None:
            row["previous"] = api.previous_values(previous)
        rows.append(row)
    return rows


# -- bulk updates and deletes -------------------------------------------------------------------
def _records(api, items, allow_values):
    """The records the items name by ``id`` or ``ref``, as the user sees them, in one search: a
    missing one is 404 naming its item."""
    batch(items, "bulk update" if allow_values else "bulk delete")
    keys, seen = [], {}
    for index, item in enumerate(items):
        with _Item(index):
            if ("id" in item) == ("ref" in item):
                raise ApiError(400, "invalid_body", 'Each item needs "id" or "ref" (one of them).')
            key = ("ref", item["ref"]) if "ref" in item else ("id", item["id"])
            if key[0] == "id" and (not isinstance(key[1], int) or isinstance(key[1], bool)):
                raise ApiError(400, "invalid_body", f"id must be a whole number, got {key[1]!r}.")
            if key[0] == "ref" and (not isinstance(key[1], str) or not key[1]):
                raise ApiError(400, "invalid_body", f"ref must be a non-empty string, got {key[1]!r}.")
            if key in seen:
                raise ApiError(
                    422,
                    "duplicate_item",
                    f"Item {seen[key]} names the same record: one item per record.",
                    {"other_index": seen[key]},
                )
            seen[key] = index
            if not allow_values and set(item) - {"id", "ref", "etag"}:
                raise ApiError(400, "invalid_body", 'A delete item holds only "id" (or "ref") and "etag".')
            keys.append(key)
    refs = api.find_refs([key[1] for key in keys if key[0] == "ref"]) if any(k[0] == "ref" for k in keys) else {}
    to_orm = api.id_maps[api.name][1] if api.name in api.id_maps else None
    ids = []
    for key in keys:
        if key[0] == "ref":
            ids.append(refs[key[1]].id if key[1] in refs else 0)
        else:
            ids.append(to_orm.get(key[1], 0) if to_orm is not None else key[1])
    wanted = [i for i in ids if 0 < i <= MAX_ID]
    found = api.model.search_fetch([("id", "in", wanted)], ["write_date"]) if wanted else api.model
    by_id = {record.id: record for record in found}
    records = []
    for index, (key, orm_id) in enumerate(zip(keys, ids, strict=True)):
        if orm_id not in by_id:
            what = f"external_ref {key[1]!r}" if key[0] == "ref" else str(key[1])
            raise _indexed(ApiError(404, "not_found", f"No {api.name} record {what}."), index)
        records.append(by_id[orm_id])
    return records


def write_many(api, items):
    """PATCH /object/<model> with [{"id": …, "etag": …, field: value, …}, …]: all or nothing."""
    records = _records(api, items, allow_values=True)
    bodies = [{k: v for k, v in item.items() if k not in ("id", "ref", "etag")} for item in items]
    api.prefetch_targets(bodies)
    values = []
    for index, (record, item, body) in enumerate(zip(records, items, bodies, strict=True)):
        with _Item(index):
            api.check_if_match(record, item.get("etag"))
            values.append(api.orm_values(body, creating=False))
    with gcpause.paused(len(records)):
        for index, (record, vals) in enumerate(zip(records, values, strict=True)):
            with _Item(index):
                if vals:
                    record._fsj_api_write(vals)
        api.env.flush_all()
    return api.model.browse([record.id for record in records])


def unlink_many(api, items):
    """DELETE /object/<model>: the records named by ``items`` ([{"id": …, "etag": …}, …]) or ids."""
    records = _records(api, items, allow_values=False)
    for index, (record, item) in enumerate(zip(records, items, strict=True)):
        with _Item(index):
            api.check_if_match(record, item.get("etag"))
    deleted = [{"id": api.api_id(api.name, record.id), "deleted": True} for record in records]
    with gcpause.paused(len(records)):
        for index, record in enumerate(records):
            with _Item(index), api_errors():
                record._fsj_api_unlink()
    return deleted


def parse_ids(text):
    """The ``ids`` query parameter of a bulk delete: [1, 2, 3] (JSON) or 1,2,3."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    try:
        ids = json.loads(text) if text.startswith("[") else [int(part) for part in text.split(",")]
    except ValueError:
        raise ApiError(400, "invalid_ids", "ids must be a JSON array of record ids, e.g. [1,2,3].") from None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ApiError(400, "invalid_ids", "ids must be a JSON array of record ids, e.g. [1,2,3].")
    return [{"id": i} for i in ids]


def ref_of(rec_id):
    """The external reference of a path's record id ``ref:<external_ref>``, or None."""
    return rec_id[len(REF_PREFIX) :] if isinstance(rec_id, str) and rec_id.startswith(REF_PREFIX) else None
