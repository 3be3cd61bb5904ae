# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Request parsing of the REST API: domains, field lists, integers, order, JSON bodies, and the
API's error (value conversion is in ``values``).

Pure Python: no Odoo import, so it is unit-tested without a server (pytests/unit/test_parsing.py).
Client input is never evaluated: domains and lists are read with ``json`` or ``ast.literal_eval`` only,
then checked element by element. Every client mistake raises :class:`ApiError`, which the controller
renders as ``{"error": {"status", "code", "message", "details"}}``.
"""

import ast
import datetime
import functools
import json
import math
import re
import zoneinfo

# \A...\Z (not ^...$, which lets a trailing newline through); ASCII only (no Unicode digits or letters)
NAME_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z", re.ASCII)
PATH_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z", re.ASCII)
MODEL_RE = re.compile(r"\A[a-z0-9_]+(\.[a-z0-9_]+)*\Z", re.ASCII)
ORDER_RE = re.compile(r"\A\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+([A-Za-z]+))?\s*\Z", re.ASCII)
INT_RE = re.compile(r"\A[+-]?[0-9]+\Z", re.ASCII)
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
DOMAIN_OPERATORS = ("&", "|", "!")
MAX_DOMAIN_DEPTH = 16  # nesting of 'any' / 'not any' sub-domains
MAX_DOMAIN_LEAVES = 64  # conditions in one domain, sub-domains included
MAX_DOMAIN_VALUES = 1000  # values in the lists of one domain, all conditions together
MAX_ID = 2**31 - 1  # PostgreSQL integer: ids and integer fields
MIN_INT = -(2**31)


class ApiError(Exception):
    """A client's mistake (or a refusal), rendered as the API's JSON error."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details) if details else {}

    def to_dict(self) -> dict:
        return {"error": {"status": self.status, "code": self.code, "message": self.message, "details": self.details}}


# -- helpers ---------------------------------------------------------------------------------------
def _short(value, size=60):
    text = repr(value)
    return text if len(text) <= size else text[: size - 3] + "..."


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value):
    return _is_int(value) and 0 < value <= MAX_ID


def _is_scalar(value):
    if value is None or isinstance(value, bool | int | str):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _no_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _json_loads(text):
    """json.loads without the NaN / Infinity extensions (PostgreSQL and other clients refuse them)."""
    return json.loads(text, parse_constant=_no_constant)


def _literal(text, code, what):
    """A JSON document, else a Python literal (ast.literal_eval, never eval)."""
    try:
        return _json_loads(text)
    except (ValueError, RecursionError) as exc:
        json_error = exc  # not JSON: a Python literal, perhaps
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ApiError(
            400,
            code,
            f"{what} is neither a JSON array ({_short(str(json_error), 120)}) "
            f"nor a Python list literal ({_short(str(exc), 120)}).",
        ) from None


DOMAIN_CACHE_SIZE = 128  # domains kept parsed per worker (a domain is at most a query string)
FIELDS_CACHE_SIZE = 128  # field lists kept parsed per worker, as domains


# -- domain ----------------------------------------------------------------------------------------
def parse_domain(text: str | None) -> list:
    """A search domain from a query parameter: a JSON array or a Python list literal, validated.
    The domains a worker parsed last are kept (clients repeat theirs: a dashboard, a sync loop):
    each caller gets its own copy."""
    if text is None:
        return []
    text = str(text)
    if not text.strip():
        return []
    return _copy(_parse_domain(text))


def _copy(value):
    """A copy of a parsed domain or field list whose lists and dicts are new (strings, numbers and
    tuples of them are shared)."""
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    return value


@functools.lru_cache(maxsize=DOMAIN_CACHE_SIZE)
def _parse_domain(text):
    """The checked domain of ``text`` (not to be changed: parse_domain copies it); a refused one
    raises, and is not kept."""
    domain = _literal(text, "invalid_domain", "The domain")
    if not isinstance(domain, list):
        raise ApiError(400, "invalid_domain", "The domain must be a list of conditions, e.g. [('stage_id', '=', 2)].")
    domain = _check_domain(domain, ())
    leaves, values = _domain_size(domain)
    if leaves > MAX_DOMAIN_LEAVES or values > MAX_DOMAIN_VALUES:
        raise ApiError(
            400,
            "domain_too_large",
            f"The domain has {leaves} conditions and {values} listed values; at most {MAX_DOMAIN_LEAVES} "
            f"conditions and {MAX_DOMAIN_VALUES} values.",
            {"leaves": leaves, "values": values, "max_leaves": MAX_DOMAIN_LEAVES, "max_values": MAX_DOMAIN_VALUES},
        )
    return domain


def _domain_size(domain):
    """(conditions, values in lists) of a checked domain, sub-domains included."""
    leaves = values = 0
    for term in domain:
        if isinstance(term, str):
            continue
        leaves += 1
        if term[1] in ("any", "not any"):
            sub_leaves, sub_values = _domain_size(term[2])
            leaves, values = leaves + sub_leaves, values + sub_values
        elif isinstance(term[2], list):
            values += len(term[2])
    return leaves, values


def _domain_error(where, message):
    label = str(where[0]) + "".join(f", sub-domain element {i}" for i in where[1:])
    details = {"index": where[0]}
    if len(where) > 1:
        details["path"] = list(where)
    return ApiError(400, "invalid_domain", f"Domain element {label}: {message}", details)


def _check_domain(domain, path):
    result = []
    for index, term in enumerate(domain):
        where = (*path, index)
        if isinstance(term, str):
            if term not in DOMAIN_OPERATORS:
                raise _domain_error(where, f"unknown logical operator {_short(term)} (use '&', '|' or '!').")
            result.append(term)
        else:
            result.append(_check_leaf(term, where))
    _check_arity(result, path)
    return result


def _check_arity(domain, path):
    """Prefix notation, read right to left: '&' and '|' take two operands, '!' one. Several complete
    terms side by side are ANDed (as in Odoo)."""
    operands = 0
    for index in range(len(domain) - 1, -1, -1):
        term = domain[index]
        if isinstance(term, str):
            arity = 1 if term == "!" else 2
            if operands < arity:
                raise _domain_error((*path, index), f"{term!r} needs {arity} operand(s) after it, it has {operands}.")
            operands -= arity - 1
        else:
            operands += 1


def _check_leaf(term, where):
    if not isinstance(term, list | tuple) or len(term) != 3:
        raise _domain_error(where, f"expected [field, operator, value] or '&', '|', '!', got {_short(term)}.")
    field, operator, value = term
    if _is_int(field) and field in (0, 1) and operator == "=" and _is_int(value) and value == 1:
        return (field, "=", 1)  # Odoo's TRUE_LEAF / FALSE_LEAF
    if not isinstance(field, str) or not PATH_RE.match(field):
        raise _domain_error(where, f"bad field name {_short(field)}.")
    if not isinstance(operator, str) or operator.lower() not in ALLOWED_OPERATORS:
        raise _domain_error(where, f"unknown operator {_short(operator)}.")
    operator = operator.lower()
    if operator in ("any", "not any"):
        if not isinstance(value, list | tuple):
            raise _domain_error(where, f"operator '{operator}' takes a domain (a list) as its value.")
        if len(where) > MAX_DOMAIN_DEPTH:
            raise _domain_error(where, f"sub-domains nest at most {MAX_DOMAIN_DEPTH} levels deep.")
        return (field, operator, _check_domain(list(value), where))
    if isinstance(value, list | tuple):
        if not all(_is_scalar(v) for v in value):
            raise _domain_error(where, "a value list may hold only null, booleans, numbers and strings.")
        value = list(value)
    elif not _is_scalar(value):
        raise _domain_error(where, "the value must be null, a boolean, a number, a string or a list of those.")
    if value is None and operator in ("=", "!="):
        value = False  # Odoo's "not set"
    return (field, operator, value)


# -- fields, paging, order -------------------------------------------------------------------------
MAX_FIELD_HOPS = 3  # relations followed by one field path (partner_id.parent_id.country_id.code)
SPEC_KEYS = ("fields", "limit", "order")  # what a web_read specification entry may hold here


def parse_fields(text: str | None) -> list[str] | dict | None:
    """Field names: ['a','b'], ["a","b"] or a,b: a list of names. None means the default field set.

    Related reads: dotted names (``partner_id.email``) or Odoo's web_read specification as JSON
    (``{"partner_id": {"fields": {"email": {}}}, "time_log_ids": {"fields": {...}, "limit": 5,
    "order": "check_in desc"}}``) answer a specification instead, ``{name: {"fields": {...},
    "limit": n, "order": [(field, direction)]}}`` (the keys present only when given), at most
    MAX_FIELD_HOPS relations deep. Whether the fields exist is the service's business. The lists a
    worker parsed last are kept (a Python literal costs a compile: about 0.05 ms a list request);
    each caller gets its own copy."""
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    return _copy(_parse_fields(text))


@functools.lru_cache(maxsize=FIELDS_CACHE_SIZE)
def _parse_fields(text):
    """The checked field list or specification of ``text`` (not to be changed: parse_fields copies
    it); a refused one raises, and is not kept."""
    if text[0] == "{":
        spec = _literal(text, "invalid_fields", "fields")
        return _check_spec(spec, ())
    if text[0] in "[(":
        names = _literal(text, "invalid_fields", "fields")
        if not isinstance(names, list | tuple):
            raise ApiError(400, "invalid_fields", "fields must be a list of field names.")
    else:
        names = [name.strip() for name in text.split(",")]
    for index, name in enumerate(names):
        if not isinstance(name, str) or not PATH_RE.match(name):
            raise ApiError(400, "invalid_fields", f"Bad field name {_short(name)} in fields.", {"index": index})
        if name.count(".") > MAX_FIELD_HOPS:
            raise ApiError(
                400,
                "invalid_fields",
                f"{name} follows {name.count('.')} relations; at most {MAX_FIELD_HOPS}.",
                {"index": index, "max_hops": MAX_FIELD_HOPS},
            )
    names = list(dict.fromkeys(names))
    if not any("." in name for name in names):
        return names
    spec = {}
    for name in names:
        *hops, last = name.split(".")
        node = spec
        for hop in hops:
            node = node.setdefault(hop, {}).setdefault("fields", {})
        node.setdefault(last, {})
    return spec


def is_related_spec(fields) -> bool:
    """Whether parsed ``fields`` (parse_fields) ask for related records' fields."""
    return isinstance(fields, dict)


def _check_spec(spec, path):
    """A web_read specification from a client, checked: names, keys, types, depth."""
    where = ".".join(path) or "fields"
    if not isinstance(spec, dict):
        raise ApiError(
            400,
            "invalid_fields",
            f'{where}: expected an object of field names, e.g. {{"name": {{}}, '
            f'"partner_id": {{"fields": {{"email": {{}}}}}}}}, got {_short(spec)}.',
            {"path": where},
        )
    checked = {}
    for name, entry in spec.items():
        dotted = ".".join((*path, str(name)))
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ApiError(400, "invalid_fields", f"Bad field name {_short(name)} in fields.", {"path": dotted})
        if not isinstance(entry, dict):
            raise ApiError(
                400,
                "invalid_fields",
                f'{dotted}: expected {{}} or {{"fields": {{...}}}}, got {_short(entry)}.',
                {"path": dotted},
            )
        unknown = sorted(str(key) for key in entry if key not in SPEC_KEYS)
        if unknown:
            raise ApiError(
                400,
                "invalid_fields",
                f"{dotted}: unknown key(s) {', '.join(unknown)} (use {', '.join(SPEC_KEYS)}).",
                {"path": dotted, "keys": unknown},
            )
        item = {}
        if "fields" in entry:
            if len(path) >= MAX_FIELD_HOPS:
                raise ApiError(
                    400,
                    "invalid_fields",
                    f"{dotted}: fields nest at most {MAX_FIELD_HOPS} relations deep.",
                    {"path": dotted, "max_hops": MAX_FIELD_HOPS},
                )
            item["fields"] = _check_spec(entry["fields"], (*path, name))
        if entry.get("limit") is not None:
            limit = entry["limit"]
            if not _is_int(limit) or not 0 <= limit <= MAX_ID:
                raise ApiError(400, "invalid_fields", f"{dotted}: limit must be a whole number >= 0.", {"path": dotted})
            item["limit"] = limit
        if entry.get("order"):
            if not isinstance(entry["order"], str):
                raise ApiError(400, "invalid_fields", f"{dotted}: order must be a string.", {"path": dotted})
            item["order"] = parse_order(entry["order"])
        if ("limit" in item or "order" in item) and "fields" not in item:
            raise ApiError(
                400,
                "invalid_fields",
                f'{dotted}: limit and order apply to the records read with "fields".',
                {"path": dotted},
            )
        checked[name] = item
    return checked


def spec_paths(spec, prefix="") -> list[str]:
    """The dotted names of a specification (its leaves and the relations followed), e.g. for
    messages: {"partner_id": {"fields": {"email": {}}}} -> ["partner_id.email"]."""
    paths = []
    for name, entry in spec.items():
        dotted = f"{prefix}{name}"
        if entry.get("fields"):
            paths += spec_paths(entry["fields"], f"{dotted}.")
        else:
            paths.append(dotted)
    return paths


def parse_int(
    name: str, text: str | None, default: int | None, minimum: int = 0, maximum: int | None = None
) -> int | None:
    """An integer query parameter within [minimum, maximum]; error code ``invalid_<name>``."""
    if text is None:
        return default
    text = str(text).strip()
    if text == "":
        return default
    code = f"invalid_{name}"
    if not INT_RE.match(text):
        raise ApiError(400, code, f"{name} must be a whole number, got {_short(text)}.")
    try:
        value = int(text)
    except ValueError:  # more digits than Python converts
        raise ApiError(400, code, f"{name} has too many digits.") from None
    if minimum is not None and value < minimum:
        raise ApiError(400, code, f"{name} must be at least {minimum}, got {value}.", {"minimum": minimum})
    if maximum is not None and value > maximum:
        raise ApiError(400, code, f"{name} must be at most {maximum}, got {value}.", {"maximum": maximum})
    return value


def parse_order(text: str | None) -> list[tuple[str, str]]:
    """'field [asc|desc], ...' as [(field, 'asc'|'desc')]."""
    if text is None:
        return []
    text = str(text)
    if not text.strip():
        return []
    result = []
    for part in text.split(","):
        match = ORDER_RE.match(part)
        direction = (match.group(2) or "asc").lower() if match else None
        if direction not in ("asc", "desc"):
            raise ApiError(400, "invalid_order", f"Bad order {_short(part.strip())}: use 'field [asc|desc], ...'.")
        result.append((match.group(1), direction))
    return result


# -- dates in domains -------------------------------------------------------------------------------
DAY_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
DAY_OPERATORS = ("=", "!=", "<>", "<", "<=", ">", ">=")


def day_bounds(day: str, tz_name: str | None = None) -> tuple[str, str]:
    """('YYYY-MM-DD HH:MM:SS', same) in UTC: the start of ``day`` and of the next day in the IANA time
    zone ``tz_name`` (UTC when None)."""
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise ApiError(400, "invalid_domain", f"{_short(day)} is not a valid date.") from None
    try:
        zone = zoneinfo.ZoneInfo(tz_name) if tz_name and tz_name != "UTC" else datetime.timezone.utc
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ApiError(400, "invalid_tz", f"{_short(tz_name)} is not an IANA time zone name.") from None
    bounds = []
    for moment in (date, date + datetime.timedelta(days=1) if date < datetime.date.max else None):
        if moment is None:  # 9999-12-31: the day has no end before the end of time
            bounds.append("9999-12-31 23:59:59")
            continue
        local = datetime.datetime.combine(moment, datetime.time.min, tzinfo=zone)
        try:
            utc = local.astimezone(datetime.timezone.utc)
        except OverflowError:
            raise ApiError(400, "invalid_domain", f"{day} is out of range in UTC.") from None
        bounds.append(utc.replace(tzinfo=None).isoformat(sep=" "))
    return bounds[0], bounds[1]


def local_today(tz_name: str | None = None) -> datetime.date:
    """Today's date in the IANA time zone ``tz_name`` (UTC when None)."""
    zone = zoneinfo.ZoneInfo(tz_name) if tz_name else datetime.timezone.utc
    return datetime.datetime.now(zone).date()


def day_condition(field: str, operator: str, value, tz_name: str | None = None) -> list | None:
    """A condition comparing a datetime field to a date alone ('2026-12-01') as conditions on that
    day in the time zone ``tz_name`` (UTC when None), in UTC: ``>=`` and ``<`` the day's start, ``>``
    and ``<=`` its end (the next day's start), ``=`` the day, ``!=`` outside it (or empty, as Odoo's
    ``!=``). A domain fragment in prefix notation; None when ``value`` is not a date alone."""
    if not isinstance(value, str) or not DAY_RE.match(value) or operator not in DAY_OPERATORS:
        return None
    start, end = day_bounds(value, tz_name)
    if operator in (">=", "<"):
        return [(field, operator, start)]
    if operator == ">":
        return [(field, ">=", end)]
    if operator == "<=":
        return [(field, "<", end)]
    if operator == "=":
        return ["&", (field, ">=", start), (field, "<", end)]
    return ["|", "|", (field, "<", start), (field, ">=", end), (field, "=", False)]


def parse_json_body(raw: bytes, max_bytes: int) -> object:
    """The request body as JSON (RFC 8259: UTF-8, no NaN or Infinity), at most max_bytes long."""
    if raw is None:
        raw = b""
    elif isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > max_bytes:
        raise ApiError(413, "payload_too_large", f"The body exceeds {max_bytes} bytes.", {"max_bytes": max_bytes})
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400, "invalid_json", f"The body is not valid UTF-8 (byte {exc.start}).", {"position": exc.start}
        ) from None
    if not text.strip():
        raise ApiError(400, "invalid_json", "empty body")
    try:
        return _json_loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            "invalid_json",
            f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (char {exc.pos}).",
            {"line": exc.lineno, "column": exc.colno, "position": exc.pos},
        ) from None
    except ValueError as exc:  # NaN / Infinity, integers of thousands of digits
        raise ApiError(400, "invalid_json", f"Malformed JSON: {exc}.") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "Malformed JSON: nested too deeply.") from None
