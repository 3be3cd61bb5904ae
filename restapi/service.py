# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The REST API's work, between the HTTP controller (controllers/restapi.py) and the ORM.

Everything runs as the API key's user: ACLs, field groups and record rules apply; nothing here uses
sudo() on the client's behalf. Values are converted by the pure module ``parsing``; what one model does
its own way (aliases, conversions, workflow writes, callable methods) comes from its ``_fsj_api_*``
hooks (models/base.py, models/fsm_order.py).
"""

import contextlib
import datetime
import hashlib

from odoo.service.model import get_public_method
from odoo.tools import SQL

from ..exceptions import FsjApiError
from . import gcpause, related, sqlrender
from .parsing import MAX_ID, ApiError, day_bounds, day_condition, is_related_spec, local_today
from .prefetch import display_names
from .values import value_from_orm, value_to_orm

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_BATCH = 1000  # records in one atomic batch create
RELATIONAL_TYPES = ("many2one", "one2many", "many2many")
BINARY_TYPES = ("binary", "image")
# types whose values _read_format answers as JSON has them, but for False (empty): null
AS_READ_TYPES = frozenset({"char", "text", "selection", "integer", "float", "monetary"})
MAX_DASHBOARD_JOBS = 500  # jobs listed by one dashboard call
REF_PREFIX = "ref:"  # /object/<model>/ref:<external_ref>


def _parent_of_companies(domain):
    """Whether a record rules' domain (``ir.rule._compute_domain``) has a ``parent_of`` or ``child_of``
    condition on ``company_id`` or ``company_ids``, an ``_inherits`` parent's (nested in ``any``) too."""
    for leaf in domain or ():
        if isinstance(leaf, list | tuple) and len(leaf) == 3:
            field, operator, value = leaf
            if operator in ("parent_of", "child_of") and field in ("company_id", "company_ids"):
                return True
            if operator in ("any", "not any") and isinstance(value, list | tuple) and _parent_of_companies(value):
                return True
    return False


class ModelApi:
    """The API view of one exposed model, for the current user. Generic: what a model does its own
    way (aliases, default fields, value conversions, writes, deletes, callable methods) it says
    through its ``_fsj_api_*`` hooks (models/base.py)."""

    def __init__(self, env, model_name, exposed):
        if model_name not in exposed or model_name not in env:
            raise ApiError(404, "unknown_model", f"No model '{model_name}' in this API.")
        self.env = env
        self.exposed = exposed
        self._existing = {}  # relation -> ids the user may link; look-ups of hooks; for this request
        self._related = {}  # relation -> ModelApi, during this request
        self.model = env[model_name]
        self.name = model_name
        self.model.check_access("read")
        # API name -> (ORM name, description); computed once per worker, user and language
        self.fields = env["ir.model"]._fsj_api_fields(model_name)
        # the ids this key speaks for some models (e.g. the JDX stage numbering): {model: (to API, to ORM)}
        self.id_maps = id_maps(env.context.get("fsj_id_maps"))
        # the request's time zone (tz, X-Timezone): a date alone in a domain is that day there
        self.tz = env.context.get("fsj_tz")

    # -- field names -----------------------------------------------------------------------------
    def default_fields(self):
        return self.model._fsj_api_default_fields(self.fields)

    def check_fields(self, names, code="unknown_field"):
        unknown = [name for name in names if name.split(".")[0] not in self.fields]
        if unknown:
            raise ApiError(
                400,
                code,
                f"Unknown field(s) on {self.name}: {', '.join(unknown)}.",
                {"fields": unknown},
            )

    def orm_name(self, api_name):
        head, _dot, rest = api_name.partition(".")
        orm = self.fields[head][0]
        return f"{orm}.{rest}" if rest else orm

    # -- domain and order ------------------------------------------------------------------------
    def related(self, relation, field):
        """The API of the model a relation leads to: it must be exposed (and in the key's models)
        and readable by the user, as a top-level model must."""
        if relation not in self._related:
            if relation not in self.exposed:
                raise ApiError(
                    403,
                    "not_exposed",
                    f"'{field}' leads to {relation}, which this API key cannot reach.",
                    {"field": field, "model": relation},
                )
            self._related[relation] = ModelApi(self.env, relation, self.exposed)
            self._related[relation]._existing = self._existing  # one cache of visible ids per request
        return self._related[relation]

    def orm_path(self, path, code="unknown_field"):
        """(ORM path, API of the last hop's model, description of the last field) of a dotted API
        path. Every hop is checked: a field the user can read (field groups) and not secret, on a
        model exposed to the key."""
        api, orm_parts = self, []
        parts = path.split(".")
        for index, part in enumerate(parts):
            if part not in api.fields:
                where = f" (in '{path}')" if len(parts) > 1 else ""
                raise ApiError(400, code, f"Unknown field on {api.name}: {part}{where}.", {"fields": [path]})
            orm, desc = api.fields[part]
            orm_parts.append(orm)
            if index < len(parts) - 1:
                if desc.get("type") not in RELATIONAL_TYPES or not desc.get("relation"):
                    raise ApiError(
                        400, code, f"'{part}' in '{path}' is not a relation: nothing to follow.", {"fields": [path]}
                    )
                api = api.related(desc["relation"], ".".join(parts[: index + 1]))
        return ".".join(orm_parts), api, desc

    def orm_domain(self, domain):
        result = []
        for leaf in domain:
            if isinstance(leaf, str) or leaf[0] in (0, 1):
                result.append(leaf)
                continue
            field, operator, value = leaf
            orm_field, api, desc = self.orm_path(field)
            if self.id_maps and operator not in ("any", "not any"):
                value = self._domain_value_to_orm(field, operator, value, api, desc)
            if operator in ("any", "not any"):
                if desc["type"] not in RELATIONAL_TYPES:
                    raise ApiError(
                        400, "invalid_domain", f"Operator '{operator}' needs a relational field, not {field}."
                    )
                # the sub-domain is the relation's own: every hop checked again from there
                value = api.related(desc["relation"], field).orm_domain(value)
            elif "." not in field:
                orm_field, value = self.model._fsj_api_domain_leaf(field, orm_field, value)
            if desc.get("type") == "datetime" and (day := day_condition(orm_field, operator, value, self.tz)):
                result += day  # a date alone: that day in the request's time zone (tz, X-Timezone), in UTC
                continue
            result.append((orm_field, operator, value))
        return result

    def orm_order(self, order):
        parts = []
        for field, direction in order:
            self.check_fields([field], code="invalid_order")
            orm_field = self.orm_name(field)
            if self.fields[field][1].get("store") is False and orm_field != "id":
                raise ApiError(400, "invalid_order", f"Cannot sort on '{field}': it is not stored.")
            parts.append(f"{orm_field} {direction}")
        return ", ".join(parts) or None

    # -- reading ---------------------------------------------------------------------------------
    def pseudo_fields(self):
        """{API name: (method, description)} of the values the model computes for the API without
        a field (e.g. ``actions``): asked by name, never in the default set (a model hook)."""
        return self._hook_cache("pseudo_fields", self.model._fsj_api_pseudo_fields)

    def resolve(self, names):
        """(API names, ORM names) of the fields to answer with: the asked ones or the default set.
        ``names`` may be a related-read specification (parsing.parse_fields): every hop is checked."""
        spec = names if is_related_spec(names) else None
        names = [n for n in (names or self.default_fields()) if n != "id"]
        pseudo = self.pseudo_fields()
        self.check_fields([n for n in names if n in self.fields or n not in pseudo])
        if spec:
            related.check_spec(self, spec)
        return names, list(dict.fromkeys(self.orm_name(n) for n in names if n in self.fields))

    def _fetchable(self, orm_names):
        return [f for f in orm_names if "." not in f and f in self.model._fields]

    def render(self, records, names):
        return [item for _orm_id, item in self._render(records, names)]

    def _render(self, records, names):
        """[(ORM id, answer)] of ``records``: the fields ``names`` (a list or a related-read
        specification), related records nested (restapi/related.py), pseudo-fields computed."""
        spec = names if is_related_spec(names) else {}
        names, orm_names = self.resolve(names)
        nested = {n: spec[n] for n in names if "fields" in spec.get(n, {})}
        plain = [n for n in names if n in self.fields and n not in nested]
        pseudo = [n for n in names if n not in self.fields]
        nested_values = {}
        if orm_names:
            # as Odoo's search_read: the rows of records already fetched, without read()'s refetch;
            # many2one values as ids, then named in one batch per field (Odoo names them one by one)
            orm_names = records.check_field_access_rights("read", orm_names)
            rows = records._fsj_api_read_rows(orm_names)
            if nested:
                nested_values = related.nested_values(self, rows, nested)
            named = {self.fields[n][0] for n in plain}
            labels = display_names(records, [f for f in orm_names if f in named])
        else:
            rows = [{"id": r.id} for r in records]
            labels = {}
        orm_ids = [row["id"] for row in rows]
        computed = self._pseudo_values(records.browse(orm_ids), pseudo)
        getters = [(name, self._getter(name, nested, nested_values, computed, labels)) for name in names]
        out = []
        for row in rows:
            item = {"id": row["id"]}
            for name, getter in getters:
                item[name] = getter(row)
            out.append(item)
        if self.id_maps:
            self._ids_to_api(out, plain)
        return list(zip(orm_ids, out, strict=True))

    def _getter(self, name, nested, nested_values, computed, labels):
        """The function that takes the answer's value of ``name`` from a row of ``_render``."""
        if name in nested:
            return lambda row: nested_values[row["id"]][name]
        if name in computed:
            return lambda row: computed[name].get(row["id"])
        orm, desc = self.fields[name]
        if orm in labels:  # a many2one: [id, display name], or null (none, or a missing record)
            names = labels[orm]
            return lambda row: [value, names[value]] if (value := row.get(orm)) and value in names else None
        if desc.get("type") in AS_READ_TYPES:  # value_from_orm would only turn False into null
            return lambda row: None if (value := row.get(orm, False)) is False or value is None else value
        return lambda row: value_from_orm(desc, row.get(orm, False))

    def _pseudo_values(self, records, names):
        """{pseudo-field: {ORM id: value}}: each computed once for all the records."""
        pseudo = self.pseudo_fields()
        return {name: getattr(records, pseudo[name][0])() if records else {} for name in names}

    # -- ids a key speaks its own way (id_maps) ---------------------------------------------------
    def api_id(self, model, orm_id):
        """The id the key uses for record ``orm_id`` of ``model`` (None: one it does not see)."""
        return self.id_maps[model][0].get(orm_id) if model in self.id_maps else orm_id

    def _ids_to_api(self, rows, names):
        mapped = [
            (name, desc)
            for name in names
            for desc in [self.fields[name][1]]
            if desc.get("relation") in self.id_maps and desc["type"] in RELATIONAL_TYPES
        ]
        for row in rows:
            if self.name in self.id_maps and "id" in row:
                row["id"] = self.api_id(self.name, row["id"])
            for name, desc in mapped:
                value = row.get(name)
                if desc["type"] == "many2one" and value:
                    api_id = self.api_id(desc["relation"], value[0] if isinstance(value, list) else value)
                    row[name] = (
                        None if api_id is None else ([api_id, *value[1:]] if isinstance(value, list) else api_id)
                    )
                elif isinstance(value, list):
                    row[name] = [i for i in (self.api_id(desc["relation"], v) for v in value) if i is not None]

    def previous_values(self, values):
        """Old values under the API's names (webhooks' ``previous``), with the key's ids."""
        if self.id_maps and values:
            self._ids_to_api([values], [name for name in values if name in self.fields])
        return values

    def _id_to_orm(self, model, value, field, status=422, code="invalid_value"):
        """The ORM id of the id ``value`` the key gave for ``model``: an id it does not know is an
        error, never taken as a database id."""
        to_orm = self.id_maps[model][1]
        if isinstance(value, bool) or value not in to_orm:
            raise ApiError(
                status,
                code,
                f"{field}: {value!r} is not one of this key's {model} numbers ({', '.join(map(str, sorted(to_orm)))}).",
                {"field": field, "allowed": sorted(to_orm)},
            )
        return to_orm[value]

    def _domain_value_to_orm(self, field, operator, value, api, desc):
        """A domain value on ids the key numbers its own way (a relation to such a model, or ``id``
        of one), as the ORM's ids. Only equality and membership compare numbers; other operators on
        them are refused (a number has no order). Strings (e.g. stage codes) are left as they are."""
        if desc.get("type") in RELATIONAL_TYPES and desc.get("relation") in self.id_maps:
            model = desc["relation"]
        elif field.rsplit(".", 1)[-1] == "id" and api.name in self.id_maps:
            model = api.name
        else:
            return value
        values = value if isinstance(value, list | tuple) else [value]
        if values and all(isinstance(v, str) for v in values):
            return value  # codes, names: the model's own domain hooks read them
        if operator not in ("=", "!=", "in", "not in"):
            raise ApiError(
                400,
                "invalid_domain",
                f"'{field}' holds this key's {model} numbers: compare them with =, !=, in or not in, not {operator}.",
                {"field": field},
            )
        return self._domain_ids_to_orm(model, value, field)

    def _value_ids_to_orm(self, name, desc, value):
        """A written many2one id, or the ids of x2many commands, as the ORM's ids."""
        model = desc["relation"]
        if desc["type"] == "many2one":
            return self._id_to_orm(model, value, name)
        if desc["type"] not in ("one2many", "many2many"):
            return value
        commands = []
        for command in value:
            code = command[0]
            if code == 6:
                command = (6, 0, [self._id_to_orm(model, v, name) for v in command[2]])
            elif code in (1, 2, 3, 4):
                command = (code, self._id_to_orm(model, command[1], name), *command[2:])
            commands.append(command)
        return commands

    def _domain_ids_to_orm(self, model, value, field):
        if isinstance(value, list | tuple):
            return [self._id_to_orm(model, v, field, 400, "invalid_domain") for v in value]
        if value is False or value is None:
            return value
        return self._id_to_orm(model, value, field, 400, "invalid_domain")

    def search(self, domain, names, limit, offset, order, start_after_id=None, as_json=False):
        """(rows, how many match in all, the next page's start_after_id or None) of a page. With
        ``as_json``, the rows may come as one JSON text (sqlrender.RawJson, rendered by PostgreSQL:
        the same bytes json.dumps makes of the rows)."""
        binary = [n for n in (names or []) if self.fields.get(n, (None, {}))[1].get("type") in BINARY_TYPES]
        if binary and limit != 1:
            raise ApiError(
                400,
                "binary_in_list",
                f"Binary fields ({', '.join(binary)}) are read one record at a time: "
                f"GET /object/{self.name}/<id>?fields={binary[0]} (or limit=1).",
                {"fields": binary},
            )
        domain = self.orm_domain(domain)
        if self.name in self.id_maps:  # the key sees only the records it has numbers for
            domain = [*domain, ("id", "in", list(self.id_maps[self.name][0]))]
        order = self.orm_order(order)
        resolved = self.resolve(names)
        # search_fetch reads the columns with the search itself (as Odoo's search_read does)
        fetch = self._fetchable(resolved[1])
        if start_after_id is not None:
            # keyset pagination (as Sitoo's start_after_id): stable under inserts, no OFFSET scan
            if order not in (None, "id asc"):
                raise ApiError(400, "invalid_order", "start_after_id pages by id: leave order out or use 'id'.")
            if offset:
                raise ApiError(400, "invalid_offset", "Use either offset or start_after_id, not both.")
            after = [*domain, ("id", ">", start_after_id)]
            in_sql = as_json and self._page_in_sql(names, resolved, after, limit, 0, "id")
            if in_sql:
                rows, ids, _count_query = in_sql
                return rows, self.model.search_count(domain), ids[-1] if len(ids) == limit else None
            records = self.model.search_fetch(after, fetch, limit=limit, order="id")
            total = self.model.search_count(domain)
            return self.render(records, names), total, records[-1:].id if len(records) == limit else None
        in_sql = as_json and self._page_in_sql(names, resolved, domain, limit, offset, order)
        if in_sql:
            rows, ids, query = in_sql
            return rows, self._total(query, len(ids), limit, offset), None
        records, total = self._page(domain, fetch, limit, offset, order)
        return self.render(records, names), total, None

    def _page_in_sql(self, names, resolved, domain, limit, offset, order):
        """(the page's rows as JSON text, their ids, its query) rendered whole by PostgreSQL
        (restapi/sqlrender.py: the same bytes as ``render``, without its Python work), or None when
        it can't be: then the page is fetched and rendered in Python. ``resolved``: ``resolve(names)``."""
        if self.id_maps or is_related_spec(names):
            return None
        api_names, orm_names = resolved
        if any(name not in self.fields for name in api_names):  # pseudo-fields: computed in Python
            return None
        model = self.model
        model.check_field_access_rights("read", orm_names)
        query = model._search(domain, offset=offset, limit=limit, order=order or model._order)
        if query.is_empty():
            return sqlrender.join_rows([]), [], query
        columns = [(name, self.fields[name][0], self.fields[name][1].get("type")) for name in api_names]
        row = sqlrender.cached_row_json_sql(model, query, columns)
        if row is None:
            return None
        found = model.env.execute_query(query.select(SQL.identifier(model._table, "id"), row))
        if any(text is None for _id, text in found):  # a name made the Python way: so is the page
            return None
        return sqlrender.join_rows(text for _id, text in found), [id_ for id_, _text in found], query

    def _total(self, query, found, limit, offset):
        """How many records ``query`` (a page of ``found`` records) matches in all: counted only when
        the page is full (or empty past the start)."""
        if query.is_empty():
            return 0
        if found < (limit or float("inf")) and (found or not offset):
            return offset + found  # the last page: no need to count
        # the same rows, all of them, counted (as len(query) does, but never from the page's ids,
        # which _fetch_query keeps in the query when it fetches no column)
        query.limit = query.offset = query.order = None
        return self.model.env.execute_query(query.select("COUNT(*)"))[0][0]

    def _page(self, domain, fetch, limit, offset, order):
        """(records of the page, with ``fetch`` in cache; how many match in all): search_fetch and
        search_count as Odoo makes them (both are ``_search`` then one query), from one ``_search``
        of the domain instead of two (record rules and domain parsed once: about 0.3 ms a list)."""
        model = self.model
        query = model._search(domain, offset=offset, limit=limit, order=order or model._order)
        if query.is_empty():
            return model.browse(), 0
        records = model._fetch_query(query, model._determine_fields_to_fetch(fetch))
        return records, self._total(query, len(records), limit, offset)

    def browse(self, rec_id, names=None):
        if isinstance(rec_id, str) and rec_id.startswith(REF_PREFIX):
            record = self.find_ref(rec_id[len(REF_PREFIX) :])
            if not record:
                raise ApiError(404, "not_found", f"No {self.name} record with external_ref {rec_id[4:]!r}.")
            rec_id = record.id
            if self.name in self.id_maps:
                rec_id = self.id_maps[self.name][0].get(rec_id, 0)
        try:
            rec_id = int(rec_id)
        except (TypeError, ValueError):
            raise ApiError(404, "not_found", f"No {self.name} record '{rec_id}'.") from None
        if self.name in self.id_maps:
            rec_id = self.id_maps[self.name][1].get(rec_id, 0)
        # search, not browse().exists(): record rules apply; the answer's columns come with it
        fetch = [*self._fetchable(self.resolve(names)[1]), "write_date"]  # write_date: the ETag
        record = self.model.search_fetch([("id", "=", rec_id)], fetch) if 0 < rec_id <= MAX_ID else self.model
        if not record:
            raise ApiError(404, "not_found", f"No {self.name} record {rec_id}.")
        return record

    # -- optimistic concurrency ------------------------------------------------------------------
    def etag(self, record):
        """Changes whenever the record does (its write_date moves at every write)."""
        stamp = f"{self.name}:{record.id}:{record.write_date and record.write_date.isoformat()}"
        return '"%s"' % hashlib.sha256(stamp.encode()).hexdigest()[:24]

    def check_if_match(self, record, if_match):
        """PUT/PATCH/DELETE with If-Match: 412 unless it names the record's current ETag."""
        if not if_match:
            return
        wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
        current = self.etag(record)
        if "*" not in wanted and current not in wanted:
            raise ApiError(
                412,
                "precondition_failed",
                f"{self.name} {record.id} changed since you read it: read it again, then retry.",
                {"etag": current},
            )

    # -- writing ---------------------------------------------------------------------------------
    def orm_values(self, body, creating):
        """The ORM values of a JSON body: every field known, writable and converted (by the model's
        own converters first), relation targets checked, then the model's own checks."""
        if not isinstance(body, dict):
            raise ApiError(400, "invalid_body", "The body must be a JSON object of field values.")
        write_only = self.write_only_fields()
        unknown = [k for k in body if (k not in self.fields or k == "id") and k not in write_only]
        if unknown:
            raise ApiError(
                400, "unknown_field", f"Unknown field(s) on {self.name}: {', '.join(unknown)}.", {"fields": unknown}
            )
        converters = self._hook_cache("converters", self.model._fsj_api_value_converters)
        values, given = {}, {}
        with api_errors():
            for name, raw in body.items():
                if name in write_only:
                    # a nested object the model turns into a field's value (e.g. a job's customer):
                    # what it may create or find is of a model the key must reach
                    if write_only[name].get("relation"):
                        self.related(write_only[name]["relation"], name)
                    orm, value = converters[name](raw, self._existing)
                    values[orm] = value
                    self._check_conflict(given, orm, name)
                    continue
                orm, desc = self.fields[name]
                if desc.get("readonly"):
                    # e.g. effective_duration, computed from the actual start and end: never set directly
                    raise ApiError(400, "readonly_field", f"Field '{name}' is read-only.", {"field": name})
                converted = converters[name](raw, self._existing) if name in converters else None
                if converted is not None:
                    orm, value = converted
                elif isinstance(raw, dict) and desc.get("type") == "many2one" and desc.get("relation"):
                    value = self._ref_target(name, desc["relation"], raw)  # {"ref": "CUST-42"}
                else:
                    value = value_to_orm(name, desc, raw)
                    if isinstance(value, tuple):  # a many2one_reference given as 'model,id'
                        value = self._reference_target(name, desc, value, values)
                    if value and desc.get("relation") in self.id_maps:
                        value = self._value_ids_to_orm(name, desc, value)
                    value = self._check_relations(name, desc, value)
                values[orm] = value
                self._check_conflict(given, orm, name)
            self.model._fsj_api_check_vals(values, creating)
        return values

    def write_only_fields(self):
        """{API name: description} of the values a body may hold that are no field (a model hook)."""
        return self._hook_cache("write_only", self.model._fsj_api_write_only_fields)

    @staticmethod
    def _check_conflict(given, orm, name):
        """Two API names for one field (e.g. a job's customer and partner_id) in one body: refused."""
        if orm in given and given[orm] != name:
            raise ApiError(
                400,
                "conflicting_fields",
                f"'{given[orm]}' and '{name}' set the same field: give one of them.",
                {"fields": [given[orm], name]},
            )
        given[orm] = name

    # -- external references ----------------------------------------------------------------------
    def find_refs(self, refs):
        """{external_ref: record} as the user sees them; asked once per request and reference."""
        return find_refs(self.model, refs, self._existing)

    def find_ref(self, ref):
        with api_errors():
            self.model._fsj_api_check_ref(ref)
        return self.find_refs([ref]).get(ref, self.model.browse())

    def _ref_target(self, name, relation, raw):
        """A many2one given by reference, {"ref": "CUST-42"}: the id of the record with it."""
        if set(raw) != {"ref"} or not isinstance(raw["ref"], str) or not raw["ref"]:
            raise ApiError(422, "invalid_value", f'{name}: give an id or {{"ref": "<external_ref>"}}.', {"field": name})
        # as a target given by id: a record the user sees, whether or not its model is exposed
        found = find_refs(self.env[relation], [raw["ref"]], self._existing).get(raw["ref"])
        if not found:
            raise ApiError(
                422,
                "invalid_value",
                f"{name}: no {relation} record with external_ref {raw['ref']!r} that you may use here.",
                {"field": name, "ref": raw["ref"]},
            )
        self.check_targets(name, relation, [found.id])
        return found.id

    def _reference_target(self, name, desc, value, values):
        """The id of a many2one_reference given as (model, id); its model field is set beside it. The
        target is checked as the user, as a many2one's is."""
        model, rec_id = value
        model_field = desc.get("model_field")
        if not model_field or model not in self.env or self.env[model]._abstract:
            raise ApiError(422, "invalid_value", f"{name}: no model {model!r} to refer to.", {"field": name})
        self.check_targets(name, model, [rec_id])
        values[model_field] = model
        return rec_id

    def _hook_cache(self, name, compute):
        """What a hook answers, asked once per request."""
        key = (self.name, name)
        if key not in self._existing:
            self._existing[key] = compute()
        return self._existing[key]

    def _check_relations(self, name, desc, value):
        """Relation values are checked as the key's user: a many2one or linked target must be a record
        the user can see (record rules) in the request's companies; x2many commands need the relation
        exposed to the key, and nested values follow the relation's own API rules."""
        relation = desc.get("relation")
        if not relation or not value:
            return value
        if desc["type"] in ("many2one", "many2one_reference"):
            self.check_targets(name, relation, [value])
            return value
        if desc["type"] not in RELATIONAL_TYPES:
            return value
        sub = self.related(relation, name)
        commands = []
        for command in value:
            code = command[0]
            if code in (0, 1):
                command = (code, command[1], sub.orm_values(command[2], creating=code == 0))
            ids = command[2] if code == 6 else ([command[1]] if code in (1, 2, 3, 4) else [])
            sub.check_targets(name, relation, ids)
            commands.append(command)
        return commands

    def check_targets(self, field, relation, ids):
        """The records ``ids`` of ``relation`` may be linked by the user: visible to them (record
        rules, archived ones included) and of the request's companies (or of none). Looked up once per
        request for all the ids not known yet."""
        known = self._existing.setdefault(relation, set())
        wanted = set(ids) - known
        if not wanted:
            return
        comodel = self.env[relation].with_context(active_test=False)
        if relation == "res.company":
            found = wanted & set(self.env.companies.ids)
        else:
            domain = [("id", "in", list(wanted))]
            company_field = comodel._fields.get("company_id")
            if company_field is not None and company_field.type == "many2one" and company_field.store:
                domain.append(("company_id", "in", [False, *self.env.companies.ids]))
            self._fetch_rule_company_paths(relation)
            found = set(comodel.search(domain).ids)
        known |= found
        missing = sorted(wanted - found)
        if missing:
            raise ApiError(
                422,
                "invalid_value",
                f"{field}: no {relation} record(s) {missing} that you may use here.",
                {"field": field, "ids": missing},
            )

    def _fetch_rule_company_paths(self, model_name):
        """Odoo's multi-company record rules of some models (res.partner's: ``company_id parent_of
        company_ids``) read the request's companies' ``parent_path``; fetched alone here, before the
        search, where the rule would load every column of res.company (about 0.5 ms of a create)."""
        if not self.env.su and _parent_of_companies(self.env["ir.rule"]._compute_domain(model_name, "read")):
            # as superuser, as Odoo's rule reads it: the cache is the transaction's, nothing is answered
            self.env.companies.sudo().fetch(["parent_path"])

    def prefetch_targets(self, bodies):
        """Before a batch: check the many2one targets of every record in one query per relation."""
        wanted, refs = {}, {}
        for body in bodies:
            if not isinstance(body, dict):
                continue
            for name, raw in body.items():
                desc = self.fields.get(name, (None, {}))[1]
                if desc.get("type") == "many2one" and desc.get("relation") and _is_ints(raw) and raw:
                    wanted.setdefault((name, desc["relation"]), set()).add(raw)
                elif desc.get("type") == "many2one" and isinstance(raw, dict) and isinstance(raw.get("ref"), str):
                    refs.setdefault(desc["relation"], set()).add(raw["ref"])  # {"ref": "CUST-42"}
        for relation, wanted_refs in refs.items():
            with contextlib.suppress(ApiError):  # named with its record's index by orm_values
                found = find_refs(self.env[relation], sorted(wanted_refs), self._existing)
                wanted.setdefault(("", relation), set()).update(record.id for record in found.values())
        for (name, relation), ids in wanted.items():
            with contextlib.suppress(ApiError):  # named with its record's index by orm_values
                self.check_targets(name, relation, [i for i in ids if 0 < i <= MAX_ID])

    def render_created(self, records, names):
        """The answer to a create: the records as a GET shows them, and what the model adds this once
        (its ``_fsj_api_created`` hook)."""
        return records._fsj_api_created(self.render(records, names))

    def _check_creatable(self):
        if self.name in self.id_maps:
            raise ApiError(
                422,
                "numbered_model",
                f"This key numbers {self.name} records its own way (e.g. seed 000's stages): it cannot create others.",
            )

    def create_record(self, body):
        self._check_creatable()
        values = self.orm_values(body, creating=True)
        record = self.model.create(values)
        return record

    def create_records(self, bodies):
        """An atomic batch: all records or none. A client mistake found before writing names the
        failing index; an error of the ORM itself fails the whole batch without an index (the batch is
        not replayed record by record to find it: that would let one request cost a thousand)."""
        if not bodies:
            raise ApiError(400, "invalid_body", "The batch is empty.")
        if len(bodies) > MAX_BATCH:
            raise ApiError(413, "batch_too_large", f"At most {MAX_BATCH} records in one batch.")
        self._check_creatable()
        with gcpause.paused(len(bodies)):
            self.prefetch_targets(bodies)
            values = []
            for index, body in enumerate(bodies):
                try:
                    values.append(self.orm_values(body, creating=True))
                except ApiError as exc:
                    exc.details = dict(exc.details, index=index)
                    exc.message = f"Record {index}: {exc.message}"
                    raise
            records = self.model.create(values)
            self.env.flush_all()  # the recomputations and the tracking's writes too, before the pause ends
        return records

    def write_record(self, record, body):
        values = self.orm_values(body, creating=False)
        if values:
            record._fsj_api_write(values)
        return record

    def unlink_record(self, record):
        record._fsj_api_unlink()

    def methods(self):
        """{method: {argument: description}} callable on this model through the API."""
        return self._hook_cache("methods", self.model._fsj_api_methods)

    def call_method(self, record, method, kwargs):
        allowed = self.methods()
        if method not in allowed:
            raise ApiError(404, "unknown_method", f"No method '{method}' on {self.name} in this API.")
        get_public_method(record, method)  # a private method can never be listed
        if not isinstance(kwargs, dict):
            raise ApiError(400, "invalid_body", "The body must be a JSON object of keyword arguments.")
        unknown = sorted(set(kwargs) - set(allowed[method]))
        if unknown:
            raise ApiError(
                400,
                "unknown_argument",
                f"{method} takes {', '.join(allowed[method]) or 'no arguments'}; got {', '.join(unknown)}.",
                {"arguments": unknown},
            )
        args = {k: value_to_orm(k, allowed[method][k], v) or None for k, v in kwargs.items()}
        record._fsj_api_call(method, args)
        return record


def find_refs(model, refs, cache):
    """{external_ref: record} of ``model`` as the user sees them (the model's ``_fsj_api_find_by_ref``
    hook), looked up once per request (``cache``) for all the references not known yet."""
    known = cache.setdefault(("ref", model._name), {})
    wanted = [ref for ref in dict.fromkeys(refs) if ref not in known]
    if wanted:
        with api_errors():
            found = model._fsj_api_find_by_ref(wanted)
        for ref in wanted:
            known[ref] = found.get(ref, model.browse())
    return {ref: known[ref] for ref in refs if known.get(ref)}


def payload_ids(model, payload, rec_id):
    """The record ids an answer (or a request's path) is about, for the audit log."""
    body = payload.get(model) if isinstance(payload, dict) else None
    if isinstance(body, dict) and body.get("id"):
        return [body["id"]]
    if isinstance(body, list):
        return [row.get("id") for row in body if isinstance(row, dict)]
    return [rec_id] if rec_id else []


@contextlib.contextmanager
def api_errors():
    """A model hook's FsjApiError as the API's ApiError (so a batch can name its index)."""
    try:
        yield
    except FsjApiError as exc:
        raise ApiError(exc.status, exc.code, str(exc.args[0] if exc.args else exc), exc.details) from None


def dashboard(env, exposed, day):
    """Counts by job stage and the jobs scheduled on ``day`` (a date in the request's time zone, tz
    or X-Timezone; UTC by default), in one call (the data from fsm.order's ``_fsj_api_dashboard``
    hook)."""
    jobs_api = ModelApi(env, "fsm.order", exposed)
    try:
        day = datetime.date.fromisoformat(day) if day else local_today(jobs_api.tz)
    except ValueError:
        raise ApiError(400, "invalid_date", f"date must be YYYY-MM-DD, got {day!r}.") from None
    if day == datetime.date.max:
        raise ApiError(400, "invalid_date", f"date must be before {day.isoformat()}.")
    try:
        # isoformat, not strftime: a year before 1000 keeps its four digits (PostgreSQL refuses '40-01-31')
        start, end = day_bounds(day.isoformat(), jobs_api.tz)
    except ApiError as exc:
        raise ApiError(400, "invalid_date", f"date {day.isoformat()}: {exc.message}") from None
    data = jobs_api.model._fsj_api_dashboard(start, end, MAX_DASHBOARD_JOBS)
    if data["jobs"] is None:
        raise ApiError(
            422,
            "too_many_jobs",
            f"{data['count']} jobs are scheduled on {day.isoformat()}, more than a dashboard lists "
            f"({MAX_DASHBOARD_JOBS}): page through GET /object/fsm.order with a domain on scheduled_date_start.",
            {"count": data["count"], "max": MAX_DASHBOARD_JOBS},
        )
    fields = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id", "type"]
    stages = [(jobs_api.api_id(s._name, s.id), s, count) for s, count in data["stages"]]
    actions = data.get("actions") or {}
    return {
        "date": day.isoformat(),
        "stages": [
            {
                "id": api_id,
                "code": s.code or None,
                "name": s.name,
                "is_closed": s.is_closed,
                "count": count,
                "actions": actions.get(s.id, []),  # what a job in this stage allows the key's user
            }
            for api_id, s, count in stages
            if api_id is not None
        ],
        "today_count": data["count"],
        "jobs": jobs_api.render(data["jobs"], fields),
    }


def _is_ints(value):
    values = value if isinstance(value, list | tuple) else [value]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def id_maps(value):
    """{model: ({ORM id: API id}, {API id: ORM id})} from the context value ``fsj_id_maps``."""
    return {model: (dict(pairs), {api_id: orm_id for orm_id, api_id in pairs}) for model, pairs in value or ()}
