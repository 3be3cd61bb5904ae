"""The ``fsj-import`` command.

    fsj-import --url URL --api-key KEY --source csv|fieldnation|sitoo [--mapping FILE] [--dry-run]
               [--report FILE] FILE...
    fsj-import rollback --url URL --api-key KEY RUN_ID

Prints ``run: <run id>`` and a summary; the exit status is 0 only when nothing failed (1: something
failed or did not validate, 2: bad arguments or unreadable files, 130: interrupted; resume with
``--resume RUN_ID``). The API key may come from ``FSJ_API_KEY`` instead of ``--api-key``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..client import Client
from ..errors import ApiError, FsjClientError
from .api import ImportApi, error_text
from .mapping import Mapping, MappingError
from .progress import Progress
from .runner import MAX_BATCH, ImportOptions, Runner
from .sources import SOURCES


def _batch_size(value: str) -> int:
    size = int(value)
    if not 1 <= size <= MAX_BATCH:
        raise argparse.ArgumentTypeError(f"from 1 to {MAX_BATCH}")
    return size


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the Odoo server, e.g. https://odoo.example.com")
    parser.add_argument("--api-key", default=os.environ.get("FSJ_API_KEY"), help="an API key (default: $FSJ_API_KEY)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request (default 300)")


def import_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsj-import",
        description="Import jobs with their customers, locations, technicians, notes and files from another "
        "field-service system through the REST API. 'fsj-import rollback --url URL --api-key KEY RUN_ID' undoes a run.",
    )
    _connection(parser)
    parser.add_argument("--source", required=True, choices=SOURCES, help="the files' format")
    parser.add_argument("--mapping", help="mapping file (JSON): columns and values (required for --source csv)")
    parser.add_argument("--dry-run", action="store_true", help="validate and print what would change; write nothing")
    parser.add_argument("--report", help="write the run's report (JSON) to this file")
    parser.add_argument("--resume", metavar="RUN_ID", help="continue an interrupted run")
    parser.add_argument("--state-dir", default=".fsj-import", help="where runs keep their state (default .fsj-import)")
    parser.add_argument("--technician-fallback", metavar="EMAIL", help="technician of jobs whose email has no match")
    parser.add_argument(
        "--unmatched-technicians",
        choices=("error", "skip"),
        default="error",
        help="a technician email with no match: stop before writing (error, default) or leave the job unassigned",
    )
    parser.add_argument(
        "--batch-size", type=_batch_size, default=MAX_BATCH, help=f"records per request (max {MAX_BATCH})"
    )
    parser.add_argument("--parallel", type=int, default=2, choices=(1, 2, 3, 4), help="requests in flight (default 2)")
    parser.add_argument("--name", help="the run's name on the server")
    parser.add_argument("--diff-limit", type=int, help="dry run: list at most N records per model")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("files", nargs="+", metavar="FILE", help="the source files")
    return parser


def rollback_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsj-import rollback",
        description="Undo an import run: delete what it created and restore the values it overwrote.",
    )
    _connection(parser)
    parser.add_argument("run", metavar="RUN_ID")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    client_factory: Callable[[], Client] | None = None,
) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    if args_list[:1] == ["rollback"]:
        return rollback(args_list[1:], out, err, client_factory)
    parser = import_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.api_key:
        err.write("fsj-import: error: --api-key (or FSJ_API_KEY) is required\n")
        return 2
    try:
        mapping = Mapping.load(args.mapping)
    except MappingError as exc:
        err.write(f"error: {exc}\n")
        return 2
    options = ImportOptions(
        source=args.source,
        files=args.files,
        mapping=mapping,
        dry_run=args.dry_run,
        batch_size=args.batch_size,
        parallel=args.parallel,
        state_dir=args.state_dir,
        resume=args.resume,
        technician_fallback=args.technician_fallback,
        unmatched_technicians=args.unmatched_technicians,
        name=args.name,
        diff_limit=args.diff_limit,
    )
    api = ImportApi(args.url, args.api_key, timeout=args.timeout, client_factory=client_factory)
    runner = Runner(api, options, out=out, err=err, progress=Progress(err, enabled=not args.no_progress))
    try:
        status, report = runner.run()
    except FsjClientError as exc:
        # a read of the validation (schema, references, technicians) that failed: nothing was written
        err.write(f"error: {error_text(exc)}\n")
        status, report = 1, runner.report(None, "failed", error=error_text(exc))
    except KeyboardInterrupt:
        err.write("\ninterrupted before writing\n")
        return 130
    if args.report:
        _write_report(args.report, report, err)
    return status


def _write_report(path: str, report: dict[str, Any], err: TextIO) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=False)
            handle.write("\n")
    except OSError as exc:
        err.write(f"error: cannot write the report {path}: {exc.strerror}\n")


def rollback(argv: Sequence[str], out: TextIO, err: TextIO, client_factory: Callable[[], Client] | None = None) -> int:
    parser = rollback_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.api_key:
        err.write("fsj-import rollback: error: --api-key (or FSJ_API_KEY) is required\n")
        return 2
    api = ImportApi(args.url, args.api_key, timeout=args.timeout, client_factory=client_factory)
    try:
        run = api.rollback(args.run, progress=lambda run: err.write(f"rolling back: {run.get('rolled_back')}\n"))
    except (ApiError, FsjClientError) as exc:
        err.write(f"error: {error_text(exc)}\n")
        return 1
    out.write(f"run: {run.get('id', args.run)}\n")
    done = run.get("rolled_back") or {}
    out.write(f"rolled back: deleted {done.get('deleted', 0)}, restored {done.get('restored', 0)}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
