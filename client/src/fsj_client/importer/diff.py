"""The dry run's field-level diff: each item against the record that has its external reference on the
server (read with a domain on external_ref), as the server would see the write: a new record, the
fields that would change (old -> new), or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from .api import ImportApi
from .records import JOBS, LABELS, WRITE_ORDER, Dataset, Item, strip_html

HTML_FIELDS = {"description", "resolution"}


@dataclass
class Change:
    item: Item
    kind: str  # created | updated | unchanged
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (old, new)


def read_fields(items: Iterable[Item]) -> list[str]:
    """What to read to compare: a many2one by reference as ``<field>.external_ref``, a stage as its code."""
    names: dict[str, None] = {}
    for item in items:
        for name, value in item.values.items():
            if isinstance(value, dict) and "ref" in value:
                names[f"{name}.external_ref"] = None
            elif item.model == JOBS and name == "stage_id":
                names["stage_id.code"] = None
            else:
                names[name] = None
    return list(names)


def _old(record: dict[str, Any], name: str, new: Any) -> Any:
    value = record.get(name)
    if isinstance(new, dict) and "ref" in new:
        return value.get("external_ref") if isinstance(value, dict) else None
    if name == "stage_id" and isinstance(value, dict):
        return value.get("code")
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
        return value[0]  # [id, display name]
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    return value


def _same(name: str, old: Any, new: Any) -> bool:
    if isinstance(new, dict) and "ref" in new:
        new = new["ref"]
    if name in HTML_FIELDS:
        return strip_html(old) == strip_html(new)
    if isinstance(new, float) or isinstance(old, float):
        try:
            return abs(float(old or 0) - float(new or 0)) < 1e-6
        except (TypeError, ValueError):
            return False
    if old in (None, False, "") and new in (None, False, ""):
        return True
    if isinstance(new, str) and isinstance(old, str):
        return old.strip() == new.strip()
    return old == new


def compare(item: Item, record: dict[str, Any] | None) -> Change:
    if record is None:
        return Change(item, "created", {name: (None, value) for name, value in item.values.items()})
    changed = {}
    for name, new in item.values.items():
        old = _old(record, name, new)
        if not _same(name, old, new):
            changed[name] = (old, new["ref"] if isinstance(new, dict) and "ref" in new else new)
    return Change(item, "updated" if changed else "unchanged", changed)


def diff(dataset: Dataset, api: ImportApi) -> dict[str, list[Change]]:
    """{model: [Change]} for customers, locations and jobs."""
    changes = {}
    for model in WRITE_ORDER:
        items = list(dataset.items(model).values())
        if not items:
            changes[model] = []
            continue
        existing = api.find_refs(model, [i.ref for i in items], read_fields(items))
        changes[model] = [compare(item, existing.get(item.ref)) for item in items]
    return changes


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = strip_html(value) if "<" in value else value
        return repr(text if len(text) <= 80 else text[:77] + "...")
    return repr(value)


def print_diff(changes: dict[str, list[Change]], out: TextIO, limit: int | None = None) -> None:
    """``+`` a record to create with its values, ``~`` one to update with old -> new per field;
    unchanged records are counted, not listed. ``limit``: at most that many records per model."""
    for model, entries in changes.items():
        shown = 0
        for change in entries:
            if change.kind == "unchanged":
                continue
            if limit is not None and shown >= limit:
                rest = sum(1 for c in entries if c.kind != "unchanged") - shown
                out.write(f"  ... {rest} more {LABELS[model]} (--diff-limit)\n")
                break
            shown += 1
            mark = "+" if change.kind == "created" else "~"
            out.write(f"{mark} {model} {change.item.ref}  ({change.item.origin})\n")
            for name, (old, new) in change.fields.items():
                if change.kind == "created":
                    out.write(f"    {name}: {_show(new)}\n")
                else:
                    out.write(f"    {name}: {_show(old)} -> {_show(new)}\n")
