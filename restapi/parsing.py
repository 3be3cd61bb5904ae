# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Request parsing and JSON value conversion of the REST API. Pure Python: no Odoo import, so it is
unit-tested without a server (pytests/unit/test_parsing.py). Never evaluates client input: domains and
lists are read with json or ast.literal_eval only."""

import ast
import datetime
import json
import re

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
MODEL_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
ORDER_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
ALLOWED_OPERATORS = frozenset(
    [
        "=",
        "!=",
        "<>",
        "<",
        ">",
        "<=",
        ">=",
        "=?",
        "=like",
        "=ilike",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "in",
        "not in",
        "child_of",
        "parent_of",
        "any",
        "not any",
    ]
)
SCALARS = (str, int, float, bool, type(None))
MAX_ID = 2**31 - 1  # PostgreSQL integer: ids and integer fields
MIN_INT = -(2**31)


class ApiError(Exception):
    """A client's mistake (or a refusal), rendered as the API's JSON error."""

    def __init__(self, status, code, message, details=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}

    def to_dict(self):
        return {"error": {"status": self.status, "code": self.code, "message": self.message, "details": self.details}}


def _literal(text, code, what):
    try:
        return json.loads(text)
    except ValueError as exc:
        json_error = exc  # not JSON: a Python literal, perhaps
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ApiError(
            400, code, f"{what} is neither a JSON array ({json_error}) nor a Python list literal ({exc})."
        ) from None


# -- domain ----------------------------------------------------------------------------------------
def parse_domain(text):
    if text is None or not str(text).strip():
        return []
    return _check_domain(_literal(str(text), "invalid_domain", "domain"))


def _check_domain(domain):
    if not isinstance(domain, list | tuple):
        raise ApiError(400, "invalid_domain", "The domain must be a list of conditions.")
    result = []
    needed = 1  # prefix notation: operands still expected (implicit '&' between top-level terms)
    for index, term in enumerate(domain):
        if needed == 0:
            needed = 1  # implicit AND with what follows
        if isinstance(term, str):
            if term not in ("&", "|", "!"):
                raise ApiError(
                    400, "invalid_domain", f"Domain element {index}: unknown operator {term!r}.", {"index": index}
                )
            needed += 0 if term == "!" else 1
            result.append(term)
            continue
        result.append(_check_leaf(index, term))
        needed -= 1
    if domain and needed != 0:
        raise ApiError(400, "invalid_domain", "The domain's '&', '|' or '!' lack operands.")
    return result


def _check_leaf(index, term):
    if not isinstance(term, list | tuple) or len(term) != 3:
        raise ApiError(
            400, "invalid_domain", f"Domain element {index} must be [field, operator, value].", {"index": index}
        )
    field, operator, value = term
    if field in (0, 1) and not isinstance(field, bool) and operator == "=" and value == 1:
        return (field, operator, value)
    if not isinstance(field, str) or not PATH_RE.match(field):
        raise ApiError(400, "invalid_domain", f"Domain element {index}: bad field name {field!r}.", {"index": index})
    if not isinstance(operator, str) or operator.lower() not in ALLOWED_OPERATORS:
        raise ApiError(400, "invalid_domain", f"Domain element {index}: bad operator {operator!r}.", {"index": index})
    operator = operator.lower()
    if operator in ("any", "not any") and isinstance(value, list | tuple):
        return (field, operator, _check_domain(value))
    if isinstance(value, list | tuple):
        if not all(isinstance(v, SCALARS) for v in value):
            raise ApiError(400, "invalid_domain", f"Domain element {index}: bad value list.", {"index": index})
        value = list(value)
    elif not isinstance(value, SCALARS):
        raise ApiError(400, "invalid_domain", f"Domain element {index}: bad value.", {"index": index})
    if value is None and operator in ("=", "!="):
        value = False
    return (field, operator, value)


# -- fields, paging, order -------------------------------------------------------------------------
def parse_fields(text):
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if text[0] in "[(":
        names = _literal(text, "invalid_fields", "fields")
        if not isinstance(names, list | tuple):
            raise ApiError(400, "invalid_fields", "fields must be a list of field names.")
    else:
        names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ApiError(400, "invalid_fields", f"Bad field name {name!r}.")
    return list(dict.fromkeys(names))


def parse_int(name, text, default, minimum=0, maximum=None):
    if text is None or str(text).strip() == "":
        return default
    text = str(text).strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ApiError(400, f"invalid_{name}", f"{name} must be a whole number, got {text!r}.")
    value = int(text)
    if value < minimum:
        raise ApiError(400, f"invalid_{name}", f"{name} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ApiError(400, f"invalid_{name}", f"{name} must be at most {maximum}.")
    return value


def parse_order(text):
    if text is None or not str(text).strip():
        return []
    result = []
    for part in str(text).split(","):
        match = ORDER_RE.match(part)
        if not match:
            raise ApiError(400, "invalid_order", f"Bad order {part.strip()!r}: use 'field [asc|desc], ...'.")
        result.append((match.group(1), (match.group(2) or "asc").lower()))
    return result


def parse_json_body(raw, max_bytes):
    if len(raw) > max_bytes:
        raise ApiError(413, "payload_too_large", f"The body exceeds {max_bytes} bytes.")
    if not raw.strip():
        raise ApiError(400, "invalid_json", "The body is empty; send a JSON document.")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_json", "The body is not UTF-8.") from None
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"Malformed JSON: {exc}") from None


# -- values ----------------------------------------------------------------------------------------
def _bad(name, message):
    return ApiError(422, "invalid_value", f"{name}: {message}", {"field": name})


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value):
    return _is_int(value) and 0 < value <= MAX_ID


def _datetime_to_utc(name, value):
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        text += " 00:00:00"
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d)?", iso):
        raise _bad(name, f"expected 'YYYY-MM-DD HH:MM:SS' (UTC) or ISO 8601, got {value!r}")
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise _bad(name, f"not a valid date and time: {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")


def _commands(name, value):
    if not isinstance(value, list):
        raise _bad(name, "expected a list of commands such as [[6, 0, [1, 2]]]")
    if all(_is_id(v) for v in value):
        return [(6, 0, list(value))]
    result = []
    for index, cmd in enumerate(value):
        if not isinstance(cmd, list | tuple) or not cmd or not _is_int(cmd[0]):
            raise _bad(name, f"command {index} is not a command list")
        code, rest = cmd[0], list(cmd[1:])
        ok_id = len(rest) >= 1 and _is_id(rest[0])
        if code == 0 and len(rest) == 2 and isinstance(rest[1], dict):
            result.append((0, 0, rest[1]))
        elif code == 1 and len(rest) == 2 and ok_id and isinstance(rest[1], dict):
            result.append((1, rest[0], rest[1]))
        elif code in (2, 3, 4) and ok_id and len(rest) <= 2:
            result.append((code, rest[0], 0))
        elif code == 5 and len(rest) <= 2:
            result.append((5, 0, 0))
        elif code == 6 and len(rest) == 2 and isinstance(rest[1], list) and all(_is_id(i) for i in rest[1]):
            result.append((6, 0, list(rest[1])))
        else:
            raise _bad(name, f"command {index} {list(cmd)!r} is malformed")
    return result


def value_to_orm(name, desc, value):  # noqa: C901 - one branch per field type
    ftype = desc.get("type")
    if ftype == "boolean":
        if not isinstance(value, bool):
            raise _bad(name, "expected true or false")
        return value
    if ftype in ("integer", "float", "monetary"):
        if value is None or value is False:
            return False
        if ftype == "integer" and not (_is_int(value) and MIN_INT <= value <= MAX_ID):
            raise _bad(name, "expected a whole number (32-bit)")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _bad(name, "expected a number")
        return value
    if value is None or value is False:
        return [(5, 0, 0)] if ftype in ("one2many", "many2many") else False
    if ftype in ("char", "text", "html", "binary", "image"):
        if not isinstance(value, str):
            raise _bad(name, "expected a string")
        return value
    if ftype == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            raise _bad(name, f"expected 'YYYY-MM-DD', got {value!r}")
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise _bad(name, f"not a valid date: {value!r}") from None
        return value
    if ftype == "datetime":
        if not isinstance(value, str):
            raise _bad(name, "expected a date and time string")
        return _datetime_to_utc(name, value)
    if ftype == "selection":
        keys = [key for key, _label in desc.get("selection") or []]
        if value in keys:
            return value
        if _is_int(value) and str(value) in keys:
            return str(value)
        raise _bad(name, f"expected one of {keys}, got {value!r}")
    if ftype == "many2one":
        if not _is_id(value):
            raise _bad(name, "expected a record id")
        return value
    if ftype in ("one2many", "many2many"):
        return _commands(name, value)
    if ftype == "json":
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(name, "expected a JSON object or a JSON string") from None
        if not isinstance(value, dict | list):
            raise _bad(name, "expected a JSON object")
        return value
    if ftype == "properties":
        if not isinstance(value, dict | list):
            raise _bad(name, "expected an object")
        return value
    if ftype == "reference":
        match = isinstance(value, str) and re.fullmatch(r"([a-z0-9_.]+),(\d+)", value.strip())
        if not match or not MODEL_RE.match(match.group(1)) or not _is_id(int(match.group(2))):
            raise _bad(name, "expected 'model.name,id'")
        return f"{match.group(1)},{int(match.group(2))}"
    if ftype == "many2one_reference":
        if not _is_id(value):
            raise _bad(name, "expected a record id")
        return value
    return value


def value_from_orm(desc, value):
    ftype = desc.get("type")
    if ftype == "boolean":
        return bool(value)
    if ftype == "many2one":
        return [value[0], value[1]] if value else None
    if ftype in ("one2many", "many2many"):
        return list(value or [])
    if ftype == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S") if value else None
    if ftype == "date":
        return value.strftime("%Y-%m-%d") if value else None
    if value is False:
        return None
    return value
