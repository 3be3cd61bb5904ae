# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The OpenAPI 3 document of the REST API, generated from the exposed models' fields_get (as the
requesting user sees them), with the API's aliases, method endpoints, errors and the X-API-Key scheme."""

from . import signature
from .feed import MAX_LIMIT as FEED_MAX_LIMIT
from .reports import usable as usable_reports
from .service import DEFAULT_LIMIT, MAX_BATCH, MAX_LIMIT, ModelApi

DATETIME_PATTERN = r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$"
JDX_NOTE = (
    " This key numbers the five job stages as seed 000 does (JDX stage numbering): 1 New, 2 Scheduled,"
    " 3 In Progress, 4 Completed, 5 Cancelled, everywhere a stage id appears (answers, bodies, domains,"
    " the dashboard, the change feed); fsm.stage lists only those five. Stage codes work as well."
)
ERROR_CODES = {
    "400": "Malformed request: JSON, domain, fields, order, limit/offset, unknown field or argument",
    "401": "Missing, invalid, expired or revoked API key",
    "403": "The key's user may not do this, the key may only read, a field path or relation leads to a model "
    "the key cannot reach (not_exposed), or X-Company-Id names a company the user is not allowed",
    "404": "Unknown or unexposed model, record or method",
    "405": "HTTP method not allowed on this route",
    "409": "Workflow conflict (e.g. starting a completed job)",
    "410": "The change feed's cursor is older than the changes it keeps (cursor_expired): start again without one",
    "412": "If-Match does not match the record's current ETag",
    "413": "Body or batch too large",
    "422": "Invalid value (e.g. a related record the user may not use), missing field, validation error",
    "429": "Too many refused keys from this client (too_many_failures) or the key's rate limit (rate_limited); "
    "see Retry-After",
}


def _read_schema(desc):
    ftype = desc["type"]
    if ftype == "boolean":
        return {"type": "boolean"}
    if ftype == "integer":
        return {"type": "integer", "nullable": True}
    if ftype in ("float", "monetary"):
        return {"type": "number", "nullable": True}
    if ftype == "many2one":
        return {
            "type": "array",
            "nullable": True,
            "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "minItems": 2,
            "maxItems": 2,
            "description": f"[id, display name] of {desc.get('relation')}",
        }
    if ftype in ("one2many", "many2many"):
        return {"type": "array", "items": {"type": "integer"}, "description": f"ids of {desc.get('relation')}"}
    if ftype == "date":
        return {"type": "string", "format": "date", "nullable": True}
    if ftype == "datetime":
        return {"type": "string", "nullable": True, "example": "2025-12-15 09:00:00", "description": "UTC"}
    if ftype == "many2one_reference":
        return {"type": "integer", "nullable": True, "description": "id of a record of the model its model field names"}
    if ftype == "selection" and _integer_keys(desc):
        # Odoo stores an integer-keyed selection as text: it is read back as a string
        return {"type": "string", "enum": [str(key) for key in _integer_keys(desc)], "nullable": True}
    if ftype == "selection":
        keys = [key for key, _label in desc.get("selection") or []]
        return {"type": "string", "enum": keys, "nullable": True} if keys else {"type": "string", "nullable": True}
    if ftype in ("json", "properties"):
        return {"nullable": True}
    return {"type": "string", "nullable": True}


def _integer_keys(desc):
    keys = [key for key, _label in desc.get("selection") or []]
    return keys if keys and all(isinstance(key, int) and not isinstance(key, bool) for key in keys) else None


def _write_schema(desc):
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
            "oneOf": [{"type": "integer", "enum": keys}, {"type": "string", "enum": [str(key) for key in keys]}],
            "nullable": True,
        }
    if ftype == "many2one":
        return {"type": "integer", "minimum": 1, "nullable": True, "description": f"id of {desc.get('relation')}"}
    if ftype in ("one2many", "many2many"):
        return {
            "type": "array",
            "items": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "array"}]},
            "description": "Odoo commands, e.g. [[6, 0, [ids]]], [[0, 0, {values}]], [[4, id, 0]]",
        }
    if ftype == "datetime":
        return {"type": "string", "pattern": DATETIME_PATTERN, "nullable": True}
    if ftype == "boolean":
        return {"type": "boolean"}
    return schema


def build(env, exposed, base_url):
    """The document for the models this request may use (those the user cannot read are left out)."""
    apis = _readable_apis(env, exposed)
    schemas = {"Error": ERROR_SCHEMA}
    paths = {}
    pdf_reports = _pdf_reports(env, apis)
    for name, api in apis.items():
        key = name.replace(".", "_")
        schemas.update(_model_schemas(key, api))
        paths.update(_model_paths(name, key, api, pdf_reports.get(name, ())))
    paths.update(_fsm_paths())
    _add_company_parameter(paths)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Field Service Jobs REST API",
            "version": "1.0",
            "description": "Seed 000's /restapi/1.0 contract on Odoo 18 Field Service. See README.rst."
            + (JDX_NOTE if "fsm.stage" in dict(env.context.get("fsj_id_maps") or ()) else ""),
        },
        "servers": [{"url": f"{base_url.rstrip('/')}/restapi/1.0"}],
        "security": [{"ApiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": schemas,
            "parameters": PARAMETERS,
        },
    }


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


def _model_schemas(key, api):
    """The read schema and the write schema (PUT, PATCH, POST) of one model."""
    read_props = {"id": {"type": "integer"}}
    write_props = {}
    for api_name, (_orm, desc) in sorted(api.fields.items()):
        if api_name == "id":
            continue
        read_props[api_name] = dict(_read_schema(desc), title=desc.get("string") or api_name)
        if not desc.get("readonly"):
            write_props[api_name] = _write_schema(desc)
    return {
        key: {"type": "object", "properties": read_props},
        f"{key}_write": {"type": "object", "properties": write_props, "additionalProperties": False},
    }


def _model_paths(name, key, api, reports=()):
    ref = {"$ref": f"#/components/schemas/{key}"}
    write_ref = {"$ref": f"#/components/schemas/{key}_write"}
    one = {"type": "object", "properties": {name: ref}}
    many = {"type": "object", "properties": {name: {"type": "array", "items": ref}}}
    paths = {
        f"/object/{name}": _collection_path(name, key, many, write_ref),
        f"/object/{name}/{{id}}": _record_path(name, key, one, write_ref),
    }
    for method, arguments in api.methods().items():
        paths[f"/object/{name}/{{id}}/{method}"] = _method_path(name, key, one, method, arguments)
    paths[f"/changes/{name}"] = _changes_path(name, key, ref)
    paths.update(_file_paths(name, key))
    if signature.supported(api.model):
        paths[f"/object/{name}/{{id}}/signature"] = _signature_path(name, key)
    if reports:
        paths[f"/object/{name}/{{id}}/report"] = _report_path(name, key, reports)
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
                "responses": _responses("200", listing),
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
                "responses": _responses("201", listing),
            },
        },
        f"/object/{name}/{{id}}/attachments/{{att_id}}": {
            "get": {
                "summary": "Download one file (Range, ETag and If-None-Match honoured)",
                "operationId": f"download_{key}",
                "parameters": [*record, att_id],
                "responses": _binary_responses("application/octet-stream"),
            },
            "delete": {
                "summary": "Delete one file",
                "operationId": f"delete_attachment_{key}",
                "parameters": [*record, att_id],
                "responses": _responses("200", {"type": "object"}),
            },
        },
    }


def _signature_path(name, key):
    record = [{"$ref": "#/components/parameters/id"}]
    signature = {"type": "object", "properties": {"signature": {"type": "object"}}}
    body = {
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "byte", "description": "base64 of a PNG or JPEG"},
            "signed_by": {"type": "string"},
            "signed_on": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "get": {
            "summary": f"The customer's signature of one {name}",
            "operationId": f"signature_{key}",
            "parameters": record,
            "responses": _responses("200", signature),
        },
        "post": {
            "summary": f"Sign one {name}: JSON, or the PNG/JPEG as the body with ?signed_by=",
            "operationId": f"sign_{key}",
            "parameters": [
                *record,
                {"name": "signed_by", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "signed_on", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": body},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            "responses": _responses("200", signature),
        },
    }


def _report_path(name, key, reports):
    return {
        "get": {
            "summary": f"The PDF report of one {name} (also GET /report/<report_name>/<id>: {', '.join(reports)})",
            "operationId": f"report_{key}",
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "responses": _binary_responses("application/pdf"),
        }
    }


def _binary_responses(mimetype):
    responses = _responses("200", {"type": "string"})
    responses["200"] = {
        "description": "The file",
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
    }
    return responses


def _changes_path(name, key, ref):
    change = {
        "type": "object",
        "required": ["op", "id"],
        "properties": {
            "op": {"type": "string", "enum": ["upsert", "delete"]},
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
                {"$ref": "#/components/parameters/fields"},
            ],
            "responses": _responses("200", page),
        }
    }


def _collection_path(name, key, many, write_ref):
    return {
        "get": {
            "summary": f"Search {name}",
            "operationId": f"search_{key}",
            "parameters": [
                {"$ref": f"#/components/parameters/{p}"}
                for p in ("domain", "fields", "limit", "offset", "order", "start_after_id")
            ],
            "responses": _responses("200", many, headers={"X-Total-Count": {"schema": {"type": "integer"}}}),
        },
        "post": {
            "summary": f"Create {name} (an object), or an atomic batch (an array of at most {MAX_BATCH})",
            "operationId": f"create_{key}",
            "parameters": [{"$ref": "#/components/parameters/fields"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [write_ref, {"type": "array", "items": write_ref, "maxItems": MAX_BATCH}]}
                    }
                },
            },
            "responses": _responses("201", {"type": "object"}),
        },
    }


def _record_path(name, key, one, write_ref):
    record = [{"$ref": "#/components/parameters/id"}, {"$ref": "#/components/parameters/fields"}]
    if_match = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
    update = {
        verb: {
            "summary": f"Update one {name} (partial)",
            "operationId": f"{verb}_{key}",
            "parameters": [*record, if_match],
            "requestBody": {"required": True, "content": {"application/json": {"schema": write_ref}}},
            "responses": _responses("200", one),
        }
        for verb in ("put", "patch")
    }
    return {
        "get": {
            "summary": f"Read one {name}",
            "operationId": f"read_{key}",
            "parameters": record,
            "responses": _responses("200", one, headers={"ETag": {"schema": {"type": "string"}}}),
        },
        **update,
        "delete": {
            "summary": f"Delete one {name}",
            "operationId": f"delete_{key}",
            "parameters": [{"$ref": "#/components/parameters/id"}, if_match],
            "responses": _responses("200", {"type": "object"}),
        },
    }


def _method_path(name, key, one, method, arguments):
    props = {arg: _write_schema(desc) for arg, desc in arguments.items()}
    body = {"type": "object", "properties": props, "additionalProperties": False}
    return {
        "post": {
            "summary": f"{method} on one {name}",
            "operationId": f"{method}_{key}",
            "parameters": [{"$ref": "#/components/parameters/id"}, {"$ref": "#/components/parameters/fields"}],
            "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
            "responses": _responses("200", one),
        }
    }


def _fsm_paths():
    return {
        "/fsm/dashboard": {
            "get": {
                "summary": "Job counts by stage and the jobs of one (UTC) day, in one call",
                "operationId": "dashboard",
                "parameters": [{"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": _responses("200", {"type": "object"}),
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": _responses("200", {"type": "object"}),
            }
        },
    }


def _add_company_parameter(paths):
    for operations in paths.values():
        for operation in operations.values():
            # a new list: operations may share their parameter lists
            operation["parameters"] = [*operation.get("parameters", []), {"$ref": "#/components/parameters/company"}]


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
                "details": {"type": "object"},
            },
        }
    },
}
PARAMETERS = {
    "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
    "company": {
        "name": "X-Company-Id",
        "in": "header",
        "required": False,
        "description": "Company ids, comma-separated, that the request works in (each allowed to the "
        "key's user; the first is the company of new records). Default: all of the user's companies.",
        "schema": {"type": "string", "pattern": r"^\d+(,\d+)*$"},
    },
    "domain": {
        "name": "domain",
        "in": "query",
        "description": "Python-literal or JSON list of conditions, e.g. [('stage_id','=','new')]",
        "schema": {"type": "string"},
    },
    "fields": {
        "name": "fields",
        "in": "query",
        "description": "Python/JSON list or comma-separated field names",
        "schema": {"type": "string"},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    "offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    "order": {"name": "order", "in": "query", "description": "field [asc|desc], ...", "schema": {"type": "string"}},
    "start_after_id": {
        "name": "start_after_id",
        "in": "query",
        "description": "Keyset pagination: records with a greater id, ordered by id",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def _responses(ok_status, ok_schema, headers=None):
    error = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses = {
        ok_status: {"description": "Success", "content": {"application/json": {"schema": ok_schema}}},
        **{status: dict(error, description=text) for status, text in ERROR_CODES.items()},
    }
    if headers:
        responses[ok_status]["headers"] = headers
    return responses
