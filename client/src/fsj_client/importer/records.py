"""What a source is read into, before anything is sent: customers, locations, jobs, notes and attachments,
each with where it came from (file and line or record) so that every error can name it."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CUSTOMERS = "res.partner"
LOCATIONS = "fsm.location"
JOBS = "fsm.order"
TECHNICIANS = "fsm.person"
NOTES = "mail.message"
ATTACHMENTS = "ir.attachment"
# the order of the writes: what a record refers to is written before it
WRITE_ORDER = (CUSTOMERS, LOCATIONS, JOBS)
REPORT_MODELS = (CUSTOMERS, LOCATIONS, JOBS, NOTES, ATTACHMENTS)
LABELS = {
    CUSTOMERS: "customers",
    LOCATIONS: "locations",
    TECHNICIANS: "technicians",
    JOBS: "jobs",
    NOTES: "notes",
    ATTACHMENTS: "attachments",
}

STAGE_CODES = ("new", "scheduled", "in_progress", "completed", "cancelled")
JOB_TYPES = ("install", "service")


@dataclass(frozen=True)
class Origin:
    """Where a record comes from: a file and a line (CSV) or a record number (JSON, from 1)."""

    file: str
    line: int | None = None
    record: int | None = None
    source_id: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else f"record {self.record}" if self.record else ""
        if self.source_id is not None:
            where = f"{where} (id {self.source_id})" if where else f"id {self.source_id}"
        return f"{self.file}, {where}" if where else self.file


@dataclass
class Problem:
    """A reason not to write: a file, a line or record, a field and what is wrong."""

    message: str
    origin: Origin | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [str(self.origin)] if self.origin else []
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.origin.file if self.origin else None,
            "line": self.origin.line if self.origin else None,
            "record": self.origin.record if self.origin else None,
            "id": self.origin.source_id if self.origin else None,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class Item:
    """One record to upsert: ``values`` in the API's names (many2ones as ``{"ref": ...}``), without
    ``external_ref`` (the item's ``ref``). ``technician_email``: a job's technician, resolved to an
    fsm.person id before writing."""

    model: str
    ref: str
    values: dict[str, Any]
    origin: Origin
    technician_email: str | None = None
    # the source's names of the id and technician columns, for errors
    ref_field: str = "external_ref"
    technician_field: str = "technician_email"

    def body(self) -> dict[str, Any]:
        return {"external_ref": self.ref, **self.values}


@dataclass(frozen=True)
class Lookup:
    """A many2one known by its code at the source (a country ``"US"``, a state ``"MN"``), resolved to an id
    before writing (the mapping's ``countries``/``states``, else the server when it exposes the model)."""

    model: str
    code: str
    country: str | None = None


COUNTRY_ALIASES = {"USA": "US", "CAN": "CA", "GBR": "GB", "UK": "GB", "SWE": "SE", "DEU": "DE", "FRA": "FR"}
COUNTRY_ALIASES.update({"MEX": "MX", "AUS": "AU", "NLD": "NL", "BEL": "BE", "ESP": "ES", "ITA": "IT", "NOR": "NO"})
COUNTRY_ALIASES.update({"DNK": "DK", "FIN": "FI", "POL": "PL", "IRL": "IE", "CHE": "CH", "AUT": "AT"})


def country(code: Any) -> Lookup | None:
    code = clean(code)
    if not code:
        return None
    code = str(code).upper()
    return Lookup("res.country", COUNTRY_ALIASES.get(code, code))


def state(code: Any, country_code: Any = None) -> Lookup | None:
    code = clean(code)
    if not code:
        return None
    found = country(country_code)
    return Lookup("res.country.state", str(code).upper(), found.code if found else None)


@dataclass
class Note:
    """A note for a job's chatter, with its original date and author when known."""

    job_ref: str
    body: str
    origin: Origin
    date: str | None = None
    author_email: str | None = None
    author_name: str | None = None
    key: str = ""

    def payload(self) -> dict[str, Any]:
        """The body of ``POST /object/fsm.order/<id>/messages``: HTML sent as such (``html``), plain text
        as text (the server keeps its lines)."""
        found = {"body": self.body, "date": self.date, "author_email": self.author_email}
        found["author_name"] = self.author_name
        if is_html(self.body):
            found["html"] = True
        return {k: v for k, v in found.items() if v}


@dataclass
class Attachment:
    """A file of a job: a URL to download or a path (relative to the source file's folder)."""

    job_ref: str
    origin: Origin
    url: str | None = None
    path: str | None = None
    name: str | None = None
    key: str = ""


@dataclass
class Dataset:
    """Everything read from the files of one run, in write order, with the problems found on the way."""

    source: str
    customers: dict[str, Item] = field(default_factory=dict)
    locations: dict[str, Item] = field(default_factory=dict)
    jobs: dict[str, Item] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def items(self, model: str) -> dict[str, Item]:
        return {CUSTOMERS: self.customers, LOCATIONS: self.locations, JOBS: self.jobs}[model]

    def add(self, item: Item, *, merge: bool = True) -> None:
        """Add a customer, location or job. A customer or location met again (the same reference in
        another row, as flat exports repeat them) is merged: its first values win, a different value
        later is a warning. A job met twice is a problem (``merge=False``)."""
        known = self.items(item.model)
        first = known.get(item.ref)
        if first is None:
            known[item.ref] = item
            return
        if not merge:
            self.problems.append(
                Problem(f"duplicate id {item.ref!r}: also {first.origin}", item.origin, item.ref_field)
            )
            return
        for name, value in item.values.items():
            if name not in first.values or first.values[name] in (None, ""):
                first.values[name] = value
            elif value not in (None, "") and value != first.values[name]:
                self.warnings.append(
                    f"{item.origin}: {LABELS[item.model]} {item.ref!r} {name}: {value!r} differs from "
                    f"{first.values[name]!r} ({first.origin}); the first is kept"
                )

    def finish(self) -> Dataset:
        """Number notes and attachments per job (their keys, which resume uses)."""
        for kind in (self.notes, self.attachments):
            counts: dict[str, int] = {}
            for entry in kind:
                counts[entry.job_ref] = counts.get(entry.job_ref, 0) + 1
                entry.key = f"{entry.job_ref}#{counts[entry.job_ref]}"
        return self

    def count(self) -> int:
        return len(self.customers) + len(self.locations) + len(self.jobs)


# -- values --------------------------------------------------------------------------------------------------------
class BadValue(ValueError):
    """A source value that cannot be converted (the message says why)."""


_NAIVE = re.compile(r"^\d{4}-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d+)?)?)?$")


def to_utc(value: Any, *, tz: datetime.tzinfo | None = None, fmt: str | None = None) -> str | None:
    """A source date and time as the API's ``YYYY-MM-DD HH:MM:SS`` (UTC): ISO 8601 with ``Z`` or an
    offset, a naive date and time (in ``tz``, UTC by default), a date (midnight), Unix seconds, or
    ``fmt`` (``strptime``). None for empty values; ``BadValue`` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(f"expected a date and time, got {value!r}")
    if isinstance(value, int | float):
        moment = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    else:
        text = str(value).strip()
        if not text:
            return None
        moment = None
        if fmt:
            try:
                moment = datetime.datetime.strptime(text, fmt)
            except ValueError:
                moment = None
        if moment is None and text.isdigit() and len(text) >= 9:
            moment = datetime.datetime.fromtimestamp(int(text), datetime.timezone.utc)
        if moment is None:
            iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
            try:
                moment = datetime.datetime.fromisoformat(iso)
            except ValueError:
                raise BadValue(
                    f"{text!r} is not a date and time (expected e.g. 2026-03-01 09:30:00, "
                    "2026-03-01T09:30:00Z" + (f" or {fmt}" if fmt else "") + ")"
                ) from None
            if not _NAIVE.match(text) and moment.tzinfo is None and "T" not in text:
                raise BadValue(f"{text!r} is not a date and time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz or datetime.timezone.utc)
    moment = moment.astimezone(datetime.timezone.utc)
    if not 1900 <= moment.year <= 2999:
        raise BadValue(f"{value!r}: year {moment.year} is out of range")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def hours_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    fmt = "%Y-%m-%d %H:%M:%S"
    delta = datetime.datetime.strptime(end, fmt) - datetime.datetime.strptime(start, fmt)
    return round(delta.total_seconds() / 3600, 2) if delta.total_seconds() >= 0 else None


def text_to_html(*paragraphs: str | None) -> str | None:
    """Plain text as the HTML the server stores it as (``<p>`` per paragraph, ``<br>`` per line), so
    that a re-run compares equal and is reported unchanged."""
    blocks = []
    for text in paragraphs:
        if not text or not str(text).strip():
            continue
        for block in re.split(r"\n\s*\n", str(text).strip()):
            lines = [html.escape(line.strip(), quote=False) for line in block.splitlines()]
            blocks.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(blocks) or None


def is_html(value: Any) -> bool:
    return isinstance(value, str) and re.search(r"<[a-zA-Z][^>]*>", value) is not None


def html_or_text(value: str | None) -> str | None:
    """A source's rich text: HTML as is, plain text converted (``text_to_html``)."""
    if not value or not str(value).strip():
        return None
    value = str(value).strip()
    return value if re.search(r"<[a-zA-Z][^>]*>", value) else text_to_html(value)


def strip_html(value: Any) -> str:
    """The text of an HTML value, whitespace collapsed: what the dry run compares."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    text = re.sub(r"<br\s*/?>|</p>", "\n", value)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.split())


def clean(value: Any) -> Any:
    """Strings stripped, empty strings as None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def first(*values: Any) -> Any:
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


def dig(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]...``, None when a step is missing or not an object."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
