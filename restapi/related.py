# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Related reads: ``fields`` naming the fields of related records (``partner_id.email``, or Odoo's
web_read specification ``{"partner_id": {"fields": {"email": {}}}}``, see ``parsing.parse_fields``),
answered nested: a many2one as an object ``{"id": 7, "email": ...}`` (null when empty), an x2many as
a list of such objects.

As Odoo's ``web_read`` (odoo/addons/web/models/models.py): one read per relation field for all the
records answered, never one per record. Unlike it, every hop goes through the API's own checks
(``ModelApi.related``: the relation's model exposed to the key and readable by its user; the fields
of its field map: field groups applied, secrets left out), and a target the user may not read (record
rules, companies) never fails the whole answer, nor shows its fields: it is answered as ``{"id": 7}``
(with its ``display_name`` when asked, which Odoo shows to whoever sees the many2one, as the plain
``[id, name]`` does). web_read would raise an AccessError for the whole read instead."""

from odoo.tools import OrderedSet

from .parsing import ApiError

RELATIONAL_TYPES = ("many2one", "one2many", "many2many")
BINARY_TYPES = ("binary", "image")


def check_spec(api, spec, prefix=""):
    """Check a related-read specification against the field maps, hop by hop (400 unknown_field,
    403 not_exposed, 400 invalid_fields), before anything is read."""
    pseudo = api.pseudo_fields()
    for name, entry in spec.items():
        path = f"{prefix}{name}"
        if name == "id":
            continue
        if name not in api.fields:
            if name in pseudo and "fields" not in entry:
                continue
            where = f" (in '{path}')" if prefix else ""
            raise ApiError(400, "unknown_field", f"Unknown field on {api.name}: {name}{where}.", {"fields": [path]})
        desc = api.fields[name][1]
        if prefix and desc.get("type") in BINARY_TYPES:
            raise ApiError(
                400,
                "binary_in_list",
                f"{path}: binary fields of related records are read from the record itself "
                f"(GET /object/{api.name}/<id>?fields={name}).",
                {"fields": [path]},
            )
        if "fields" not in entry:
            continue
        if desc.get("type") not in RELATIONAL_TYPES or not desc.get("relation"):
            raise ApiError(
                400, "unknown_field", f"'{path}' is not a relation: it has no fields to read.", {"fields": [path]}
            )
        sub = api.related(desc["relation"], path)
        if ("limit" in entry or "order" in entry) and desc["type"] == "many2one":
            raise ApiError(
                400, "invalid_fields", f"{path}: limit and order apply to x2many fields only.", {"path": path}
            )
        if entry.get("order"):
            sub.orm_order(entry["order"])
        check_spec(sub, entry["fields"], f"{path}.")


def nested_values(api, rows, nested):
    """{ORM id of a row: {API name: nested value}} of the relation fields ``nested`` ({API name:
    specification entry}) of ``rows`` (as ``_read_format(load=None)`` answers them: many2one ids,
    x2many id lists): per field, one read of all the targets of all the rows."""
    out = {row["id"]: {} for row in rows}
    for name, entry in nested.items():
        orm, desc = api.fields[name]
        sub = api.related(desc["relation"], name)
        if desc["type"] == "many2one":
            targets = {row["id"]: _id(row.get(orm)) for row in rows}
            wanted = OrderedSet(target for target in targets.values() if target)
            rendered = _render_visible(sub, wanted, entry)
            rendered.update(_unreadable(sub, wanted - rendered.keys(), entry))
            for row_id, target in targets.items():
                item = rendered.get(target) if target else None
                out[row_id][name] = item if item and item["id"] is not None else None
        else:
            lists = {row["id"]: list(row.get(orm) or ()) for row in rows}
            limit = entry.get("limit")
            if entry.get("order") and any(lists.values()):
                # as web_read: the targets sorted once for all the rows, then each row's list cut
                everything = OrderedSet(target for targets in lists.values() for target in targets)
                ordered = sub.model.with_context(active_test=False).search(
                    [("id", "in", list(everything))], order=sub.orm_order(entry["order"])
                )
                position = {target: index for index, target in enumerate(ordered.ids)}
                lists = {
                    row_id: sorted((t for t in targets if t in position), key=position.__getitem__)
                    for row_id, targets in lists.items()
                }
            if limit is not None:
                lists = {row_id: targets[:limit] for row_id, targets in lists.items()}
            wanted = OrderedSet(target for targets in lists.values() for target in targets)
            rendered = _render_visible(sub, wanted, entry)
            for row_id, targets in lists.items():
                # a record the user may not read is left out, as Odoo's read of the x2many does
                items = (rendered.get(target) for target in targets)
                out[row_id][name] = [item for item in items if item and item["id"] is not None]
    return out


def _id(value):
    if isinstance(value, list | tuple):
        value = value[0] if value else False
    return value or False


def _render_visible(sub, ids, entry):
    """{ORM id: rendered item} of the records ``ids`` of ``sub``'s model that the user may read, in
    one search (record rules and companies apply; archived ones too) that fetches their columns."""
    if not ids:
        return {}
    names = entry["fields"] or ["id"]  # {"fields": {}}: the ids only, as web_read
    fetch = sub._fetchable(sub.resolve(names)[1])
    records = sub.model.with_context(active_test=False).search_fetch([("id", "in", list(ids))], fetch)
    return dict(sub._render(records, names))


def _unreadable(sub, ids, entry):
    """Many2one targets the user may not read: their id only (the key's id for them), and their
    display name when asked (Odoo shows it to whoever reads the many2one). Dangling ids: none."""
    if not ids:
        return {}
    existing = sub.model.browse(list(ids)).exists()
    out = {}
    for record in existing:
        out[record.id] = {"id": sub.api_id(sub.name, record.id)}
    if "display_name" in entry["fields"] and "display_name" in sub.fields:
        for record in existing.sudo():
            out[record.id]["display_name"] = record.display_name
    return out
