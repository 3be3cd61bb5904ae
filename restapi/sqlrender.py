# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A page of a list rendered whole by PostgreSQL: each row's JSON text made in the page's own query.

A list's page is the same rows, values and display names either way; this way its Python work (the
rows put in the ORM cache, read back, named, turned into dicts and encoded) is one string join, and
its names come with it instead of from a query of their own: for the list of 50 jobs of bench/,
about 0.6 ms less Python in process and about 0.35 ms more SQL (README, "Performance"). It applies
when every asked field has a type whose JSON text PostgreSQL makes exactly as ``ModelApi._render``
and ``json.dumps`` do, byte for byte:

- char, text and selection (the value, ``to_json``: the same escapes as ``json.dumps(ensure_ascii=
  False)``), integer (0 when empty, as Odoo reads it), boolean, date and datetime (``value_from_orm``'s
  formats, seconds cut), each a stored column of the model read as Odoo's SQL reads it
  (``_field_to_sql``: translations in the request's language, pending writes flushed first);
- many2one, ``[id, display name]``, when the target model makes its names in SQL
  (``_fsj_api_name_json_sql``, models/base.py; a named partner's complete name, models/res_partner.py),
  read as superuser as Odoo names a many2one.

Anything else (floats, x2many, related reads, pseudo-fields, a key's own ids, a model whose names are
a compute) is rendered in Python as before; so is a page where one row's name is not made in SQL (a
nameless partner): its row's text is NULL, and the page goes the Python way.
tests/test_restapi_sqlrender.py compares both ways byte for byte.
"""

import json

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.query import Query

DATE_FORMATS = {"date": "YYYY-MM-DD", "datetime": "YYYY-MM-DD HH24:MI:SS"}
# the field classes rendered in SQL: Odoo's own (a subclass may convert its values its own way)
FIELD_CLASSES = {
    "char": fields.Char,
    "text": fields.Text,
    "selection": fields.Selection,
    "integer": fields.Integer,
    "boolean": fields.Boolean,
    "date": fields.Date,
    "datetime": fields.Datetime,
    "many2one": fields.Many2one,
}
MAX_CACHED = 256  # row SQL kept per model and worker (per user, context and field list)


class RawJson(str):
    """JSON text encoded already (a page rendered by PostgreSQL), put as it is into an answer."""


def dumps(body, default=None):
    """``json.dumps(body, ensure_ascii=False)`` of a dict whose values may be RawJson, which go in as
    they are: the same bytes as if they had been Python values."""
    if not isinstance(body, dict) or not any(isinstance(value, RawJson) for value in body.values()):
        return json.dumps(body, ensure_ascii=False, default=default)
    items = (
        f"{json.dumps(key, ensure_ascii=False)}: "
        f"{value if isinstance(value, RawJson) else json.dumps(value, ensure_ascii=False, default=default)}"
        for key, value in body.items()
    )
    return "{" + ", ".join(items) + "}"


def join_rows(texts):
    """The JSON array of the rows' texts."""
    return RawJson("[" + ", ".join(texts) + "]")


def cached_row_json_sql(model, query, columns):
    """``row_json_sql``, built once per worker, model, user, context and columns (about 0.13 ms a
    list of 50 jobs): it names no row and, unless a field's SQL joins the page's query (then it is
    built every time), no alias of the query but the model's table."""
    cache = model.env["ir.model"]._fsj_api_sql_cache(model._name)
    key = ("row", model.env.uid, model.env.su, repr(sorted(model.env.context.items())), tuple(columns))
    if key in cache:
        return cache[key]
    joins = getattr(query, "_joins", None)
    before = dict(joins) if isinstance(joins, dict) else None
    row = row_json_sql(model, query, columns)
    if before is not None and query._joins == before:
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[key] = row
    return row


def row_json_sql(model, query, columns):
    """SQL of the JSON text of a row of ``query`` (``model``'s page, under the user's record rules):
    ``{"id": …, <API name>: <value>, …}`` for ``columns`` [(API name, ORM field name, API type)], in
    that order; NULL for a row that must be rendered in Python; None when a field can't be rendered
    in SQL at all."""
    if type(model)._fetch_query is not models.BaseModel._fetch_query:
        return None  # the model changes the values it fetches: the Python way takes them from there
    table = model._table
    parts = [SQL("%s || %s", '{"id": ', SQL.identifier(table, "id"))]
    for api_name, fname, api_type in columns:
        value = _value_json_sql(model, query, fname, api_type)
        if value is None:
            return None
        parts.append(SQL("%s || %s", f", {json.dumps(api_name, ensure_ascii=False)}: ", value))
    parts.append(SQL("'}'"))
    return SQL("(%s)", SQL(" || ").join(parts))


def _value_json_sql(model, query, fname, api_type):
    field = model._fields.get(fname)
    if (
        field is None
        or field.type != api_type
        or type(field) is not FIELD_CLASSES.get(field.type)
        or not (field.store and field.column_type)
        or field.inherited
        or field.company_dependent
    ):
        return None
    value = model._field_to_sql(model._table, fname, query)  # pending writes to the field: flushed first
    if field.type in ("char", "text", "selection"):
        return SQL("COALESCE(to_json((%s)::text)::text, 'null')", value)
    if field.type == "integer":
        return SQL("(COALESCE(%s, 0))::text", value)
    if field.type == "boolean":
        return SQL("(CASE WHEN %s THEN 'true' ELSE 'false' END)", value)
    if field.type in DATE_FORMATS:
        return SQL("COALESCE(to_json(to_char(%s, %s))::text, 'null')", value, DATE_FORMATS[field.type])
    if field.type == "many2one":
        name = _name_json_sql(model, fname, value)
        if name is None:
            return None
        return SQL("(CASE WHEN %(link)s IS NULL THEN 'null' ELSE '[' || %(link)s || ', ' || %(name)s || ']' END)",
                   link=value, name=name)  # fmt: skip
    return None


def _name_json_sql(model, fname, link):
    """The target's display name as JSON text (NULL: the Python way), in a subquery on its id:
    as superuser, as Odoo names a many2one (the link follows the record's visibility)."""
    target = model.env[model._fields[fname].comodel_name].sudo()
    alias = f"fsj_name__{fname}"
    sub = Query(target.env, alias, SQL.identifier(target._table))
    name = target._fsj_api_name_json_sql(alias, sub)
    if name is None:
        return None
    sub.add_where(SQL("%s = %s", SQL.identifier(alias, "id"), link))
    return sub.subselect(name)
