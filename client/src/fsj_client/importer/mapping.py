"""The mapping file: how a source's columns and values become the API's fields.

A JSON object (every key optional except ``columns`` for the generic CSV/JSON source)::

    {
      "columns": {"WO Number": "job.external_ref", "Client": "customer.name", ...},
      "values": {"job.stage_id": {"Open": "new", "Booked": "scheduled", "Done": "completed"},
                 "job.type": {"Installation": "install", "Repair": "service"},
                 "job.priority": {"Low": "0", "High": "2"}},
      "defaults": {"job.type": "service"},
      "ref_prefix": {"customer": "ACME-C-", "location": "ACME-L-", "job": "ACME-J-"},
      "timezone": "Europe/Stockholm",
      "date_format": "%d/%m/%Y %H:%M",
      "countries": {"SE": 205},
      "states": {"MN": 37},
      "csv": {"delimiter": ";", "encoding": "utf-8-sig"}
    }

``columns`` maps a source column (CSV header, or a JSON key; ``a.b`` reads a nested key) to a target
``<entity>.<field>``; see ``TARGETS``. ``values`` maps source values (exact, then case-insensitive)
to the API's; the Field Nation and Sitoo sources take ``values``, ``ref_prefix``, ``timezone``,
``countries`` and ``states`` too (their columns are built in)."""

from __future__ import annotations

import json
import os
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

TARGETS: dict[str, tuple[str, ...]] = {
    "customer": (
        "external_ref",
        "name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "street",
        "street2",
        "city",
        "zip",
        "state",
        "country",
        "is_company",
    ),
    "location": (
        "external_ref",
        "name",
        "street",
        "street2",
        "city",
        "zip",
        "state",
        "country",
        "latitude",
        "longitude",
    ),
    "job": (
        "external_ref",
        "title",
        "description",
        "scheduled_date_start",
        "scheduled_date_end",
        "duration",
        "date_start",
        "date_end",
        "stage_id",
        "type",
        "priority",
        "resolution",
        "source_create_date",
        "technician_email",
    ),
    "note": ("body", "date", "author_email", "author_name"),
    "attachment": ("url", "path", "name"),
}
ALIASES = {"job.status": "job.stage_id", "job.stage": "job.stage_id", "job.id": "job.external_ref"}
for _entity in ("customer", "location"):
    ALIASES[f"{_entity}.id"] = f"{_entity}.external_ref"


class MappingError(ValueError):
    """A mapping file that cannot be used (the message names the file and the key)."""


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    ref_prefix: dict[str, str] = field(default_factory=dict)
    timezone: zoneinfo.ZoneInfo | None = None
    date_format: str | None = None
    countries: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    csv: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None) -> Mapping:
        if path is None:
            return cls()
        name = os.fspath(path)
        try:
            with open(name, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise MappingError(f"{name}: cannot read the mapping file ({exc.strerror})") from None
        except ValueError as exc:
            raise MappingError(f"{name}: not JSON ({exc})") from None
        return cls.from_dict(data, name)

    @classmethod
    def from_dict(cls, data: Any, name: str = "mapping") -> Mapping:
        if not isinstance(data, dict):
            raise MappingError(f"{name}: the mapping must be a JSON object")
        known = {"columns", "values", "defaults", "ref_prefix", "timezone", "date_format", "countries", "states", "csv"}
        unknown = sorted(set(data) - known - {"comment", "description", "$comment"})
        if unknown:
            raise MappingError(f"{name}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        columns = {}
        for column, target in _object(data, "columns", name).items():
            columns[column] = _target(target, f"{name}: columns.{column}")
        values = {}
        for target, table in _object(data, "values", name).items():
            if not isinstance(table, dict):
                raise MappingError(f"{name}: values.{target} must be an object of source value -> API value")
            values[_target(target, f"{name}: values.{target}")] = table
        defaults = {_target(t, f"{name}: defaults.{t}"): v for t, v in _object(data, "defaults", name).items()}
        prefixes = _object(data, "ref_prefix", name)
        bad = sorted(set(prefixes) - {"customer", "location", "job"})
        if bad or not all(isinstance(v, str) for v in prefixes.values()):
            raise MappingError(f"{name}: ref_prefix takes strings for customer, location and job")
        timezone = None
        if data.get("timezone"):
            try:
                timezone = zoneinfo.ZoneInfo(str(data["timezone"]))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise MappingError(f"{name}: timezone: unknown time zone {data['timezone']!r}") from None
        lookups = {}
        for key in ("countries", "states"):
            table = _object(data, key, name)
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in table.values()):
                raise MappingError(f"{name}: {key} maps codes to database ids (whole numbers)")
            lookups[key] = {str(k).upper(): v for k, v in table.items()}
        return cls(
            columns=columns,
            values=values,
            defaults=defaults,
            ref_prefix=dict(prefixes),
            timezone=timezone,
            date_format=data.get("date_format") or None,
            countries=lookups["countries"],
            states=lookups["states"],
            csv=_object(data, "csv", name),
            path=name,
        )

    def map_value(self, target: str, value: Any) -> tuple[bool, Any]:
        """(found, API value) of a source value through ``values[target]``: exact, then ignoring case
        and surrounding spaces."""
        table = self.values.get(target)
        if not table or value is None:
            return False, value
        key = str(value)
        if key in table:
            return True, table[key]
        folded = key.strip().casefold()
        for source, api in table.items():
            if str(source).strip().casefold() == folded:
                return True, api
        return False, value

    def prefix(self, entity: str, ref: Any) -> str | None:
        if ref is None or str(ref).strip() == "":
            return None
        return self.ref_prefix.get(entity, "") + str(ref).strip()


def _object(data: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise MappingError(f"{name}: {key} must be a JSON object")
    return value


def _target(target: Any, where: str) -> str:
    if not isinstance(target, str):
        raise MappingError(f"{where}: the target must be a string such as 'job.external_ref'")
    target = ALIASES.get(target, target)
    entity, _, fname = target.partition(".")
    if entity not in TARGETS or fname not in TARGETS[entity]:
        allowed = ", ".join(f"{e}.{f}" for e, names in TARGETS.items() for f in names)
        raise MappingError(f"{where}: unknown target {target!r} (one of: {allowed})")
    return target
