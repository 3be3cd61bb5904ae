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
import json
import math
import re

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


# -- domain ----------------------------------------------------------------------------------------
def parse_domain(text: str | None) -> list:
    """A search domain from a query parameter: a JSON array or a Python list literal, validated."""
    if text is None:
        return []
    text = str(text)
    if not text.strip():
        return []
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
def parse_fields(text: str | None) -> list[str] | None:
    """Field names: ['a','b'], ["a","b"] or a,b. None means the default field set."""
    if text is None:
        return None
    text = str(text).strip()
    if not text:
        return None
    if text[0] in "[(":
        names = _literal(text, "invalid_fields", "fields")
        if not isinstance(names, list | tuple):
            raise ApiError(400, "invalid_fields", "fields must be a list of field names.")
    else:
        names = [name.strip() for name in text.split(",")]
    for index, name in enumerate(names):
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise ApiError(400, "invalid_fields", f"Bad field name {_short(name)} in fields.", {"index": index})
    return list(dict.fromkeys(names))


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
