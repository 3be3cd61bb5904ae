# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""JSON values of the REST API to and from the ORM's values, for a field described by fields_get.

Pure Python: no Odoo import, so it is unit-tested without a server (pytests/unit/test_parsing.py).
A wrong value raises :class:`~.parsing.ApiError` 422 ``invalid_value`` naming the field.
"""

import datetime
import math
import re

from .parsing import MAX_ID, MIN_INT, ApiError, _is_id, _is_int, _json_loads, _short

DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
# the shapes accepted (ISO 8601 extended, as seed 003 lists them); datetime.fromisoformat reads them
DATETIME_RE = re.compile(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}"  # date
    r"(?:[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"  # time, fraction
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?\Z",  # UTC or offset
    re.ASCII,
)
REFERENCE_RE = re.compile(r"\A([a-z0-9_]+(?:\.[a-z0-9_]+)*),([0-9]{1,12})\Z", re.ASCII)
BASE64_RE = re.compile(r"\A[A-Za-z0-9+/]*={0,2}\Z", re.ASCII)
WHITESPACE_RE = re.compile(r"\s+", re.ASCII)


# -- values: JSON -> ORM ---------------------------------------------------------------------------
def _bad(name, message):
    return ApiError(422, "invalid_value", f"{name}: {message}", {"field": name})


def _to_boolean(name, desc, value):
    if not isinstance(value, bool):
        raise _bad(name, f"expected true or false, got {_short(value)}.")
    return value


def _to_integer(name, desc, value):
    if not _is_int(value):
        raise _bad(name, f"expected a whole number, got {_short(value)}.")
    if not MIN_INT <= value <= MAX_ID:
        raise _bad(name, f"{value} is out of range ({MIN_INT} to {MAX_ID}).")
    return value


def _to_float(name, desc, value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(name, f"expected a number, got {_short(value)}.")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
        raise _bad(name, f"{_short(value)} is not a finite number.")
    return value


def _to_string(name, desc, value):
    if not isinstance(value, str):
        raise _bad(name, f"expected a string, got {_short(value)}.")
    return value


def _to_date(name, desc, value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise _bad(name, f"expected a date 'YYYY-MM-DD', got {_short(value)}.")
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise _bad(name, f"not a valid date: {_short(value)}.") from None
    return value


def _to_datetime(name, desc, value):
    """'YYYY-MM-DD HH:MM:SS' (UTC), ISO 8601 with T, fraction, Z or +HH:MM, or a bare date; as naive UTC."""
    if not isinstance(value, str) or not DATETIME_RE.match(value):
        raise _bad(
            name,
            f"expected 'YYYY-MM-DD HH:MM:SS' (UTC) or ISO 8601 like '2025-12-15T10:00:00+01:00', got {_short(value)}.",
        )
    try:
        moment = datetime.datetime.fromisoformat(value.upper())  # 't' and 'z' as 'T' and 'Z'
    except ValueError:
        raise _bad(name, f"not a valid date and time: {_short(value)}.") from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        except OverflowError:
            raise _bad(name, f"{_short(value)} is out of range in UTC.") from None
    return moment.replace(microsecond=0).isoformat(sep=" ")


def _to_selection(name, desc, value):
    keys = [item[0] for item in desc.get("selection") or [] if isinstance(item, list | tuple) and item]
    for key in keys:
        if type(key) is type(value) and key == value:
            return key
    if _is_int(value) and str(value) in keys:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and int(value) in keys:
        return int(value)  # seed 003 gives keys as strings, also those of an integer-keyed selection
    shown = ", ".join(repr(k) for k in keys[:20]) + (", ..." if len(keys) > 20 else "")
    raise _bad(name, f"expected one of {shown}; got {_short(value)}.")


def _to_id(name, desc, value):
    if not _is_id(value):
        raise _bad(name, f"expected a record id (a positive integer), got {_short(value)}.")
    return value


def _is_placeholder(value):
    return value is None or value is False or (_is_int(value) and value == 0)


COMMAND_SHAPES = {
    0: "[0, 0, {values}]",
    1: "[1, id, {values}]",
    2: "[2, id, 0]",
    3: "[3, id, 0]",
    4: "[4, id, 0]",
    5: "[5, 0, 0]",
    6: "[6, 0, [ids]]",
}


def _command(name, index, cmd):
    if not isinstance(cmd, list | tuple) or not cmd or not _is_int(cmd[0]):
        raise _bad(name, f"command {index} must be a list such as [4, id, 0], got {_short(cmd)}.")
    code, args = cmd[0], list(cmd[1:])
    size = len(args)
    if code == 0 and size == 2 and _is_placeholder(args[0]) and isinstance(args[1], dict):
        return (0, 0, args[1])
    if code == 1 and size == 2 and _is_id(args[0]) and isinstance(args[1], dict):
        return (1, args[0], args[1])
    if code in (2, 3, 4) and size in (1, 2) and _is_id(args[0]) and all(map(_is_placeholder, args[1:])):
        return (code, args[0], 0)
    if code == 5 and size <= 2 and all(map(_is_placeholder, args)):
        return (5, 0, 0)
    if (
        code == 6
        and size == 2
        and _is_placeholder(args[0])
        and isinstance(args[1], list | tuple)
        and all(map(_is_id, args[1]))
    ):
        return (6, 0, list(args[1]))
    if code not in COMMAND_SHAPES:
        raise _bad(name, f"command {index}: unknown command {code} (use 0 to 6).")
    raise _bad(name, f"command {index} {_short(cmd)} is malformed: expected {COMMAND_SHAPES[code]}.")


def _to_commands(name, desc, value):
    if value is None or value is False:
        return [(5, 0, 0)]  # null clears the relation
    if not isinstance(value, list | tuple):
        raise _bad(name, f"expected a list of commands such as [[6, 0, [1, 2]]] or of ids, got {_short(value)}.")
    if all(_is_int(v) for v in value):  # a plain list of ids (even empty): the new set of records
        wrong = [v for v in value if not _is_id(v)]
        if wrong:
            raise _bad(name, f"record ids must be positive integers, got {_short(wrong)}.")
        return [(6, 0, list(value))]
    return [_command(name, index, cmd) for index, cmd in enumerate(value)]


def _to_json(name, desc, value):
    if isinstance(value, str):
        try:
            return _json_loads(value)
        except (ValueError, RecursionError):
            raise _bad(name, "expected a JSON object, or a string holding valid JSON.") from None
    if not isinstance(value, dict | list):
        raise _bad(name, f"expected a JSON object or array, got {_short(value)}.")
    return value


def _to_properties(name, desc, value):
    if not isinstance(value, dict | list):
        raise _bad(name, f"expected an object or a list of properties, got {_short(value)}.")
    return value


def _to_reference(name, desc, value):
    match = isinstance(value, str) and REFERENCE_RE.match(value)
    if not match or not _is_id(int(match.group(2))):
        raise _bad(name, f"expected 'model.name,id' such as 'res.partner,7', got {_short(value)}.")
    return f"{match.group(1)},{int(match.group(2))}"


def _to_many2one_reference(name, desc, value):
    """An id, or seed 003's 'model.name,id': then (model, id), and the caller sets the model field."""
    if isinstance(value, str):
        match = REFERENCE_RE.match(value)
        if not match or not _is_id(int(match.group(2))):
            raise _bad(name, f"expected a record id or 'model.name,id' such as 'res.partner,7', got {_short(value)}.")
        return match.group(1), int(match.group(2))
    return _to_id(name, desc, value)


def _to_binary(name, desc, value):
    if not isinstance(value, str):
        raise _bad(name, f"expected a base64 string, got {_short(value)}.")
    compact = WHITESPACE_RE.sub("", value)
    if len(compact) % 4 or not BASE64_RE.match(compact):
        raise _bad(name, "expected base64 data (A-Z, a-z, 0-9, '+', '/', '=' padding).")
    return value


TO_ORM = {
    "boolean": _to_boolean,
    "integer": _to_integer,
    "float": _to_float,
    "monetary": _to_float,
    "char": _to_string,
    "text": _to_string,
    "html": _to_string,
    "date": _to_date,
    "datetime": _to_datetime,
    "selection": _to_selection,
    "many2one": _to_id,
    "one2many": _to_commands,
    "many2many": _to_commands,
    "json": _to_json,
    "properties": _to_properties,
    "reference": _to_reference,
    "many2one_reference": _to_many2one_reference,
    "binary": _to_binary,
    "image": _to_binary,
}
# types for which null (or false) means "empty", written as False
EMPTY_IS_FALSE = frozenset(TO_ORM) - {"boolean", "one2many", "many2many"}


def value_to_orm(name: str, desc: dict, value) -> object:
    """A JSON request value as the ORM's create() / write() take it, for the field described by desc
    (a fields_get() entry). A wrong type raises ApiError 422 invalid_value naming the field."""
    ftype = desc.get("type")
    convert = TO_ORM.get(ftype)
    if convert is None:
        return value
    if ftype in EMPTY_IS_FALSE and (value is None or value is False):
        return False
    return convert(name, desc, value)


# -- values: ORM -> JSON ---------------------------------------------------------------------------
def value_from_orm(desc: dict, value) -> object:
    """A value of Model.read() (or _read_format()) as JSON: empty values are null, booleans stay."""
    ftype = desc.get("type")
    if ftype == "boolean":
        return bool(value)
    if ftype in ("one2many", "many2many"):
        return list(value) if value else []
    if value is False or value is None:
        return None
    if ftype == "many2one":
        return [value[0], value[1]] if isinstance(value, list | tuple) and len(value) >= 2 else value
    if ftype == "datetime" and isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat(sep=" ")
    if ftype == "date" and isinstance(value, datetime.date):
        if isinstance(value, datetime.datetime):
            value = value.date()
        return value.isoformat()
    if ftype in ("binary", "image") and isinstance(value, bytes | bytearray):
        return bytes(value).decode("ascii", errors="replace")
    return value
