"""The three sources, read into a ``Dataset``: a generic CSV/JSON export with a mapping file, Field Nation
work orders (seed 001's JSON) and Sitoo service orders (seed 004's JSON). Reading never talks to the
server; what is wrong in a file (a missing id, an unknown status, a bad date, a duplicate) becomes a
``Problem`` naming the file, the line or record and the field."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .mapping import Mapping
from .records import (
    CUSTOMERS,
    JOB_TYPES,
    JOBS,
    LOCATIONS,
    STAGE_CODES,
    Attachment,
    BadValue,
    Dataset,
    Item,
    Note,
    Origin,
    Problem,
    clean,
    compact,
    country,
    dig,
    first,
    hours_between,
    html_or_text,
    state,
    text_to_html,
    to_utc,
)

SOURCES = ("csv", "fieldnation", "sitoo")

# Field Nation's work order statuses (status.name, lower case, spaces as _) -> the five job stages
FIELDNATION_STATUSES = {
    "draft": "new",
    "published": "new",
    "routed": "new",
    "requested": "new",
    "counter_offered": "new",
    "assigned": "scheduled",
    "confirmed": "scheduled",
    "on_my_way": "in_progress",
    "checked_in": "in_progress",
    "checked_out": "in_progress",
    "in_progress": "in_progress",
    "work_done": "completed",
    "workdone": "completed",
    "approved": "completed",
    "paid": "completed",
    "completed": "completed",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "deleted": "cancelled",
}
# Sitoo's ServiceOrderState -> the five job stages
SITOO_STATES = {
    "new": "new",
    "in_progress": "in_progress",
    "service_done": "completed",
    "closed": "completed",
    "cancelled": "cancelled",
}
DATE_FIELDS = ("scheduled_date_start", "scheduled_date_end", "date_start", "date_end", "source_create_date")


class SourceError(ValueError):
    """A file that cannot be read at all (not found, not JSON, not a list of records...)."""


def read(source: str, files: Sequence[str], mapping: Mapping) -> Dataset:
    """Every file of a run, read into one dataset (problems included, nothing raised for bad records)."""
    readers: dict[str, Callable[[Dataset, str, Mapping], None]] = {
        "csv": read_tabular,
        "fieldnation": read_fieldnation,
        "sitoo": read_sitoo,
    }
    if source not in readers:
        raise SourceError(f"unknown source {source!r} (one of: {', '.join(SOURCES)})")
    if source == "csv" and not mapping.columns:
        raise SourceError("the csv source needs a mapping file with columns (--mapping FILE)")
    dataset = Dataset(source)
    for name in files:
        readers[source](dataset, name, mapping)
    return dataset.finish()


# -- shared ----------------------------------------------------------------------------------------------------
def _load_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise SourceError(f"{path}: not JSON ({exc})") from None


def _records(path: str, data: Any) -> list[Any]:
    """A list of records, or a list answer ``{"results": [...]}`` (Field Nation's), or one record."""
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        return data["results"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise SourceError(f"{path}: expected a JSON list of records (or an object with 'results')")


class _Row:
    """Converts one record's values, collecting problems instead of raising."""

    def __init__(self, dataset: Dataset, origin: Origin, mapping: Mapping) -> None:
        self.dataset = dataset
        self.origin = origin
        self.mapping = mapping
        self.ok = True

    def problem(self, field: str | None, message: str) -> None:
        self.ok = False
        self.dataset.problems.append(Problem(message, self.origin, field))

    def date(self, field: str, value: Any) -> str | None:
        try:
            return to_utc(value, tz=self.mapping.timezone, fmt=self.mapping.date_format)
        except BadValue as exc:
            self.problem(field, str(exc))
            return None

    def number(self, field: str, value: Any) -> float | None:
        value = clean(value)
        if value is None:
            return None
        try:
            return float(str(value).replace(",", ".")) if not isinstance(value, int | float) else float(value)
        except ValueError:
            self.problem(field, f"{value!r} is not a number")
            return None

    def stage(self, field: str, value: Any, builtin: dict[str, str] | None = None) -> str | None:
        value = clean(value)
        if value is None:
            return None
        found, mapped = self.mapping.map_value("job.stage_id", value)
        if not found and builtin is not None:
            mapped = builtin.get(re.sub(r"[^a-z0-9]+", "_", str(value).casefold()).strip("_"), value)
        if mapped in STAGE_CODES:
            return mapped
        self.problem(
            field,
            f"unknown status {value!r}: map it to one of {', '.join(STAGE_CODES)} in the mapping file "
            '("values": {"job.stage_id": {...}})',
        )
        return None

    def job_type(self, field: str, value: Any, guess: bool) -> str | None:
        value = clean(value)
        if value is None:
            return None
        found, mapped = self.mapping.map_value("job.type", value)
        if mapped in JOB_TYPES:
            return mapped
        if guess and not found:  # Field Nation's types of work: installations, and the rest is service
            return "install" if "install" in str(value).casefold() else "service"
        self.problem(field, f'unknown job type {value!r}: map it to install or service ("values": {{"job.type": ...}})')
        return None

    def priority(self, field: str, value: Any) -> str | None:
        value = clean(value)
        if value is None:
            return None
        _found, mapped = self.mapping.map_value("job.priority", value)
        mapped = str(mapped)
        if mapped in ("0", "1", "2", "3"):
            return mapped
        self.problem(field, f'unknown priority {value!r}: 0 to 3, or map it ("values": {{"job.priority": ...}})')
        return None


def _job_values(values: dict[str, Any]) -> dict[str, Any]:
    """The workflow's rules, applied before sending so that a re-run compares equal: an actual start only
    for a job in progress or completed, an actual end only for a completed one."""
    stage = values.get("stage_id")
    if stage not in ("in_progress", "completed"):
        values.pop("date_start", None)
    if stage != "completed":
        values.pop("date_end", None)
    if values.get("duration") is None:
        values["duration"] = hours_between(values.get("scheduled_date_start"), values.get("scheduled_date_end"))
    return compact(values)


def _short_hash(*parts: Any) -> str:
    text = "|".join(str(p or "").strip().casefold() for p in parts)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# -- generic CSV / JSON with a mapping file ------------------------------------------------------------------------
def _tabular_rows(path: str, mapping: Mapping) -> Iterator[tuple[Origin, dict[str, Any]]]:
    if path.lower().endswith(".json"):
        for number, record in enumerate(_records(path, _load_json(path)), 1):
            yield Origin(path, record=number), record if isinstance(record, dict) else {}
        return
    options = mapping.csv
    try:
        with open(path, encoding=options.get("encoding", "utf-8-sig"), newline="") as handle:
            reader = csv.DictReader(handle, delimiter=options.get("delimiter", ","))
            missing = [c for c in mapping.columns if reader.fieldnames is not None and c not in reader.fieldnames]
            if reader.fieldnames is None:
                return
            if len(missing) == len(mapping.columns):
                raise SourceError(f"{path}: none of the mapping's columns is in the header ({', '.join(missing)})")
            for row in reader:
                yield Origin(path, line=reader.line_num), row
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not {options.get('encoding', 'utf-8')} text ({exc.reason})") from None


def _column_value(row: dict[str, Any], column: str) -> Any:
    if column in row:
        return row[column]
    return dig(row, *column.split(".")) if "." in column else None


def read_tabular(dataset: Dataset, path: str, mapping: Mapping) -> None:
    """A CSV file (one row per job, customer and location columns repeated) or a JSON list of flat or
    nested objects, through the mapping's columns. A row makes a customer, a location and a job when it
    has their ids; a row with a job id and only note or attachment columns adds those to that job."""
    by_target: dict[str, list[str]] = {}
    for column, target in mapping.columns.items():
        by_target.setdefault(target, []).append(column)
    for origin, row in _tabular_rows(path, mapping):
        got: dict[str, Any] = {}
        where: dict[str, str] = {}
        for target, columns in by_target.items():
            for column in columns:
                value = clean(_column_value(row, column))
                if value is not None and target not in got:
                    got[target], where[target] = value, column
        for target, value in mapping.defaults.items():
            if got.get(target) is None:
                got[target], where[target] = value, f"defaults.{target}"
        job_ref = mapping.prefix("job", got.get("job.external_ref"))
        origin = Origin(origin.file, origin.line, origin.record, str(got.get("job.external_ref") or "") or None)
        _tabular_record(dataset, origin, mapping, got, where, job_ref)


def _entity(got: dict[str, Any], entity: str) -> dict[str, Any]:
    return {t.split(".", 1)[1]: v for t, v in got.items() if t.startswith(entity + ".")}


def _tabular_record(
    dataset: Dataset, origin: Origin, mapping: Mapping, got: dict[str, Any], where: dict[str, str], job_ref: str | None
) -> None:
    row = _Row(dataset, origin, mapping)
    customer = _entity(got, "customer")
    location = _entity(got, "location")
    job = _entity(got, "job")
    customer_ref = mapping.prefix("customer", customer.get("external_ref"))
    location_ref = mapping.prefix("location", location.get("external_ref"))
    if customer_ref:
        name = customer.get("name") or " ".join(
            str(p) for p in (customer.get("first_name"), customer.get("last_name")) if p
        )
        is_company = customer.get("is_company")
        if isinstance(is_company, str):
            is_company = is_company.strip().casefold() in ("1", "true", "yes", "y", "company")
        values = {
            "name": name or None,
            "email": customer.get("email"),
            "phone": customer.get("phone"),
            "mobile": customer.get("mobile"),
            "street": customer.get("street"),
            "street2": customer.get("street2"),
            "city": customer.get("city"),
            "zip": customer.get("zip"),
            "country_id": country(customer.get("country")),
            "state_id": state(customer.get("state"), customer.get("country")),
            "is_company": bool(is_company) if is_company is not None else None,
        }
        dataset.add(Item(CUSTOMERS, customer_ref, compact({k: _str(v) for k, v in values.items()}), origin))
    elif {k for k in customer if k != "external_ref"}:
        row.problem(
            where.get("customer.external_ref", "customer.external_ref"), "customer values without a customer id"
        )
    if location_ref:
        values = {
            "name": location.get("name") or location.get("street") or location_ref,
            "owner_id": {"ref": customer_ref} if customer_ref else None,
            "street": location.get("street"),
            "street2": location.get("street2"),
            "city": location.get("city"),
            "zip": location.get("zip"),
            "country_id": country(location.get("country")),
            "state_id": state(location.get("state"), location.get("country")),
            "partner_latitude": row.number(where.get("location.latitude", ""), location.get("latitude")),
            "partner_longitude": row.number(where.get("location.longitude", ""), location.get("longitude")),
        }
        if not customer_ref:
            row.problem(where.get("location.external_ref"), "a location needs its customer (the owner): no customer id")
        dataset.add(Item(LOCATIONS, location_ref, compact({k: _str(v) for k, v in values.items()}), origin))
    job_fields = {k for k in job if k not in ("external_ref",)}
    note = _entity(got, "note")
    attachment = _entity(got, "attachment")
    if not job_ref:
        if job_fields or note or attachment:
            row.problem(where.get("job.external_ref", "job.external_ref"), "missing job id")
        return
    if job_fields:
        _tabular_job(dataset, row, origin, job, where, job_ref, customer_ref, location_ref)
    if note.get("body"):
        dataset.notes.append(
            Note(
                job_ref,
                str(note["body"]),
                origin,
                date=row.date(where.get("note.date", "note.date"), note.get("date")),
                author_email=note.get("author_email"),
                author_name=note.get("author_name"),
            )
        )
    for kind in ("url", "path"):
        for entry in re.split(r"[;\n]", str(attachment.get(kind) or "")):
            if entry.strip():
                spec = Attachment(job_ref, origin, name=attachment.get("name"), **{kind: entry.strip()})
                dataset.attachments.append(spec)


def _tabular_job(
    dataset: Dataset,
    row: _Row,
    origin: Origin,
    job: dict[str, Any],
    where: dict[str, str],
    job_ref: str,
    customer_ref: str | None,
    location_ref: str | None,
) -> None:
    def col(name: str) -> str:
        return where.get(f"job.{name}", f"job.{name}")

    if not customer_ref and not location_ref:
        row.problem(col("external_ref"), "missing customer: the job has no customer id (nor location id)")
    values: dict[str, Any] = {
        "partner_id": {"ref": customer_ref} if customer_ref else None,
        "location_id": {"ref": location_ref} if location_ref else None,
        "description": (
            (text_to_html(str(job["title"])) if job.get("title") else "")
            + (html_or_text(str(job["description"])) if job.get("description") else "")
        )
        or None,
        "stage_id": row.stage(col("stage_id"), job.get("stage_id")),
        "type": row.job_type(col("type"), job.get("type"), guess=False),
        "priority": row.priority(col("priority"), job.get("priority")),
        "resolution": text_to_html(str(job["resolution"])) if job.get("resolution") else None,
        "duration": row.number(col("duration"), job.get("duration")),
    }
    for name in DATE_FIELDS:
        values[name] = row.date(col(name), job.get(name))
    if job.get("stage_id") is not None and values["stage_id"] is None:
        values.pop("stage_id")
    item = Item(
        JOBS,
        job_ref,
        _job_values(values),
        origin,
        technician_email=_email(job.get("technician_email")),
        ref_field=col("external_ref"),
        technician_field=col("technician_email"),
    )
    dataset.add(item, merge=False)


def _str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _email(value: Any) -> str | None:
    value = clean(value)
    return str(value).strip() if value else None


# -- Field Nation (seed 001) --------------------------------------------------------------------------------------
def read_fieldnation(dataset: Dataset, path: str, mapping: Mapping) -> None:
    """Field Nation work orders: a list of work orders, or a list answer with ``results``."""
    for number, record in enumerate(_records(path, _load_json(path)), 1):
        if not isinstance(record, dict):
            dataset.problems.append(Problem("not a work order object", Origin(path, record=number)))
            continue
        source_id = clean(record.get("id") if record.get("id") is not None else record.get("work_order_id"))
        origin = Origin(path, record=number, source_id=str(source_id) if source_id is not None else None)
        _fieldnation_order(dataset, origin, mapping, record, source_id)


def _fieldnation_order(dataset: Dataset, origin: Origin, mapping: Mapping, wo: dict[str, Any], wo_id: Any) -> None:
    row = _Row(dataset, origin, mapping)
    if wo_id is None:
        row.problem("id", "missing work order id")
        return
    job_ref = mapping.prefix("job", f"fn-wo-{wo_id}") or ""
    client = wo.get("client") if isinstance(wo.get("client"), dict) else {}
    customer_ref = None
    if client.get("id") is None:
        row.problem("client.id", "missing customer: the work order has no client")
    else:
        customer_ref = mapping.prefix("customer", f"fn-client-{client['id']}") or ""
        dataset.add(
            Item(
                CUSTOMERS,
                customer_ref,
                compact({"name": clean(client.get("name")) or customer_ref, "is_company": True}),
                origin,
            )
        )
    location = wo.get("location") if isinstance(wo.get("location"), dict) else {}
    location_ref = None
    if customer_ref and first(location.get("address1"), location.get("city"), dig(location, "saved_location", "id")):
        saved = dig(location, "saved_location", "id")
        key = (
            saved
            if saved is not None
            else _short_hash(
                client.get("id"),
                location.get("address1"),
                location.get("address2"),
                location.get("city"),
                location.get("zip"),
            )
        )
        location_ref = mapping.prefix("location", f"fn-loc-{key}") or ""
        coordinates = location.get("coordinates") if isinstance(location.get("coordinates"), dict) else {}
        name = first(dig(location, "saved_location", "name"), location.get("display_name"))
        name = name or ", ".join(str(p) for p in (location.get("address1"), location.get("city")) if p) or location_ref
        values = {
            "name": name,
            "owner_id": {"ref": customer_ref},
            "street": clean(location.get("address1")),
            "street2": clean(location.get("address2")),
            "city": clean(location.get("city")),
            "zip": _str(clean(location.get("zip"))),
            "country_id": country(location.get("country")),
            "state_id": state(location.get("state"), location.get("country")),
            "partner_latitude": row.number("location.coordinates.latitude", coordinates.get("latitude")),
            "partner_longitude": row.number("location.coordinates.longitude", coordinates.get("longitude")),
        }
        dataset.add(Item(LOCATIONS, location_ref, compact(values), origin))
    window = dig(wo, "schedule", "service_window") or {}
    logs = [log for log in (dig(wo, "time_logs", "results") or []) if isinstance(log, dict)]
    log_in = sorted(d for d in (row.date("time_logs.in", dig(log, "in", "utc")) for log in logs) if d)
    log_out = sorted(d for d in (row.date("time_logs.out", dig(log, "out", "utc")) for log in logs) if d)
    milestones = wo.get("milestones") if isinstance(wo.get("milestones"), dict) else {}
    status = wo.get("status")
    status_name = (status.get("name") if isinstance(status, dict) else status) or None
    description = dig(wo, "description", "html") or None
    if not description and dig(wo, "description", "markdown"):
        description = text_to_html(str(dig(wo, "description", "markdown")))
    title = clean(wo.get("title"))
    description = (text_to_html(title) or "") + (html_or_text(description) or "") if (title or description) else None
    values: dict[str, Any] = {
        "partner_id": {"ref": customer_ref} if customer_ref else None,
        "location_id": {"ref": location_ref} if location_ref else None,
        "description": description or None,
        "scheduled_date_start": row.date("schedule.service_window.start.utc", dig(window, "start", "utc")),
        "scheduled_date_end": row.date("schedule.service_window.end.utc", dig(window, "end", "utc")),
        "stage_id": row.stage("status.name", status_name, FIELDNATION_STATUSES),
        "type": row.job_type("type_of_work.name", dig(wo, "type_of_work", "name"), guess=True),
        "resolution": html_or_text(clean(wo.get("closing_notes"))),
        "source_create_date": row.date(
            "milestones.created.utc", first(dig(milestones, "created", "utc"), dig(wo, "created", "utc"))
        ),
        "date_start": log_in[0] if log_in else None,
        "date_end": first(
            log_out[-1] if log_out else None, row.date("milestones.workdone.utc", dig(milestones, "workdone", "utc"))
        ),
    }
    if status_name is None:
        row.problem("status.name", "missing status")
    if not values["type"]:
        values["type"] = "service"
    technician = first(dig(wo, "assignee", "user", "email"), dig(wo, "assignee", "email"))
    item = Item(JOBS, job_ref, _job_values(values), origin, _email(technician), "id", "assignee.user.email")
    dataset.add(item, merge=False)
    for number, message in enumerate(dig(wo, "messages", "results") or [], 1):
        if not isinstance(message, dict):
            continue
        body = first(message.get("message"), message.get("text"), message.get("body"))
        if not body:
            continue
        author = message.get("from") if isinstance(message.get("from"), dict) else message.get("author") or {}
        name = first(author.get("name"), " ".join(p for p in (author.get("first_name"), author.get("last_name")) if p))
        dataset.notes.append(
            Note(
                job_ref,
                str(body).strip(),
                origin,
                date=row.date(f"messages.results[{number}].created.utc", dig(message, "created", "utc")),
                author_email=_email(author.get("email")),
                author_name=name or None,
            )
        )
    for log in logs:
        user = dig(log, "user") or {}
        who = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or None
        start, end = dig(log, "in", "utc"), dig(log, "out", "utc")
        if not start:
            continue
        text = f"Time log: checked in {row.date('time_logs.in', start)}"
        text += f", checked out {row.date('time_logs.out', end)}" if end else ""
        text += f" ({log['hours']} h)" if log.get("hours") is not None else ""
        dataset.notes.append(
            Note(
                job_ref,
                text,
                origin,
                date=row.date("time_logs.in", start),
                author_email=_email(user.get("email")),
                author_name=who,
            )
        )
    for spec in _fieldnation_files(dig(wo, "attachments", "results") or []):
        url = first(spec.get("url"), spec.get("link"), dig(spec, "file", "link"), dig(spec, "file", "url"))
        path = first(spec.get("path"), dig(spec, "file", "path"))
        name = first(spec.get("name"), dig(spec, "file", "name"))
        if url or path:
            dataset.attachments.append(Attachment(job_ref, origin, url=url, path=None if url else path, name=name))


def _fieldnation_files(entries: list[Any]) -> Iterator[dict[str, Any]]:
    """Files of a work order: entries with a url/link/path, or folders (``results``) of them."""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("results"), list):
            yield from _fieldnation_files(entry["results"])
        else:
            yield entry


# -- Sitoo (seed 004) -----------------------------------------------------------------------------------------------
def read_sitoo(dataset: Dataset, path: str, mapping: Mapping) -> None:
    """Sitoo service orders: a list (GET /serviceorders) or one order."""
    for number, record in enumerate(_records(path, _load_json(path)), 1):
        if not isinstance(record, dict):
            dataset.problems.append(Problem("not a service order object", Origin(path, record=number)))
            continue
        order_id = clean(record.get("id"))
        origin = Origin(path, record=number, source_id=str(order_id) if order_id is not None else None)
        _sitoo_order(dataset, origin, mapping, record, order_id)


def _sitoo_order(dataset: Dataset, origin: Origin, mapping: Mapping, order: dict[str, Any], order_id: Any) -> None:
    row = _Row(dataset, origin, mapping)
    if order_id is None:
        row.problem("id", "missing service order id")
        return
    job_ref = mapping.prefix("job", f"sitoo-so-{order_id}") or ""
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    email = _email(customer.get("email"))
    key = email.casefold() if email else re.sub(r"[^0-9+]", "", str(customer.get("mobile") or "")) or None
    customer_ref = None
    if not key:
        row.problem("customer.email", "missing customer: the service order's customer has no email nor mobile")
    else:
        customer_ref = mapping.prefix("customer", f"sitoo-cust-{key}") or ""
        name = " ".join(str(p).strip() for p in (customer.get("first_name"), customer.get("last_name")) if p)
        values = {"name": name or email or key, "email": email, "mobile": clean(customer.get("mobile"))}
        dataset.add(Item(CUSTOMERS, customer_ref, compact(values), origin))
    store = order.get("store") if isinstance(order.get("store"), dict) else {}
    location_ref = None
    if store.get("id") is not None:
        store_ref = mapping.prefix("customer", f"sitoo-store-{store['id']}") or ""
        dataset.add(
            Item(CUSTOMERS, store_ref, {"name": clean(store.get("name")) or store_ref, "is_company": True}, origin)
        )
        location_ref = mapping.prefix("location", f"sitoo-store-{store['id']}") or ""
        values = {"name": clean(store.get("name")) or location_ref, "owner_id": {"ref": store_ref}}
        dataset.add(Item(LOCATIONS, location_ref, values, origin))
    product = order.get("product")
    products = product if isinstance(product, list) else [product] if isinstance(product, dict) else []
    lines = []
    for entry in products:
        if not isinstance(entry, dict):
            continue
        serial = f" (serial {entry['serial']})" if entry.get("serial") else ""
        lines.append(f"{entry.get('name') or ''} [{entry.get('sku') or ''}]{serial}".strip())
        for service in entry.get("services") or []:
            if isinstance(service, dict):
                note = f": {service['note']}" if service.get("note") else ""
                lines.append(f"- {service.get('quantity') or 1} x {service.get('name') or service.get('sku')}{note}")
    values = {
        "partner_id": {"ref": customer_ref} if customer_ref else None,
        "location_id": {"ref": location_ref} if location_ref else None,
        "description": text_to_html(clean(order.get("note")), "\n".join(lines) if lines else None),
        "stage_id": row.stage("state", order.get("state") or "new", SITOO_STATES),
        "type": "service",
        "source_create_date": row.date("created", order.get("created")),
    }
    owner = order.get("owner") if isinstance(order.get("owner"), dict) else {}
    item = Item(JOBS, job_ref, _job_values(values), origin, _email(owner.get("email")), "id", "owner.email")
    dataset.add(item, merge=False)


def base_dir(origin: Origin) -> str:
    return os.path.dirname(os.path.abspath(origin.file))
