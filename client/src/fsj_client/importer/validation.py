"""Everything checked before the first write: the files' own problems (``sources.py``), each record
against the server's schema (the OpenAPI document), references to customers, locations and jobs (in the
files or already on the server), technicians by email, countries and states, attachment files. Only
reads: nothing is written here. What cannot be written becomes a ``Problem``; technicians' emails are
resolved to fsm.person ids and codes to ids in the items' values."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ApiError
from .api import ImportApi
from .mapping import Mapping
from .records import (
    CUSTOMERS,
    JOBS,
    LOCATIONS,
    STAGE_CODES,
    TECHNICIANS,
    WRITE_ORDER,
    Dataset,
    Item,
    Lookup,
    Problem,
)
from .sources import base_dir

# API translations the OpenAPI document types otherwise (a stage by its code, a job type by its code)
CODE_FIELDS = {(JOBS, "stage_id"), (JOBS, "type")}
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@dataclass
class Resolution:
    """What validation learnt from the server."""

    technicians: dict[str, int] = field(default_factory=dict)  # email (case-folded) -> fsm.person id
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # email -> the jobs that name it
    warnings: list[str] = field(default_factory=list)


def schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{model: properties of its write schema} from the OpenAPI document."""
    components = (document.get("components") or {}).get("schemas") or {}
    found = {}
    for model in WRITE_ORDER:
        schema = components.get(model.replace(".", "_") + "_write")
        if isinstance(schema, dict):
            found[model] = schema.get("properties") or {}
    return found


def _types(spec: dict[str, Any]) -> list[dict[str, Any]]:
    options = spec.get("oneOf") or spec.get("anyOf")
    return [o for o in options if isinstance(o, dict)] if options else [spec]


def check_value(spec: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` does not fit the field's schema, or None. ``{"ref": ...}`` fits a RecordRef."""
    if value is None or isinstance(value, Lookup):
        return None
    reasons = []
    for option in _types(spec):
        if "$ref" in option:
            if option["$ref"].endswith("/RecordRef") and isinstance(value, dict) and isinstance(value.get("ref"), str):
                return None
            continue
        kind = option.get("type")
        if "enum" in option and value not in option["enum"]:
            reasons.append(f"{value!r} is not one of {', '.join(map(str, option['enum']))}")
            continue
        if kind == "string" and isinstance(value, str):
            pattern = option.get("pattern")
            if pattern and not re.match(pattern, value):
                reasons.append(f"{value!r} does not match {pattern}")
                continue
            return None
        if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return None
        if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return None
        if kind == "boolean" and isinstance(value, bool):
            return None
        if kind in ("array", "object") and isinstance(value, list | dict):
            return None
        reasons.append(f"expected {kind or 'a value'}, got {type(value).__name__}")
    return "; ".join(reasons) or None


def check_schema(dataset: Dataset, document: dict[str, Any]) -> list[Problem]:
    """Every value of every item against the model's write schema; fields the server does not know."""
    problems = []
    props = schemas(document)
    for model in WRITE_ORDER:
        if model not in props:
            problems.append(Problem(f"the server's schema has no writable {model} for this API key"))
            continue
        if "external_ref" not in props[model]:
            problems.append(Problem(f"the server's {model} has no external_ref: it is too old for imports"))
            continue
        for item in dataset.items(model).values():
            for name, value in item.values.items():
                spec = props[model].get(name)
                if spec is None:
                    problems.append(Problem(f"the server has no field {name!r} on {model}", item.origin, name))
                    continue
                if (model, name) in CODE_FIELDS and isinstance(value, str):
                    continue
                reason = check_value(spec, value)
                if reason:
                    problems.append(Problem(reason, item.origin, name))
    return problems


def _refs(items: Iterable[Item], name: str) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = {}
    for item in items:
        value = item.values.get(name)
        if isinstance(value, dict) and isinstance(value.get("ref"), str):
            found.setdefault(value["ref"], []).append(item)
    return found


def check_references(dataset: Dataset, api: ImportApi) -> list[Problem]:
    """A customer, location or job named but neither in the files nor on the server."""
    problems = []
    wanted = {
        (CUSTOMERS, "owner_id", "customer (owner)"): _refs(dataset.locations.values(), "owner_id"),
        (CUSTOMERS, "partner_id", "customer"): _refs(dataset.jobs.values(), "partner_id"),
        (LOCATIONS, "location_id", "location"): _refs(dataset.jobs.values(), "location_id"),
    }
    for (model, fname, label), refs in wanted.items():
        missing = [ref for ref in refs if ref not in dataset.items(model)]
        on_server = api.find_refs(model, missing) if missing else {}
        for ref in missing:
            if ref not in on_server:
                for item in refs[ref]:
                    problems.append(
                        Problem(f"missing {label} {ref!r}: not in the files nor on the server", item.origin, fname)
                    )
    job_refs = {entry.job_ref: entry for entry in [*dataset.notes, *dataset.attachments]}
    missing = [ref for ref in job_refs if ref not in dataset.jobs]
    on_server = api.find_refs(JOBS, missing) if missing else {}
    for ref in missing:
        if ref not in on_server:
            problems.append(
                Problem(f"unknown job {ref!r}: not in the files nor on the server", job_refs[ref].origin, "job")
            )
    return problems


def resolve_technicians(
    dataset: Dataset, api: ImportApi, fallback: str | None, unmatched_policy: str
) -> tuple[Resolution, list[Problem]]:
    """Each job's technician email -> fsm.person id (case-insensitive). Unmatched emails: a problem per
    job, or (``unmatched_policy="skip"``) no technician, or the ``fallback`` technician's email."""
    resolution = Resolution()
    problems = []
    emails = {item.technician_email for item in dataset.jobs.values() if item.technician_email}
    if fallback:
        emails.add(fallback)
    if emails:
        variants = sorted({v for e in emails for v in (e, e.lower(), e.strip())})
        persons = []
        for start in range(0, len(variants), 500):
            persons += api.search(TECHNICIANS, [["email", "in", variants[start : start + 500]]], ["email"])
        for person in sorted(persons, key=lambda p: p["id"]):
            resolution.technicians.setdefault(str(person.get("email") or "").strip().casefold(), person["id"])
    fallback_id = resolution.technicians.get(fallback.strip().casefold()) if fallback else None
    if fallback and fallback_id is None:
        problems.append(Problem(f"--technician-fallback {fallback!r} has no match in fsm.person"))
    for item in dataset.jobs.values():
        email = item.technician_email
        if not email:
            continue
        person = resolution.technicians.get(email.strip().casefold())
        if person is None:
            resolution.unmatched.setdefault(email, []).append(item.ref)
            if fallback_id is not None:
                person = fallback_id
            elif unmatched_policy != "skip" and not fallback:
                problems.append(
                    Problem(
                        f"technician email {email!r} has no match in fsm.person (add the technician, or use "
                        "--technician-fallback EMAIL or --unmatched-technicians skip)",
                        item.origin,
                        item.technician_field,
                    )
                )
        if person is not None:
            item.values["person_id"] = person
        if item.values.get("stage_id") == "new" and person is not None and item.values.get("scheduled_date_start"):
            # the server schedules a New job that gets a technician and a start: say so, a re-run compares equal
            item.values["stage_id"] = "scheduled"
    return resolution, problems


def resolve_lookups(dataset: Dataset, api: ImportApi, mapping: Mapping, resolution: Resolution) -> None:
    """Countries and states given by code -> ids: the mapping's tables, else the server (when it exposes
    res.country / res.country.state to the key), else left out with a warning."""
    wanted: dict[str, set[str]] = {}
    for model in WRITE_ORDER:
        for item in dataset.items(model).values():
            for value in item.values.values():
                if isinstance(value, Lookup):
                    wanted.setdefault(value.model, set()).add(value.code)
    tables = {"res.country": dict(mapping.countries), "res.country.state": dict(mapping.states)}
    for model, codes in wanted.items():
        table = tables[model]
        missing = sorted(c for c in codes if c not in table)
        if not missing:
            continue
        try:
            for record in api.search(model, [["code", "in", missing]], ["code"]):
                table.setdefault(str(record.get("code") or "").upper(), record["id"])
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
        left = sorted(c for c in missing if c not in table)
        if left:
            key = "countries" if model == "res.country" else "states"
            resolution.warnings.append(
                f"{model} code(s) {', '.join(left)} not resolved (the key cannot read {model}): give their ids in "
                f'the mapping file ("{key}": {{"{left[0]}": <id>}}); those fields are left out'
            )
    for model in WRITE_ORDER:
        for item in dataset.items(model).values():
            for name, value in list(item.values.items()):
                if isinstance(value, Lookup):
                    found = tables[value.model].get(value.code)
                    if found is None:
                        del item.values[name]
                    else:
                        item.values[name] = found


def check_attachments(dataset: Dataset) -> list[Problem]:
    problems = []
    for spec in dataset.attachments:
        if spec.url:
            if not re.match(r"^https?://", spec.url, re.IGNORECASE):
                problems.append(Problem(f"{spec.url!r} is not an http(s) URL", spec.origin, "attachment.url"))
        elif spec.path:
            path = spec.path if os.path.isabs(spec.path) else os.path.join(base_dir(spec.origin), spec.path)
            if not os.path.isfile(path):
                problems.append(Problem(f"no file {path}", spec.origin, "attachment.path"))
    return problems


def check_stages(dataset: Dataset) -> list[Problem]:
    return [
        Problem(f"unknown stage {item.values['stage_id']!r}", item.origin, "stage_id")
        for item in dataset.jobs.values()
        if item.values.get("stage_id") not in (None, *STAGE_CODES)
    ]


def validate(
    dataset: Dataset,
    api: ImportApi,
    mapping: Mapping,
    *,
    technician_fallback: str | None = None,
    unmatched_technicians: str = "error",
) -> tuple[Resolution, list[Problem]]:
    """All the checks; the problems in file order (local ones first, then the server's)."""
    problems = list(dataset.problems) + check_stages(dataset) + check_attachments(dataset)
    resolution, found = resolve_technicians(dataset, api, technician_fallback, unmatched_technicians)
    problems += found
    resolve_lookups(dataset, api, mapping, resolution)
    problems += check_schema(dataset, api.openapi())
    problems += check_references(dataset, api)
    return resolution, problems
