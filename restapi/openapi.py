# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The OpenAPI 3 document of the REST API, generated from the exposed models' fields_get (as the
requesting user sees them), with the API's aliases, method endpoints, errors and the X-API-Key scheme.

It is written for the tools integrators use as well as for readers: openapi-python-client generates a
whole client from it without a warning, with its default settings and with ``literal_enums`` (every
array has its ``items``; string enums name their members in ``x-enum-varnames``, unique even where
values differ only by punctuation, as the time zones ``GMT0``, ``GMT+0`` and ``GMT-0`` do; binary
answers offer application/octet-stream). Examples come from seed 000 (the contract) and seed 004 (a
job's customer given inline); each route lists the errors it answers, each with an example."""

import itertools
import json
import re

from . import signature
from .feed import MAX_LIMIT as FEED_MAX_LIMIT
from .reports import usable as usable_reports
from .service import DEFAULT_LIMIT, MAX_BATCH, MAX_LIMIT, ModelApi

DATETIME_PATTERN = r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$"
REF_FIELD = "external_ref"  # models/fsj_external_ref_mixin.py: records addressed by /object/<model>/ref:<ref>
REF_MAX_LENGTH = 255
SHARED_ENUM_SIZE = 50  # a longer enum is a schema of its own (see _share_enums)
JDX_NOTE = (
    " This key numbers the five job stages as seed 000 does (JDX stage numbering): 1 New, 2 Scheduled,"
    " 3 In Progress, 4 Completed, 5 Cancelled, everywhere a stage id appears (answers, bodies, domains,"
    " the dashboard, the change feed); fsm.stage lists only those five. Stage codes work as well."
)
DESCRIPTION = """Seed 000's /restapi/1.0 contract on Odoo 18 Field Service. See README.rst.

Try it on the interactive page **/restapi/1.0/docs** (Authorize with your API key).

* **Authentication**: an Odoo API key in the `X-API-Key` header (or `Authorization: Bearer`).
* **Related reads in one call**: `fields` takes dotted names (`partner_id.email`) or Odoo's web_read
  specification as JSON (`{"partner_id": {"fields": {"name": {}, "email": {}}}}`); related records asked
  with sub-fields are answered nested, at most 3 hops, each hop checked for the key.
* **External references**: jobs, customers and locations have an `external_ref`, unique per company.
  `/object/<model>/ref:<external_ref>` addresses a record by it; `PUT` there creates or updates it;
  `PUT /object/<model>` with an array upserts a batch; in bodies, `{"partner_id": {"ref": "CUST-42"}}`
  links a record by its reference.
* **Bulk**: `POST` an array to create, `PATCH` an array to update and `DELETE ?ids=[...]` to delete many
  records, all or nothing (at most 1000; a failing item is named in `error.details.index`).
* **Language and time zone**: `Accept-Language` picks the language of names, labels and errors
  (`Content-Language` answers the one used); `tz` or `X-Timezone` sets the time zone of date-only values
  in domains (default UTC).
* **Errors**: `{"error": {"status", "code", "message", "details"}}`; each route lists its own, with examples.
"""
ERROR_CODES = {
    "400": "Malformed request: JSON, domain, fields, order, limit/offset, unknown field or argument",
    "401": "Missing, invalid, expired or revoked API key",
    "403": "The key's user may not do this, the key may only read, a field path or relation leads to a model "
    "the key cannot reach (not_exposed), or X-Company-Id names a company the user is not allowed",
    "404": "Unknown or unexposed model, record or method",
    "405": "HTTP method not allowed on this route",
    "409": "Workflow conflict (e.g. starting a completed job), or an external_ref another record of the company has",
    "410": "The change feed's cursor is older than the changes it keeps (cursor_expired): start again without one",
    "411": "A file sent as the body without Content-Length",
    "412": "If-Match (or an item's etag) does not match the record's current ETag: read it again, then retry",
    "413": "Body or batch too large",
    "415": "A body of a type this route does not take",
    "422": "Invalid value (e.g. a related record the user may not use), missing field, validation error",
    "429": "Too many refused keys from this client (too_many_failures) or the key's rate limit (rate_limited); "
    "see Retry-After",
}
# {code: (status, message, details)}: the errors the routes answer, as the server words them
ERRORS = {
    "invalid_json": (400, "The body is not valid JSON: Expecting value (line 1, column 1).", {}),
    "invalid_body": (400, "The body must be a JSON object of field values.", {}),
    "invalid_domain": (
        400,
        "The domain must be a list of conditions, e.g. [('stage_id', '=', 2)].",
        {},
    ),
    "invalid_fields": (400, "fields must be a list of field names, e.g. ['name','partner_id'].", {}),
    "invalid_order": (400, "Unknown field in order: 'colour'.", {"field": "colour"}),
    "unknown_field": (400, "Unknown field(s) on fsm.order: colour.", {"fields": ["colour"]}),
    "readonly_field": (400, "effective_duration is computed: it cannot be written.", {"field": "effective_duration"}),
    "invalid_ids": (400, "ids must be a JSON array of record ids, e.g. [1,2,3].", {}),
    "invalid_external_ref": (
        400,
        "external_ref must be a non-empty string of at most 255 characters.",
        {"field": "external_ref"},
    ),
    "invalid_tz": (
        400,
        "'Mars/Base' is not an IANA time zone name (e.g. Europe/Stockholm, America/New_York, UTC).",
        {"tz": "Mars/Base"},
    ),
    "invalid_company": (400, "X-Company-Id must be company ids separated by commas.", {}),
    "invalid_cursor": (400, "This cursor is not one the feed gave: start again without one.", {}),
    "invalid_date": (400, "date must be YYYY-MM-DD, got '13/12/2025'.", {}),
    "missing_file": (400, "The multipart body holds no file (a part with a filename).", {}),
    "missing_api_key": (401, "Send your Odoo API key in the X-API-Key header.", {}),
    "invalid_api_key": (401, "The API key is invalid, expired or revoked.", {}),
    "read_only_key": (403, "This API key may only read.", {}),
    "not_exposed": (
        403,
        "'partner_id' leads to res.partner, which this API key cannot reach.",
        {"field": "partner_id", "model": "res.partner"},
    ),
    "access_denied": (403, "You are not allowed to modify 'Field Service Order' (fsm.order) records.", {}),
    "company_not_allowed": (
        403,
        "The key's user may not work in company 3.",
        {"companies": [3], "allowed": [1]},
    ),
    "unknown_model": (404, "No model 'fsm.widget' in this API.", {}),
    "not_found": (404, "No fsm.order record 789.", {}),
    "unknown_method": (404, "No method 'action_fly' on fsm.order in this API.", {}),
    "no_report": (404, "fsm.stage has no PDF report.", {"model": "fsm.stage"}),
    "method_not_allowed": (405, "PUT is not allowed here; use GET, POST.", {}),
    "workflow_conflict": (409, "A completed job cannot be started again.", {}),
    "duplicate_external_ref": (409, "Another record of this company has this external_ref.", {}),
    "cursor_expired": (
        410,
        "Changes after this cursor were purged (the feed keeps them for a set number of days): start again "
        "without a cursor.",
        {},
    ),
    "length_required": (411, "A file sent as the body needs a Content-Length header.", {}),
    "precondition_failed": (
        412,
        "fsm.order 789 changed since you read it: read it again, then retry.",
        {"etag": '"fsm.order-789-1734253200.0"'},
    ),
    "payload_too_large": (413, "The body exceeds 1048576 bytes.", {}),
    "batch_too_large": (413, f"At most {MAX_BATCH} records in one batch.", {}),
    "unsupported_media_type": (
        415,
        "Send the signature as image/png, image/jpeg or application/json, not text/plain.",
        {"content_type": "text/plain", "allowed": ["image/png", "image/jpeg", "application/json"]},
    ),
    "invalid_value": (
        422,
        "partner_id: no res.partner record with external_ref 'CUST-42' that you may use here.",
        {"field": "partner_id", "ref": "CUST-42"},
    ),
    "missing_field": (422, "Field 'partner_id' is required.", {"field": "partner_id"}),
    "validation_error": (422, "The scheduled end is before the scheduled start.", {}),
    "rate_limited": (
        429,
        "This API key is limited to 600 requests per 60 seconds; retry later.",
        {"retry_after": 12, "limit": 600, "window": 60},
    ),
    "too_many_failures": (
        429,
        "Too many refused API keys from this address; retry later.",
        {"retry_after": 240},
    ),
}
# what every route may answer: the key, the company header, the model, the method, the limits
COMMON_ERRORS = (
    "invalid_company",
    "missing_api_key",
    "invalid_api_key",
    "company_not_allowed",
    "method_not_allowed",
    "rate_limited",
    "too_many_failures",
)
READ_ERRORS = ("unknown_field", "invalid_fields", "not_exposed", "access_denied", "unknown_model")
WRITE_ERRORS = (
    "invalid_json",
    "invalid_body",
    "unknown_field",
    "readonly_field",
    "read_only_key",
    "not_exposed",
    "access_denied",
    "unknown_model",
    "payload_too_large",
    "invalid_value",
    "missing_field",
    "validation_error",
)
RECORD_WRITE_ERRORS = (*WRITE_ERRORS, "not_found", "workflow_conflict", "precondition_failed")
DELETE_ERRORS = (
    "read_only_key",
    "access_denied",
    "unknown_model",
    "not_found",
    "precondition_failed",
    "workflow_conflict",
)
BULK_ERRORS = (*WRITE_ERRORS, "batch_too_large", "not_found", "precondition_failed", "workflow_conflict")
# seed 000's requests (/work/shared/seeds/000: the contract), as examples of the fsm.order routes
SEED_CREATE = {
    "partner_id": 123,
    "sale_order_id": 456,
    "scheduled_date_start": "2025-12-15 09:00:00",
    "scheduled_date_end": "2025-12-15 12:00:00",
    "person_id": 10,
    "description": "Install motorized blinds - living room and bedroom",
}
SEED_CUSTOMER = {
    "ref": "CUST-42",
    "first_name": "Erica",
    "last_name": "Swansson",
    "email": "erica@example.com",
    "mobile": "+46701112233",
    "street": "Drottninggatan 1",
    "city": "Stockholm",
    "zip": "111 51",
    "country_code": "SE",
}
SEED_FIELDS = "['name','partner_id','scheduled_date_start','stage_id','person_id','location_id']"
SEED_DOMAINS = {
    "scheduled": ("Jobs in the Scheduled stage", "[('stage_id','=',2)]"),
    "today": (
        "Today's jobs",
        "[('scheduled_date_start','>=','2025-12-13 00:00:00'),('scheduled_date_start','<=','2025-12-13 23:59:59')]",
    ),
    "this_week": (
        "This week's jobs (date-only values: whole days in the tz / X-Timezone zone, default UTC)",
        "[('scheduled_date_start','>=','2025-12-09'),('scheduled_date_start','<=','2025-12-15')]",
    ),
    "technician": ("Open jobs of technician 10", "[('person_id','=',10),('stage_id','not in',[5])]"),
    "active": ("Active jobs (neither completed nor cancelled)", "[('stage_id','not in',[4,5])]"),
    "unassigned": ("Unassigned jobs", "[('person_id','=',False)]"),
    "customer": ("Jobs of customer 123", "[('partner_id','=',123)]"),
    "install": ("Installation jobs", "[('type','=','install')]"),
    "overdue": ("Overdue jobs", "[('scheduled_date_start','<','2025-12-13'),('stage_id','not in',[4,5])]"),
    "sale_order": ("Jobs of sale order 456", "[('sale_order_id','=',456)]"),
    "customer_city": ("Related path: jobs of customers in a city", "[('partner_id.city','=','Stockholm')]"),
}
SEED_UPDATES = {
    "start": ("Move the job to In Progress", {"stage_id": 3, "date_start": "2025-12-13 09:15:00"}),
    "complete": ("Complete the job", {"stage_id": 4, "date_end": "2025-12-13 11:30:00"}),
    "reschedule": (
        "Reschedule the job",
        {"scheduled_date_start": "2025-12-16 14:00:00", "scheduled_date_end": "2025-12-16 17:00:00"},
    ),
    "reassign": ("Reassign the technician", {"person_id": 15}),
    "by_reference": ("Link the customer by its external reference", {"partner_id": {"ref": "CUST-42"}}),
}
SEED_JOB = {
    "id": 789,
    "name": "FSM00001",
    "partner_id": [123, "Erica Swansson"],
    "location_id": [31, "Erica Swansson, Stockholm"],
    "sale_order_id": [456, "S00456"],
    "scheduled_date_start": "2025-12-15 09:00:00",
    "scheduled_date_end": "2025-12-15 12:00:00",
    "stage_id": [2, "Scheduled"],
    "person_id": [10, "Ann Technician"],
    "description": "Install motorized blinds - living room and bedroom",
    "duration": 3.0,
}
FIELDS_SPEC = {
    "name": {},
    "partner_id": {"fields": {"name": {}, "email": {}}},
    "stage_id": {"fields": {"code": {}}},
    "time_log_ids": {"fields": {"check_in": {}}, "limit": 5, "order": "id desc"},
}


def _varname(value):
    """An enum member name for a string value: upper-case words of letters and digits, a sign before a
    digit spelt out (Etc/GMT+1 -> ETC_GMT_PLUS_1, Etc/GMT-1 -> ETC_GMT_MINUS_1)."""
    text = re.sub(r"(?<=[A-Za-z])\+(?=\d)", " PLUS ", value)
    text = re.sub(r"(?<=[A-Za-z])-(?=\d)", " MINUS ", text)
    name = "_".join(re.findall(r"[A-Za-z0-9]+", text)).upper() or "EMPTY"
    return f"VALUE_{name}" if name[0].isdigit() else name


def enum_varnames(values):
    """Unique member names of a string enum (``x-enum-varnames``: openapi-python-client, OpenAPI
    Generator), so that values differing only in punctuation (GMT0, GMT+0, GMT-0) stay apart."""
    names, seen = [], set()
    for value in values:
        name = base = _varname(str(value))
        count = 2
        while name in seen:
            name, count = f"{base}_{count}", count + 1
        seen.add(name)
        names.append(name)
    return names


def _string_enum(values, **extra):
    return {"type": "string", "enum": values, "x-enum-varnames": enum_varnames(values), **extra}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _read_schema(desc):
    ftype = desc["type"]
    if ftype == "boolean":
        return {"type": "boolean"}
    if ftype == "integer":
        return {"type": "integer", "nullable": True}
    if ftype in ("float", "monetary"):
        return {"type": "number", "nullable": True}
    if ftype == "many2one":
        pair = {
            "type": "array",
            "nullable": True,
            "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "minItems": 2,
            "maxItems": 2,
        }
        return {
            "oneOf": [pair, _ref("Related")],
            "description": f"[id, display name] of {desc.get('relation')}, or an object when asked with sub-fields",
        }
    if ftype in ("one2many", "many2many"):
        return {
            "type": "array",
            "items": {"oneOf": [{"type": "integer"}, _ref("Related")]},
            "description": f"ids of {desc.get('relation')}, or objects when asked with sub-fields",
        }
    if ftype == "date":
        return {"type": "string", "format": "date", "nullable": True}
    if ftype == "datetime":
        return {"type": "string", "nullable": True, "example": "2025-12-15 09:00:00", "description": "UTC"}
    if ftype == "many2one_reference":
        return {"type": "integer", "nullable": True, "description": "id of a record of the model its model field names"}
    if ftype == "selection" and _integer_keys(desc):
        # Odoo stores an integer-keyed selection as text: it is read back as a string
        return _string_enum([str(key) for key in _integer_keys(desc)], nullable=True)
    if ftype == "selection":
        keys = [key for key, _label in desc.get("selection") or []]
        return _string_enum(keys, nullable=True) if keys else {"type": "string", "nullable": True}
    if ftype in ("json", "properties"):
        return {"nullable": True}
    return {"type": "string", "nullable": True}


def _integer_keys(desc):
    keys = [key for key, _label in desc.get("selection") or []]
    return keys if keys and all(isinstance(key, int) and not isinstance(key, bool) for key in keys) else None


# an Odoo command on a one2many or many2many: [0, 0, {values}], [1, id, {values}], [2, id], [3, id],
# [4, id], [5], [6, 0, [ids]]
COMMAND = {
    "type": "array",
    "items": {
        "oneOf": [
            {"type": "integer"},
            _ref("Values"),
            {"type": "array", "items": {"type": "integer"}},
        ]
    },
}


def _write_schema(desc, env=None):
    ftype = desc["type"]
    schema = _read_schema(desc)
    if ftype == "many2one_reference":
        return {
            "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^[a-z0-9_.]+,\d+$"}],
            "nullable": True,
            "description": f"{schema['description']}, or 'model.name,id' (which sets the model field too)",
        }
    if ftype == "selection" and _integer_keys(desc):
        keys = _integer_keys(desc)
        return {
            "oneOf": [
                {"type": "integer", "enum": keys},
                _string_enum([str(key) for key in keys]),
            ],
            "nullable": True,
        }
    if ftype == "many2one":
        relation = desc.get("relation")
        by_id = {"type": "integer", "minimum": 1, "nullable": True, "description": f"id of {relation}"}
        if env is not None and relation in env and _addressed_by_ref(env[relation]):
            return {
                "oneOf": [by_id, _ref("RecordRef")],
                "description": f'id of {relation}, or {{"ref": "<its external_ref>"}}',
            }
        return by_id
    if ftype in ("one2many", "many2many"):
        return {
            "type": "array",
            "items": {"oneOf": [{"type": "integer", "minimum": 1}, COMMAND]},
            "description": "Odoo commands, e.g. [[6, 0, [ids]]], [[0, 0, {values}]], [[4, id, 0]]; or ids",
        }
    if ftype == "datetime":
        return {"type": "string", "pattern": DATETIME_PATTERN, "nullable": True}
    if ftype == "boolean":
        return {"type": "boolean"}
    if ftype == "selection":
        return dict(schema)  # a new dict: the read and write schemas may be edited apart
    return schema


def _write_only_schema(desc):
    """A value a body may hold that is no field (a model's ``_fsj_api_write_only_fields``), e.g. fsm.order's
    ``customer``: an object of strings when its keys are known."""
    # no title: openapi-python-client would name the class after it, not after the schema
    text = {"description": ": ".join(part for part in (desc.get("string"), desc.get("help")) if part)}
    if not desc.get("keys"):
        return {"writeOnly": True, **text}
    schema = {
        "type": "object",
        "properties": {key: {"type": "string", "nullable": True} for key in desc["keys"]},
        "additionalProperties": False,
        "writeOnly": True,
        **text,
    }
    if set(SEED_CUSTOMER) <= set(desc["keys"]):  # seed 004's customer object
        schema["example"] = SEED_CUSTOMER
    return schema


def build(env, exposed, base_url):
    """The document for the models this request may use (those the user cannot read are left out)."""
    apis = _readable_apis(env, exposed)
    schemas = dict(SHARED_SCHEMAS)
    paths = {}
    pdf_reports = _pdf_reports(env, apis)
    for name, api in apis.items():
        key = name.replace(".", "_")
        schemas.update(_model_schemas(key, api))
        paths.update(_model_paths(name, key, api, pdf_reports.get(name, ())))
    paths.update(_fsm_paths())
    _add_common_parameters(paths)
    _share_enums(schemas)
    responses = _share_responses(paths)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Field Service Jobs REST API",
            "version": "1.0",
            "description": DESCRIPTION
            + (JDX_NOTE if "fsm.stage" in dict(env.context.get("fsj_id_maps") or ()) else ""),
        },
        "servers": [{"url": f"{base_url.rstrip('/')}/restapi/1.0"}],
        "security": [{"ApiKey": []}],
        "tags": [{"name": name, "description": api.model._description or name} for name, api in apis.items()]
        + [{"name": "fsm", "description": "Dashboard and this document"}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ApiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": "An Odoo API key (Preferences > Account Security > New API Key).",
                }
            },
            "schemas": schemas,
            "responses": responses,
            "parameters": PARAMETERS,
            "examples": _error_examples(),
        },
    }


def _share_enums(schemas):
    """Long enums (e.g. the ~600 time zones of every ``tz`` field) are one schema of their own, named
    after the field (``selection_tz``), which the models' schemas refer to: one enum class in generated
    clients, and a document a few times smaller."""
    shared = {}
    for schema in list(schemas.values()):
        for name, prop in (schema.get("properties") or {}).items():
            if len(prop.get("enum") or ()) <= SHARED_ENUM_SIZE:
                continue
            values = {k: v for k, v in prop.items() if k not in ("title", "description")}
            for suffix in itertools.count(1):
                key = f"selection_{name}" if suffix == 1 else f"selection_{name}_{suffix}"
                if shared.setdefault(key, values) == values:
                    break
            schema["properties"][name] = {"$ref": f"#/components/schemas/{key}"}
    schemas.update(shared)


def _share_responses(paths):
    """The error answers, which many routes share, as components the routes refer to: {name: response}."""
    shared, names = {}, {}
    for operations in paths.values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status < "400":
                    continue
                codes = [code.removeprefix("error_") for code in response["content"]["application/json"]["examples"]]
                text = json.dumps(response, sort_keys=True)
                if text not in names:
                    base = f"error_{status}_{'_'.join(codes)}" if len(codes) <= 3 else f"error_{status}"
                    name, count = base, 2
                    while name in shared:
                        name, count = f"{base}_{count}", count + 1
                    names[text] = name
                    shared[name] = response
                operation["responses"][status] = {"$ref": f"#/components/responses/{names[text]}"}
    return shared


def _pdf_reports(env, apis):
    """{model: [report names]} of the PDF reports the user may read, for the models of this document."""
    found = {}
    reports = env["ir.actions.report"].sudo().search([("model", "in", list(apis)), ("report_type", "=", "qweb-pdf")])
    for report in usable_reports(env, reports):
        found.setdefault(report.model, []).append(report.report_name)
    return found


def _readable_apis(env, exposed):
    apis = {}
    for name in sorted(exposed):
        try:
            apis[name] = ModelApi(env, name, exposed)
        except Exception:  # noqa: BLE001 - a model the user may not read is left out of their document
            continue
    return apis


def _has_refs(api):
    return REF_FIELD in api.fields and _addressed_by_ref(api.model)


def _addressed_by_ref(model):
    """Whether the model finds its records by external reference (it overrides ``_fsj_api_find_by_ref``,
    models/fsj_external_ref_mixin.py): a model that only shows another's external_ref (fsm.person, by
    delegation to its partner) is not."""
    own = getattr(type(model), "_fsj_api_find_by_ref", None)
    return REF_FIELD in model._fields and own is not getattr(type(model.env["base"]), "_fsj_api_find_by_ref", None)


def _write_only_fields(api):
    hook = getattr(api, "write_only_fields", None)  # restapi/service.py: the model's write-only values
    return hook() if hook else {}


def _pseudo_schema(desc):
    """A pseudo-field's schema (a value the API computes, asked by name only; e.g. fsm.order's ``actions``)."""
    text = f"{desc.get('help') or ''} Asked by name only (fields=...,actions), never in the default set.".strip()
    if desc.get("type") == "actions":
        choices = "".join(f"\n- `{key}`: {label}" for key, label in desc.get("selection") or ())
        return {
            "type": "array",
            "items": {"type": "string"},
            "readOnly": True,
            "title": desc.get("string") or "actions",
            "description": text + choices,
            "example": [key for key, _label in (desc.get("selection") or ())[:3]],
        }
    return dict(_read_schema(desc), readOnly=True, title=desc.get("string") or "", description=text)


def _model_schemas(key, api):
    """The read schema and the write schema (POST, PUT, PATCH) of one model; for bulk updates, an item
    (values with the id or ref and etag of its record); for models with external references, an upsert
    item and an upsert answer's row."""
    read_props = {"id": {"type": "integer"}}
    write_props = {}
    for api_name, (_orm, desc) in sorted(api.fields.items()):
        if api_name == "id":
            continue
        read_props[api_name] = dict(_read_schema(desc), title=desc.get("string") or api_name)
        if not desc.get("readonly"):
            write_props[api_name] = _write_schema(desc, api.env)
    pseudo = getattr(api, "pseudo_fields", dict)()  # restapi/service.py: the model's pseudo-fields
    for api_name, (_method, desc) in sorted(pseudo.items()):
        read_props.setdefault(api_name, _pseudo_schema(desc))
    own_schemas = {}  # a write-only object is a schema of its own: the write, bulk and upsert items share it
    for api_name, desc in sorted(_write_only_fields(api).items()):
        own_schemas[f"{key}_{api_name}"] = _write_only_schema(desc)
        write_props[api_name] = _ref(f"{key}_{api_name}")
    item_props = {
        "id": {"type": "integer", "minimum": 1, "description": "the record's id (or give ref)"},
        **(
            {"ref": {"type": "string", "minLength": 1, "description": "the record's external_ref (or give id)"}}
            if _has_refs(api)
            else {}
        ),
        "etag": {"type": "string", "description": "the ETag read with the record: refused (412) when it changed"},
        **write_props,
    }
    schemas = {
        **own_schemas,
        key: {"type": "object", "properties": read_props},
        f"{key}_write": {"type": "object", "properties": write_props, "additionalProperties": False},
        f"{key}_bulk_item": {"type": "object", "properties": item_props, "additionalProperties": False},
    }
    if _has_refs(api):
        schemas[f"{key}_upsert_item"] = {"allOf": [_ref(f"{key}_write")], "required": [REF_FIELD]}
        schemas[f"{key}_upserted"] = {
            "allOf": [
                _ref(key),
                {
                    "type": "object",
                    "required": ["result"],
                    "properties": {
                        "result": _string_enum(["created", "updated", "unchanged"]),
                        "previous": {
                            "type": "object",
                            "additionalProperties": True,
                            "description": "For an updated record: the old values of the fields that changed",
                        },
                    },
                },
            ]
        }
    return schemas


def _model_paths(name, key, api, reports=()):
    ref = _ref(key)
    write_ref = _ref(f"{key}_write")
    one = {"type": "object", "properties": {name: ref}}
    many = {"type": "object", "properties": {name: {"type": "array", "items": ref}}}
    paths = {
        f"/object/{name}": _collection_path(name, key, many, write_ref, api),
        f"/object/{name}/{{id}}": _record_path(name, key, one, write_ref),
    }
    if _has_refs(api):
        paths[f"/object/{name}/ref:{{external_ref}}"] = _ref_path(name, key, one, write_ref)
    for method, arguments in api.methods().items():
        paths[f"/object/{name}/{{id}}/{method}"] = _method_path(name, key, one, method, arguments, api.env)
        if _has_refs(api):
            paths[f"/object/{name}/ref:{{external_ref}}/{method}"] = _method_path(
                name, key, one, method, arguments, api.env, by_ref=True
            )
    paths[f"/changes/{name}"] = _changes_path(name, key, ref)
    paths.update(_file_paths(name, key))
    if signature.supported(api.model):
        paths[f"/object/{name}/{{id}}/signature"] = _signature_path(name, key)
    if reports:
        paths[f"/object/{name}/{{id}}/report"] = _report_path(name, key, reports)
    for operations in paths.values():
        for operation in operations.values():
            operation["tags"] = [name]
    return paths


ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "mimetype": {"type": "string"},
        "size": {"type": "integer"},
        "checksum": {"type": "string"},
        "create_date": {"type": "string"},
        "uploader": {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]}},
    },
}
FILE_ERRORS = ("read_only_key", "access_denied", "unknown_model", "not_found", "payload_too_large")


def _file_paths(name, key):
    record = [{"$ref": "#/components/parameters/id"}]
    listing = {"type": "object", "properties": {"attachments": {"type": "array", "items": ATTACHMENT}}}
    att_id = {"name": "att_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    upload = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "additionalProperties": {"type": "string", "format": "binary"},
                "description": "One or several files, under any field name.",
            }
        },
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    }
    return {
        f"/object/{name}/{{id}}/attachments": {
            "get": {
                "summary": f"The files of one {name}",
                "operationId": f"attachments_{key}",
                "parameters": record,
                "responses": _responses("200", listing, errors=("access_denied", "unknown_model", "not_found")),
            },
            "post": {
                "summary": f"Add files to one {name}: multipart/form-data, or the file as the body (any type) "
                "with ?filename=",
                "operationId": f"upload_{key}",
                "parameters": [
                    *record,
                    {"name": "filename", "in": "query", "required": False, "schema": {"type": "string"}},
                ],
                "requestBody": {"required": True, "content": upload},
                "responses": _responses(
                    "201",
                    listing,
                    errors=(*FILE_ERRORS, "missing_file", "length_required", "unsupported_media_type"),
                ),
            },
        },
        f"/object/{name}/{{id}}/attachments/{{att_id}}": {
            "get": {
                "summary": "Download one file (Range, ETag and If-None-Match honoured)",
                "operationId": f"download_{key}",
                "parameters": [*record, att_id],
                "responses": _binary_responses(
                    "The file, of its own type (application/octet-stream when unknown)",
                    ("application/octet-stream",),
                    errors=("access_denied", "unknown_model", "not_found"),
                ),
            },
            "delete": {
                "summary": "Delete one file",
                "operationId": f"delete_attachment_{key}",
                "parameters": [*record, att_id],
                "responses": _responses("200", {"type": "object"}, errors=FILE_ERRORS),
            },
        },
    }


def _signature_path(name, key):
    record = [{"$ref": "#/components/parameters/id"}]
    answer = {"type": "object", "properties": {"signature": {"type": "object"}}}
    body = {
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "byte", "description": "base64 of a PNG or JPEG"},
            "signed_by": {"type": "string"},
            "signed_on": {"type": "string", "format": "date-time"},
        },
    }
    content = {"application/json": {"schema": body}}
    # the image as the body: described for the image types (image/png, image/jpeg) in words only,
    # since openapi-python-client generates nothing for them; application/octet-stream when taken
    if "application/octet-stream" in signature.RAW_TYPES:
        content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
    return {
        "get": {
            "summary": f"The customer's signature of one {name}",
            "operationId": f"signature_{key}",
            "parameters": record,
            "responses": _responses("200", answer, errors=("access_denied", "unknown_model", "not_found")),
        },
        "post": {
            "summary": f"Sign one {name}",
            "description": "The signature as JSON (the image in base64), or the PNG or JPEG itself as the body "
            "(Content-Type: image/png or image/jpeg) with ?signed_by= (and ?signed_on=).",
            "operationId": f"sign_{key}",
            "parameters": [
                *record,
                {"name": "signed_by", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "signed_on", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "requestBody": {"required": True, "content": content},
            "responses": _responses(
                "200",
                answer,
                errors=(
                    "invalid_json",
                    "invalid_body",
                    "unknown_field",
                    "read_only_key",
                    "access_denied",
                    "not_found",
                    "workflow_conflict",
                    "payload_too_large",
                    "unsupported_media_type",
                    "invalid_value",
                    "missing_field",
                ),
            ),
        },
    }


def _report_path(name, key, reports):
    return {
        "get": {
            "summary": f"The PDF report of one {name} (also GET /report/<report_name>/<id>: {', '.join(reports)})",
            "operationId": f"report_{key}",
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "responses": _binary_responses(
                "The PDF (Content-Type: application/pdf)",
                ("application/pdf", "application/octet-stream"),
                errors=("access_denied", "unknown_model", "not_found", "no_report"),
            ),
        }
    }


def _binary_responses(text, mimetypes, errors=()):
    responses = _responses("200", {"type": "string"}, errors=errors)
    binary = {"schema": {"type": "string", "format": "binary"}}
    responses["200"] = {"description": text, "content": {mimetype: binary for mimetype in mimetypes}}
    return responses


def _changes_path(name, key, ref):
    change = {
        "type": "object",
        "required": ["op", "id"],
        "properties": {
            "op": _string_enum(["upsert", "delete"]),
            "id": {"type": "integer"},
            "record": ref,
        },
    }
    page = {
        "type": "object",
        "required": ["changes", "cursor", "has_more"],
        "properties": {
            "changes": {"type": "array", "items": change},
            "cursor": {"type": "string"},
            "has_more": {"type": "boolean"},
        },
    }
    return {
        "get": {
            "summary": f"Changes of {name} since a cursor (without one: every record, then the changes)",
            "operationId": f"changes_{key}",
            "parameters": [
                {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": FEED_MAX_LIMIT, "default": 100},
                },
                {"$ref": "#/components/parameters/feed_fields"},
            ],
            "responses": _responses(
                "200", page, errors=(*READ_ERRORS, "invalid_cursor", "cursor_expired", "invalid_domain")
            ),
        }
    }


def _search_parameters(name):
    params = [
        {"$ref": f"#/components/parameters/{p}"}
        for p in ("domain", "fields", "limit", "offset", "order", "start_after_id", "tz", "timezone")
    ]
    if name == "fsm.order":  # seed 000's filters, as examples of the domain
        params[0] = dict(
            PARAMETERS["domain"],
            examples={key: {"summary": text, "value": value} for key, (text, value) in SEED_DOMAINS.items()},
        )
    return params


def _collection_path(name, key, many, write_ref, api):
    one = {"type": "object", "properties": {name: _ref(key)}}
    create_body = {"oneOf": [write_ref, {"type": "array", "items": write_ref, "minItems": 1, "maxItems": MAX_BATCH}]}
    deleted = {
        "type": "object",
        "properties": {
            name: {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "deleted": {"type": "boolean"}},
                },
            }
        },
    }
    delete_item = {
        "type": "object",
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            **({"ref": {"type": "string", "minLength": 1}} if _has_refs(api) else {}),
            "etag": {"type": "string"},
        },
        "additionalProperties": False,
    }
    paths = {
        "get": {
            "summary": f"Search {name}",
            "operationId": f"search_{key}",
            "parameters": _search_parameters(name),
            "responses": _responses(
                "200",
                many,
                headers={
                    "X-Total-Count": {"schema": {"type": "integer"}},
                    "X-Next-Start-After-Id": {
                        "schema": {"type": "integer"},
                        "description": "With start_after_id: the value for the next page (absent on the last)",
                    },
                },
                errors=(*READ_ERRORS, "invalid_domain", "invalid_order", "invalid_tz"),
            ),
        },
        "post": {
            "summary": f"Create {name} (an object), or an atomic batch (an array of at most {MAX_BATCH})",
            "operationId": f"create_{key}",
            "parameters": [{"$ref": "#/components/parameters/fields"}, {"$ref": "#/components/parameters/idempotency"}],
            "requestBody": {
                "required": True,
                "content": {"application/json": _with_examples({"schema": create_body}, _create_examples(name))},
            },
            "responses": _responses(
                "201",
                {"oneOf": [one, many]},
                errors=(*WRITE_ERRORS, "batch_too_large", "duplicate_external_ref"),
                example={name: SEED_JOB} if name == "fsm.order" else None,
            ),
        },
        "patch": {
            "summary": f"Update many {name} at once (all or nothing, at most {MAX_BATCH}): an array of items, each "
            "with the record's id (or ref), optionally its etag, and the values to write",
            "operationId": f"bulk_update_{key}",
            "parameters": [{"$ref": "#/components/parameters/fields"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": _with_examples(
                        {"schema": {"type": "array", "items": _ref(f"{key}_bulk_item"), "maxItems": MAX_BATCH}},
                        _bulk_update_examples(name),
                    )
                },
            },
            "responses": _responses("200", many, errors=BULK_ERRORS),
        },
        "delete": {
            "summary": f"Delete many {name} at once (all or nothing): ?ids=[1,2,3], or a JSON array of items "
            '[{"id": 1, "etag": "..."}] as the body',
            "operationId": f"bulk_delete_{key}",
            "parameters": [{"$ref": "#/components/parameters/ids"}],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {"schema": {"type": "array", "items": delete_item, "maxItems": MAX_BATCH}}
                },
            },
            "responses": _responses(
                "200",
                deleted,
                errors=(
                    "invalid_ids",
                    "invalid_body",
                    "read_only_key",
                    "access_denied",
                    "unknown_model",
                    "batch_too_large",
                    "not_found",
                    "precondition_failed",
                    "workflow_conflict",
                ),
                example={name: [{"id": 1, "deleted": True}, {"id": 2, "deleted": True}]},
            ),
        },
    }
    if _has_refs(api):
        paths["put"] = {
            "summary": f"Upsert many {name} by external_ref (all or nothing, at most {MAX_BATCH}): each item is "
            "created, or updated when a record has its external_ref",
            "description": 'Each row of the answer says "result": created, updated or unchanged; an updated row '
            'has "previous": the old values of the fields that changed.',
            "operationId": f"bulk_upsert_{key}",
            "parameters": [{"$ref": "#/components/parameters/fields"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": _with_examples(
                        {"schema": {"type": "array", "items": _ref(f"{key}_upsert_item"), "maxItems": MAX_BATCH}},
                        _upsert_examples(name),
                    )
                },
            },
            "responses": _responses(
                "200",
                {"type": "object", "properties": {name: {"type": "array", "items": _ref(f"{key}_upserted")}}},
                errors=(*BULK_ERRORS, "invalid_external_ref", "duplicate_external_ref"),
                example=_upserted_example(name),
            ),
        }
    return paths


def _record_path(name, key, one, write_ref):
    record = [{"$ref": "#/components/parameters/id"}, {"$ref": "#/components/parameters/fields"}]
    update = {
        verb: {
            "summary": f"Update one {name} (partial)",
            "operationId": f"{verb}_{key}",
            "parameters": [*record, {"$ref": "#/components/parameters/if_match"}],
            "requestBody": {
                "required": True,
                "content": {"application/json": _with_examples({"schema": write_ref}, _update_examples(name))},
            },
            "responses": _responses("200", one, errors=RECORD_WRITE_ERRORS, headers=ETAG),
        }
        for verb in ("put", "patch")
    }
    return {
        "get": {
            "summary": f"Read one {name}",
            "operationId": f"read_{key}",
            "parameters": record,
            "responses": _responses(
                "200",
                one,
                headers=ETAG,
                errors=(*READ_ERRORS, "not_found"),
                example={name: SEED_JOB} if name == "fsm.order" else None,
            ),
        },
        **update,
        "delete": {
            "summary": f"Delete one {name}",
            "operationId": f"delete_{key}",
            "parameters": [{"$ref": "#/components/parameters/id"}, {"$ref": "#/components/parameters/if_match"}],
            "responses": _responses(
                "200",
                {"type": "object"},
                errors=DELETE_ERRORS,
            ),
        },
    }


def _ref_path(name, key, one, write_ref):
    """/object/<model>/ref:<external_ref>: one record by its external reference; PUT creates or updates it."""
    record = [{"$ref": "#/components/parameters/external_ref"}, {"$ref": "#/components/parameters/fields"}]
    if_match = {"$ref": "#/components/parameters/if_match"}
    not_found = ("invalid_external_ref", "not_found")
    upsert_responses = _responses(
        "200",
        one,
        headers=ETAG,
        errors=(*RECORD_WRITE_ERRORS, "invalid_external_ref", "duplicate_external_ref"),
    )
    upsert_responses["200"]["description"] = "Updated (a record had this external_ref)"
    created = _responses("201", one, headers=ETAG)["201"]
    created["description"] = "Created, with this external_ref"
    upsert_responses = {"200": upsert_responses.pop("200"), "201": created, **upsert_responses}
    return {
        "get": {
            "summary": f"Read one {name} by its external_ref",
            "operationId": f"read_by_ref_{key}",
            "parameters": record,
            "responses": _responses("200", one, headers=ETAG, errors=(*READ_ERRORS, *not_found)),
        },
        "put": {
            "summary": f"Create or update one {name} by its external_ref (201 created, 200 updated)",
            "description": "If-Match is honoured when the record exists. The body's external_ref, when given, "
            "must be the path's.",
            "operationId": f"upsert_{key}",
            "parameters": [*record, if_match],
            "requestBody": {
                "required": True,
                "content": {"application/json": _with_examples({"schema": write_ref}, _create_examples(name))},
            },
            "responses": upsert_responses,
        },
        "patch": {
            "summary": f"Update one {name} by its external_ref (partial)",
            "operationId": f"patch_by_ref_{key}",
            "parameters": [*record, if_match],
            "requestBody": {
                "required": True,
                "content": {"application/json": _with_examples({"schema": write_ref}, _update_examples(name))},
            },
            "responses": _responses("200", one, headers=ETAG, errors=(*RECORD_WRITE_ERRORS, *not_found)),
        },
        "delete": {
            "summary": f"Delete one {name} by its external_ref",
            "operationId": f"delete_by_ref_{key}",
            "parameters": [{"$ref": "#/components/parameters/external_ref"}, if_match],
            "responses": _responses(
                "200",
                {"type": "object"},
                errors=(*DELETE_ERRORS, "invalid_external_ref"),
            ),
        },
    }


def _method_path(name, key, one, method, arguments, env, by_ref=False):
    props = {arg: _write_schema(desc, env) for arg, desc in arguments.items()}
    body = {"type": "object", "properties": props, "additionalProperties": False}
    target = "#/components/parameters/external_ref" if by_ref else "#/components/parameters/id"
    errors = (*RECORD_WRITE_ERRORS, "unknown_method")
    return {
        "post": {
            "summary": f"{method} on one {name}" + (" (by its external_ref)" if by_ref else ""),
            "operationId": f"{method}_by_ref_{key}" if by_ref else f"{method}_{key}",
            "parameters": [
                {"$ref": target},
                {"$ref": "#/components/parameters/fields"},
                {"$ref": "#/components/parameters/if_match"},
            ],
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": _responses(
                "200", one, errors=(*errors, "invalid_external_ref") if by_ref else errors, headers=ETAG
            ),
        }
    }


def _fsm_paths():
    return {
        "/fsm/dashboard": {
            "get": {
                "tags": ["fsm"],
                "summary": "Job counts by stage (and what each stage allows) and the jobs of one (UTC) day, in "
                "one call",
                "operationId": "dashboard",
                "parameters": [{"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": _responses("200", {"type": "object"}, errors=("invalid_date",)),
            }
        },
        "/openapi.json": {
            "get": {
                "tags": ["fsm"],
                "summary": "This document",
                "operationId": "openapi",
                "responses": _responses("200", {"type": "object"}),
            }
        },
    }


def _add_common_parameters(paths):
    for operations in paths.values():
        for operation in operations.values():
            # a new list: operations may share their parameter lists
            operation["parameters"] = [
                *operation.get("parameters", []),
                {"$ref": "#/components/parameters/company"},
                {"$ref": "#/components/parameters/accept_language"},
            ]


# -- examples ---------------------------------------------------------------------------------------
def _with_examples(media, examples):
    if examples:
        media["examples"] = examples
    return media


def _create_examples(name):
    if name != "fsm.order":
        return None
    return {
        "seed_000": {"summary": "Seed 000: create an installation job", "value": SEED_CREATE},
        "customer_inline": {
            "summary": "A job with its customer inline (found by ref, else by email, else created)",
            "value": {
                "customer": SEED_CUSTOMER,
                "scheduled_date_start": "2025-12-15 09:00:00",
                "description": "Replace heel - left foot",
            },
        },
        "by_reference": {
            "summary": "Link the customer and location by their external references",
            "value": {
                "partner_id": {"ref": "CUST-42"},
                "location_id": {"ref": "SITE-7"},
                "external_ref": "SHOP-1001",
                "description": "Install motorized blinds",
            },
        },
    }


def _update_examples(name):
    if name != "fsm.order":
        return None
    return {key: {"summary": text, "value": value} for key, (text, value) in SEED_UPDATES.items()}


def _bulk_update_examples(name):
    if name != "fsm.order":
        return None
    return {
        "reassign": {
            "summary": "Reassign two jobs (the first only if unchanged since read)",
            "value": [
                {"id": 789, "etag": '"fsm.order-789-1734253200.0"', "person_id": 15},
                {"ref": "SHOP-1001", "person_id": 15},
            ],
        }
    }


def _upsert_examples(name):
    if name != "fsm.order":
        return None
    return {
        "shop_orders": {
            "summary": "Jobs of a shop's orders, by the shop's order numbers",
            "value": [
                {
                    "external_ref": "SHOP-1001",
                    "partner_id": {"ref": "CUST-42"},
                    "scheduled_date_start": "2025-12-15 09:00:00",
                    "description": "Install motorized blinds",
                },
                {"external_ref": "SHOP-1002", "customer": SEED_CUSTOMER, "description": "Service visit"},
            ],
        }
    }


def _upserted_example(name):
    if name != "fsm.order":
        return None
    return {
        name: [
            {
                "id": 789,
                "external_ref": "SHOP-1001",
                "result": "updated",
                "previous": {"scheduled_date_start": "2025-12-14 09:00:00"},
            },
            {"id": 790, "external_ref": "SHOP-1002", "result": "created"},
        ]
    }


def _error_examples():
    examples = {}
    for code, (status, message, details) in ERRORS.items():
        if code in ("rate_limited", "too_many_failures"):
            summary = f"{status} {code} (see Retry-After)"
        else:
            summary = f"{status} {code}"
        examples[f"error_{code}"] = {
            "summary": summary,
            "value": {"error": {"status": status, "code": code, "message": message, "details": details}},
        }
    examples["error_batch_item"] = {
        "summary": "422 invalid_value of a batch item (details.index names it)",
        "value": {
            "error": {
                "status": 422,
                "code": "invalid_value",
                "message": "Record 3: person_id: no fsm.person record 99 that you may use here.",
                "details": {"field": "person_id", "index": 3},
            }
        },
    }
    return examples


ETAG = {"ETag": {"schema": {"type": "string"}, "description": "The record's version, for If-Match"}}
RETRY_HEADERS = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying"},
    "RateLimit": {"schema": {"type": "string"}, "description": "The key's remaining requests (rate_limited)"},
    "RateLimit-Policy": {"schema": {"type": "string"}, "description": "The key's rate limit (rate_limited)"},
}
CONTENT_LANGUAGE = {
    "Content-Language": {
        "schema": {"type": "string"},
        "description": "The language of the answer's names, labels and messages (see Accept-Language)",
    }
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "details"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "What the error is about (field, fields, model, index of a batch item, ...)",
                },
            },
        }
    },
}
SHARED_SCHEMAS = {
    "Error": ERROR_SCHEMA,
    "Related": {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "integer"}},
        "additionalProperties": True,
        "description": "A related record read with sub-fields (fields=partner_id.email, or "
        '{"partner_id": {"fields": {"email": {}}}}): its id and the fields asked, nested the same way',
    },
    "Values": {
        "type": "object",
        "additionalProperties": True,
        "description": "Field values of a record an Odoo command creates or updates",
    },
    "RecordRef": {
        "type": "object",
        "required": ["ref"],
        "properties": {"ref": {"type": "string", "minLength": 1, "maxLength": REF_MAX_LENGTH}},
        "additionalProperties": False,
        "description": "A record given by its external_ref instead of its id (422 invalid_value when no record "
        "you may use has it)",
        "example": {"ref": "CUST-42"},
    },
}
FIELDS_DESCRIPTION = (
    "The fields to answer: a comma-separated or Python/JSON list of names (`name,partner_id`), dotted names "
    "of related fields (`partner_id.email,location_id.partner_id.city`), or Odoo's web_read specification as "
    'JSON (`{"partner_id": {"fields": {"name": {}, "email": {}}}, "time_log_ids": {"fields": {"check_in": {}}, '
    '"limit": 5, "order": "id desc"}}`). A related record asked with sub-fields is answered nested (a many2one '
    "as an object, null when empty; an x2many as a list of objects); named alone, a many2one stays "
    "[id, display name]. At most 3 hops, each on a model this key may reach (else 403 not_exposed), each field "
    "known and readable (else 400 unknown_field). fsm.order also answers `actions` when named."
)
PARAMETERS = {
    "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
    "external_ref": {
        "name": "external_ref",
        "in": "path",
        "required": True,
        "description": "The record's external reference (unique per company and model), e.g. SHOP-1001",
        "schema": {"type": "string", "minLength": 1, "maxLength": REF_MAX_LENGTH, "pattern": "^[^/]+$"},
        "example": "SHOP-1001",
    },
    "company": {
        "name": "X-Company-Id",
        "in": "header",
        "required": False,
        "description": "Company ids, comma-separated, that the request works in (each allowed to the "
        "key's user; the first is the company of new records). Default: all of the user's companies.",
        "schema": {"type": "string", "pattern": r"^\d+(,\d+)*$"},
    },
    "accept_language": {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "The language of names, selection labels and the errors Odoo translates, among the "
        "languages installed in the database (Content-Language answers the one used). Default: the user's.",
        "schema": {"type": "string"},
        "example": "fr-FR,fr;q=0.9",
    },
    "tz": {
        "name": "tz",
        "in": "query",
        "required": False,
        "description": "IANA time zone of the request (or the X-Timezone header): a date-only value compared "
        "with a datetime field in the domain means that whole day in this zone. Default: UTC.",
        "schema": {"type": "string"},
        "example": "Europe/Stockholm",
    },
    "timezone": {
        "name": "X-Timezone",
        "in": "header",
        "required": False,
        "description": "IANA time zone of the request, as the tz query parameter",
        "schema": {"type": "string"},
        "example": "Europe/Stockholm",
    },
    "if_match": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The ETag read with the record: the change is refused (412) when the record changed since",
        "schema": {"type": "string"},
    },
    "idempotency": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "A key of your own (at most 255 characters): a POST sent again with it is answered the "
        "first answer, and writes nothing again",
        "schema": {"type": "string", "maxLength": 255},
    },
    "ids": {
        "name": "ids",
        "in": "query",
        "required": False,
        "description": "The ids of the records to delete, as a JSON array or comma-separated (or send a body)",
        "schema": {"type": "string"},
        "example": "[1,2,3]",
    },
    "domain": {
        "name": "domain",
        "in": "query",
        "description": "Python-literal or JSON list of conditions, e.g. [('stage_id','=','new')]; dotted paths "
        "(partner_id.city) and date-only values (a whole day in the tz zone) are taken",
        "schema": {"type": "string"},
    },
    "fields": {
        "name": "fields",
        "in": "query",
        "description": FIELDS_DESCRIPTION,
        "schema": {"type": "string"},
        "examples": {
            "seed_000": {"summary": "Seed 000's job list", "value": SEED_FIELDS},
            "dotted": {
                "summary": "Dotted names of related fields",
                "value": "name,partner_id.email,partner_id.name,location_id.partner_id.city",
            },
            "web_read": {"summary": "Odoo's web_read specification, as JSON", "value": json.dumps(FIELDS_SPEC)},
            "actions": {"summary": "A job with what may be done with it now", "value": "name,stage_id,actions"},
        },
    },
    "feed_fields": {
        "name": "fields",
        "in": "query",
        "description": "Python/JSON list or comma-separated field names of the records in the feed (no dotted "
        "names or specification here)",
        "schema": {"type": "string"},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    "order": {
        "name": "order",
        "in": "query",
        "description": "field [asc|desc], ...",
        "schema": {"type": "string"},
        "example": "scheduled_date_start",
    },
    "start_after_id": {
        "name": "start_after_id",
        "in": "query",
        "description": "Keyset pagination: records with a greater id, ordered by id",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def _responses(ok_status, ok_schema, headers=None, errors=(), example=None):
    """The success answer and the errors of a route: ``errors`` (codes of ERRORS) and the ones every
    route may answer, grouped by status, each with its example."""
    by_status = {}
    for code in (*COMMON_ERRORS, *errors):
        by_status.setdefault(str(ERRORS[code][0]), []).append(code)
    if "422" in by_status and "batch_too_large" in errors:  # a batch: the failing item is named
        by_status["422"].append("batch_item")
    ok = {"description": "Success", "content": {"application/json": {"schema": ok_schema}}}
    if example is not None:
        ok["content"]["application/json"]["example"] = example
    ok["headers"] = {**(headers or {}), **CONTENT_LANGUAGE}
    responses = {ok_status: ok}
    for status in sorted(by_status):
        content = {
            "schema": {"$ref": "#/components/schemas/Error"},
            "examples": {
                code: {"$ref": f"#/components/examples/error_{code}"} for code in dict.fromkeys(by_status[status])
            },
        }
        responses[status] = {"description": ERROR_CODES[status], "content": {"application/json": content}}
        if status == "429":
            responses[status]["headers"] = RETRY_HEADERS
    return responses
