"""A run: read, validate (nothing written before everything passed), then either the dry run's diff or
the writes under an import run: customers, locations and jobs through batch upserts (up to 1,000 a
request, two requests in flight), then the chatter notes and the files of the jobs the run created.
Every finished batch is recorded in a local state file, so that ``--resume RUN_ID`` continues an
interrupted run where it stopped; the run is closed with its state and the report."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TextIO

import requests

from ..errors import ApiError, FsjClientError
from . import diff as diffs
from . import sources, validation
from .api import ImportApi, error_text
from .mapping import Mapping
from .progress import Progress
from .records import (
    ATTACHMENTS,
    CUSTOMERS,
    JOBS,
    LABELS,
    LOCATIONS,
    NOTES,
    REPORT_MODELS,
    WRITE_ORDER,
    Attachment,
    Dataset,
    Item,
    Note,
    Problem,
)

MAX_BATCH = 1000
MAX_FILES_PER_REQUEST = 10
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
STATE_VERSION = 1
# a rejected item is taken out of its batch and the rest sent again, at most this many times a batch
MAX_ITEM_RETRIES = 50


class Abort(Exception):
    """Stop the run (the state file keeps what was done: ``--resume`` continues)."""


@dataclass
class ImportOptions:
    source: str
    files: Sequence[str]
    mapping: Mapping = field(default_factory=Mapping)
    dry_run: bool = False
    batch_size: int = MAX_BATCH
    parallel: int = 2
    state_dir: str = ".fsj-import"
    resume: str | None = None
    technician_fallback: str | None = None
    unmatched_technicians: str = "error"
    name: str | None = None
    diff_limit: int | None = None


class RunState:
    """The local state file of a run (``<state_dir>/<run>.json``): per model, the references written
    (id and result), the notes and files sent. Saved after every batch (write and rename)."""

    def __init__(self, path: str, run_id: str, source: str) -> None:
        self.path = path
        self.data: dict[str, Any] = {
            "version": STATE_VERSION,
            "run": run_id,
            "source": source,
            "done": {m: {} for m in WRITE_ORDER},
            "notes": {},
            "files": {},
        }
        self.lock = threading.Lock()

    @classmethod
    def load(cls, path: str) -> RunState:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        state = cls(path, data["run"], data.get("source", ""))
        state.data.update(data)
        for model in WRITE_ORDER:
            state.data["done"].setdefault(model, {})
        return state

    def done(self, model: str) -> dict[str, list[Any]]:
        return self.data["done"][model]

    def record(self, model: str, rows: Sequence[tuple[str, int, str]]) -> None:
        with self.lock:
            for ref, rec_id, result in rows:
                self.data["done"][model][ref] = [rec_id, result]
            self._save()

    def mark(self, kind: str, keys: Sequence[str], value: Any = True) -> None:
        with self.lock:
            for key in keys:
                self.data[kind][key] = value
            self._save()

    def save(self) -> None:
        with self.lock:
            self._save()

    def _save(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, separators=(",", ":"))
        os.replace(tmp, self.path)


class Runner:
    def __init__(
        self,
        api: ImportApi,
        options: ImportOptions,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        progress: Progress | None = None,
        downloader: Callable[[str], bytes] | None = None,
    ) -> None:
        self.api = api
        self.options = options
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.progress = progress if progress is not None else Progress(self.err)
        self.download = downloader or _download
        self.counts = {m: {"created": 0, "updated": 0, "unchanged": 0, "failed": 0} for m in REPORT_MODELS}
        self.failures: list[dict[str, Any]] = []
        self.failed_refs: dict[str, set[str]] = {m: set() for m in WRITE_ORDER}
        self.lock = threading.Lock()
        self.state: RunState | None = None
        self.dataset: Dataset | None = None
        self.resolution = validation.Resolution()
        self.problems: list[Problem] = []
        self.started = time.monotonic()

    # -- the command ---------------------------------------------------------------------------------------------
    def run(self) -> tuple[int, dict[str, Any]]:
        """(exit status, report). 0 only when nothing failed; 1 when something failed or did not validate;
        2 when the files could not be read; 130 when interrupted."""
        options = self.options
        try:
            self.dataset = sources.read(options.source, options.files, options.mapping)
        except sources.SourceError as exc:
            self.err.write(f"error: {exc}\n")
            return 2, self.report(None, "invalid")
        dataset = self.dataset
        for warning in dataset.warnings:
            self.err.write(f"warning: {warning}\n")
        self.resolution, self.problems = validation.validate(
            dataset,
            self.api,
            options.mapping,
            technician_fallback=options.technician_fallback,
            unmatched_technicians=options.unmatched_technicians,
        )
        for warning in self.resolution.warnings:
            self.err.write(f"warning: {warning}\n")
        if self.resolution.unmatched:
            what = (
                f"assigned to {options.technician_fallback}"
                if options.technician_fallback
                else "left without technician"
                if options.unmatched_technicians == "skip"
                else "nothing will be written"
            )
            self.err.write(f"unmatched technicians ({what}):\n")
            for email, jobs in sorted(self.resolution.unmatched.items()):
                self.err.write(f"  {email}: {len(jobs)} job(s), e.g. {', '.join(jobs[:3])}\n")
        if self.problems:
            self.err.write(f"{len(self.problems)} problem(s); nothing was written:\n")
            for problem in self.problems:
                self.err.write(f"  {problem}\n")
            return 1, self.report(None, "invalid")
        if options.dry_run:
            return self.dry_run()
        return self.real_run()

    def dry_run(self) -> tuple[int, dict[str, Any]]:
        assert self.dataset is not None
        changes = diffs.diff(self.dataset, self.api)
        self.out.write("run: dry-run (nothing written)\n")
        diffs.print_diff(changes, self.out, self.options.diff_limit)
        created_jobs = set()
        for model, entries in changes.items():
            for change in entries:
                self.counts[model][change.kind] += 1
                if model == JOBS and change.kind == "created":
                    created_jobs.add(change.item.ref)
        self.counts[NOTES]["created"] = sum(1 for n in self.dataset.notes if n.job_ref in created_jobs)
        self.counts[ATTACHMENTS]["created"] = sum(1 for a in self.dataset.attachments if a.job_ref in created_jobs)
        report = self.report("dry-run", "dry_run")
        self.summary(report)
        return 0, report

    def real_run(self) -> tuple[int, dict[str, Any]]:
        try:
            run_id = self.open_run()
        except (FsjClientError, Abort) as exc:
            self.err.write(f"error: {error_text(exc)}\n")
            return 1, self.report(None, "failed")
        self.out.write(f"run: {run_id}\n")
        self.out.flush()
        try:
            for model in WRITE_ORDER:
                self.write_model(model)
            self.send_notes()
            self.send_files()
        except KeyboardInterrupt:
            assert self.state is not None
            self.state.save()
            self.err.write(f"\ninterrupted: resume with --resume {run_id}\n")
            self.count_results()
            return 130, self.report(run_id, "interrupted")
        except (Abort, FsjClientError, OSError) as exc:
            assert self.state is not None
            self.state.save()
            message = error_text(exc)
            self.err.write(f"\nerror: {message}\nresume with --resume {run_id}\n")
            self.count_results()  # what was written before the error
            report = self.report(run_id, "failed", error=message)
            self._close(run_id, "failed", report)
            return 1, report
        self.count_results()
        failed = any(c["failed"] for c in self.counts.values())
        report = self.report(run_id, "failed" if failed else "done")
        self._close(run_id, report["state"], report)
        self.summary(report)
        return (1 if failed else 0), report

    # -- the import run and its state file --------------------------------------------------------------------------
    def open_run(self) -> str:
        options = self.options
        if options.resume:
            run = self.api.get_run(options.resume)
            if run.get("state") == "rolled_back":
                raise Abort(f"run {options.resume} was rolled back: start a new run")
            path = os.path.join(options.state_dir, f"{run['id']}.json")
            if os.path.exists(path):
                self.state = RunState.load(path)
            else:
                self.err.write(f"warning: no state file {path}: every record is sent again (upserts: no duplicates)\n")
                self.state = RunState(path, run["id"], options.source)
            self.api.run_id = run["id"]
            return str(run["id"])
        name = options.name or f"fsj-import {options.source}: " + ", ".join(os.path.basename(f) for f in options.files)
        run = self.api.create_run(options.source, name[:200])
        self.state = RunState(os.path.join(options.state_dir, f"{run['id']}.json"), run["id"], options.source)
        self.state.data["files"] = {}
        self.state.data["inputs"] = [os.path.abspath(f) for f in options.files]
        self.state.save()
        self.api.run_id = run["id"]
        return str(run["id"])

    def _close(self, run_id: str, state: str, report: dict[str, Any]) -> None:
        try:
            self.api.finish_run(run_id, state, report)
        except ApiError as exc:
            self.err.write(f"warning: could not close run {run_id}: {error_text(exc)}\n")

    # -- customers, locations, jobs ---------------------------------------------------------------------------------
    def _blocked(self, item: Item) -> str | None:
        """Why an item cannot be written because what it refers to failed in this run."""
        for name, model in (("owner_id", CUSTOMERS), ("partner_id", CUSTOMERS), ("location_id", LOCATIONS)):
            value = item.values.get(name)
            if isinstance(value, dict) and value.get("ref") in self.failed_refs[model]:
                return f"{name}: {LABELS[model][:-1]} {value['ref']!r} failed"
        return None

    def _fail(self, model: str, item: Item | None, message: str, ref: str | None = None) -> None:
        with self.lock:
            self.counts[model]["failed"] += 1
            if item is not None and model in self.failed_refs:
                self.failed_refs[model].add(item.ref)
            self.failures.append(
                {
                    "model": model,
                    "ref": item.ref if item else ref,
                    "file": item.origin.file if item else None,
                    "line": item.origin.line if item else None,
                    "record": item.origin.record if item else None,
                    "error": message,
                }
            )

    def write_model(self, model: str) -> None:
        assert self.dataset is not None and self.state is not None
        done = self.state.done(model)
        items = self.dataset.items(model)
        todo, blocked = [], 0
        for item in items.values():
            if item.ref in done:
                continue
            reason = self._blocked(item)
            if reason:
                self._fail(model, item, reason)
                blocked += 1
            else:
                todo.append(item)
        # the records of one customer (locations by owner, jobs by customer) in the same batch: two batches in
        # flight then rarely write the same customer at once (the server's row locks would serialize them)
        todo.sort(key=_group_key)
        size = max(1, min(self.options.batch_size, MAX_BATCH))
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        self.progress.start(LABELS[model], len(items))
        self.progress.advance(len(items) - len(todo), blocked)
        self._parallel(batches, lambda batch: self._send_batch(model, batch))
        self.progress.finish()

    def _parallel(self, tasks: Sequence[Any], work: Callable[[Any], None]) -> None:
        """Run ``work`` on the tasks, ``parallel`` at a time; the first error stops the rest."""
        if not tasks:
            return
        workers = max(1, self.options.parallel)
        if workers == 1:
            for task in tasks:
                work(task)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: set[Future[None]] = set()
            queue = list(tasks)
            try:
                while queue or pending:
                    while queue and len(pending) < workers:
                        pending.add(pool.submit(work, queue.pop(0)))
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def _send_batch(self, model: str, batch: list[Item]) -> None:
        assert self.state is not None
        batch = list(batch)
        retries = 0
        while batch:
            try:
                rows = self.api.upsert(model, [item.body() for item in batch])
            except ApiError as exc:
                if exc.code == "run_rolled_back" or exc.status == 401 or (exc.status == 403 and exc.index is None):
                    raise Abort(error_text(exc)) from exc
                index = exc.index
                if exc.status < 500 and index is not None and 0 <= index < len(batch) and retries < MAX_ITEM_RETRIES:
                    self._fail(model, batch.pop(index), error_text(exc))
                    self.progress.advance(1, 1)
                    retries += 1
                    continue
                for item in batch:
                    self._fail(model, item, error_text(exc))
                self.progress.advance(len(batch), len(batch))
                return
            if len(rows) != len(batch):
                raise Abort(f"{model}: the server answered {len(rows)} rows for {len(batch)} records")
            results = [
                (item.ref, int(row["id"]), str(row.get("result") or "updated"))
                for item, row in zip(batch, rows, strict=True)
            ]
            self.state.record(model, results)
            self.progress.advance(len(batch))
            return

    def count_results(self) -> None:
        """The counts of customers, locations and jobs: what the state file recorded, this session's and
        the interrupted ones' before it."""
        assert self.state is not None and self.dataset is not None
        for model in WRITE_ORDER:
            wanted = self.dataset.items(model)
            for ref, (_id, result) in self.state.done(model).items():
                if ref in wanted and result in self.counts[model]:
                    self.counts[model][result] += 1

    # -- notes and files of the jobs the run created ----------------------------------------------------------------
    def _created_jobs(self) -> dict[str, int]:
        assert self.state is not None
        return {ref: rec_id for ref, (rec_id, result) in self.state.done(JOBS).items() if result == "created"}

    def _job_id(self, ref: str) -> int | None:
        assert self.state is not None
        found = self.state.done(JOBS).get(ref)
        return int(found[0]) if found else None

    def send_notes(self) -> None:
        """Notes go to the jobs this run created (a re-run does not post them twice)."""
        assert self.dataset is not None and self.state is not None
        created = self._created_jobs()
        notes = [n for n in self.dataset.notes if n.job_ref in created]
        todo = [n for n in notes if n.key not in self.state.data["notes"]]
        self.counts[NOTES]["created"] += len(notes) - len(todo)
        if not notes:
            return
        self.progress.start(LABELS[NOTES], len(notes))
        self.progress.advance(len(notes) - len(todo))
        missing_route: list[str] = []

        def post(note: Note) -> None:
            if missing_route:
                self._fail(NOTES, None, missing_route[0], note.key)
                self.progress.advance(1, 1)
                return
            try:
                message = self.api.post_message(created[note.job_ref], note.payload(), note.key)
            except ApiError as exc:
                if exc.status in (404, 405) and exc.code != "not_found":
                    missing_route.append(f"the server cannot take notes ({error_text(exc)})")
                if exc.code == "run_rolled_back":
                    raise Abort(error_text(exc)) from exc
                self._fail(NOTES, None, f"{note.origin}: {error_text(exc)}", note.key)
                self.progress.advance(1, 1)
                return
            self.state.mark("notes", [note.key], message.get("id") or True)  # type: ignore[union-attr]
            with self.lock:
                self.counts[NOTES]["created"] += 1
            self.progress.advance(1)

        self._parallel(todo, post)
        self.progress.finish()

    def send_files(self) -> None:
        assert self.dataset is not None and self.state is not None
        created = self._created_jobs()
        files = [a for a in self.dataset.attachments if a.job_ref in created]
        todo = [a for a in files if a.key not in self.state.data["files"]]
        self.counts[ATTACHMENTS]["created"] += len(files) - len(todo)
        if not files:
            return
        groups: dict[str, list[Attachment]] = {}
        for spec in todo:
            groups.setdefault(spec.job_ref, []).append(spec)
        tasks = [
            specs[i : i + MAX_FILES_PER_REQUEST]
            for specs in groups.values()
            for i in range(0, len(specs), MAX_FILES_PER_REQUEST)
        ]
        self.progress.start(LABELS[ATTACHMENTS], len(files))
        self.progress.advance(len(files) - len(todo))

        def upload(specs: list[Attachment]) -> None:
            contents = []
            for spec in specs:
                try:
                    contents.append((spec, _file_name(spec), self._content(spec)))
                except (OSError, requests.RequestException, ValueError) as exc:
                    self._fail(ATTACHMENTS, None, f"{spec.origin}: {spec.url or spec.path}: {exc}", spec.key)
                    self.progress.advance(1, 1)
            if not contents:
                return
            try:
                self.api.upload(created[specs[0].job_ref], [(n, c) for _s, n, c in contents], contents[0][0].key)
            except ApiError as exc:
                if exc.code == "run_rolled_back":
                    raise Abort(error_text(exc)) from exc
                for spec, _n, _c in contents:
                    self._fail(ATTACHMENTS, None, f"{spec.origin}: {error_text(exc)}", spec.key)
                self.progress.advance(len(contents), len(contents))
                return
            self.state.mark("files", [s.key for s, _n, _c in contents])  # type: ignore[union-attr]
            with self.lock:
                self.counts[ATTACHMENTS]["created"] += len(contents)
            self.progress.advance(len(contents))

        self._parallel(tasks, upload)
        self.progress.finish()

    def _content(self, spec: Attachment) -> bytes:
        if spec.url:
            return self.download(spec.url)
        path = spec.path or ""
        if not os.path.isabs(path):
            path = os.path.join(sources.base_dir(spec.origin), path)
        with open(path, "rb") as handle:
            return handle.read()

    # -- the report --------------------------------------------------------------------------------------------------
    def report(self, run_id: str | None, state: str, error: str | None = None) -> dict[str, Any]:
        dataset = self.dataset
        report: dict[str, Any] = {
            "run": run_id,
            "source": self.options.source,
            "state": state,
            "dry_run": self.options.dry_run,
            "files": [os.path.basename(f) for f in self.options.files],
        }
        report.update({model: dict(counts) for model, counts in self.counts.items()})
        report["elapsed_seconds"] = round(time.monotonic() - self.started, 2)
        report["records"] = dataset.count() if dataset else 0
        report["unmatched_technicians"] = sorted(self.resolution.unmatched)
        report["problems"] = [p.as_dict() for p in self.problems]
        report["failures"] = self.failures[:1000]
        if error:
            report["error"] = error
        return report

    def summary(self, report: dict[str, Any]) -> None:
        for model in REPORT_MODELS:
            counts = report[model]
            self.out.write(
                f"{LABELS[model]:<12} created {counts['created']:>6}  updated {counts['updated']:>6}  "
                f"unchanged {counts['unchanged']:>6}  failed {counts['failed']:>6}\n"
            )
        for failure in self.failures[:20]:
            where = failure.get("file") and f"{failure['file']}, " + (
                f"line {failure['line']}" if failure.get("line") else f"record {failure['record']}"
            )
            self.out.write(
                f"  failed {failure['model']} {failure['ref']}{f' ({where})' if where else ''}: {failure['error']}\n"
            )
        if len(self.failures) > 20:
            self.out.write(f"  ... {len(self.failures) - 20} more failures in the report\n")
        self.out.write(f"elapsed {report['elapsed_seconds']:.1f}s, state {report['state']}\n")


def _group_key(item: Item) -> str:
    for name in ("owner_id", "partner_id", "location_id"):
        value = item.values.get(name)
        if isinstance(value, dict) and isinstance(value.get("ref"), str):
            return value["ref"]
    return ""


def _file_name(spec: Attachment) -> str:
    if spec.name:
        return spec.name
    source = (spec.url or spec.path or "file").split("?")[0].rstrip("/")
    return os.path.basename(source) or "file"


def _download(url: str) -> bytes:
    with requests.get(url, timeout=60, stream=True) as response:
        response.raise_for_status()
        chunks, size = [], 0
        for chunk in response.iter_content(1 << 16):
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise ValueError(f"larger than {MAX_DOWNLOAD_BYTES // (1024 * 1024)} MiB")
            chunks.append(chunk)
        return b"".join(chunks)
