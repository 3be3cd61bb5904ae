#!/usr/bin/env python3
"""Time ``fsj-import`` on 10,000 jobs with their customers and locations against a live server.

    python3 bench/import_bench.py --url http://127.0.0.1:8069 --api-key KEY [--jobs 10000]
        [--customers 10000] [--locations 10000] [--rerun] [--rollback]

Writes a generic CSV export (one row per job: its customer and its location repeated; every job a
different customer and site by default, the worst case) and a mapping file in a temporary folder, runs the
importer in-process (real HTTP, batches of 1,000, two in flight), then, with ``--rerun``, imports the
same file again (every record unchanged: the delta pickup's cost) and, with ``--rollback``, rolls the
first run back. Prints one JSON object with the timings and the run's counts. Each invocation uses new
references (a random prefix), so runs do not see each other's records. The server should run with
``--workers 2`` as in production; ``FSJ_URL`` and ``FSJ_API_KEY`` are read when the options are left out."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import pathlib
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "client" / "src"))

from fsj_client.importer import cli  # noqa: E402

STATUSES = ["Open", "Booked", "Booked", "Done", "Cancelled"]
MAPPING = {
    "columns": {
        "WO": "job.external_ref",
        "Title": "job.title",
        "Details": "job.description",
        "Status": "job.stage_id",
        "Kind": "job.type",
        "Start": "job.scheduled_date_start",
        "End": "job.scheduled_date_end",
        "Finished": "job.date_end",
        "Created": "job.source_create_date",
        "CustomerNo": "customer.external_ref",
        "Customer": "customer.name",
        "Email": "customer.email",
        "Phone": "customer.phone",
        "SiteNo": "location.external_ref",
        "Site": "location.name",
        "Street": "location.street",
        "City": "location.city",
        "Zip": "location.zip",
    },
    "values": {
        "job.stage_id": {"Open": "new", "Booked": "scheduled", "Done": "completed", "Cancelled": "cancelled"},
        "job.type": {"Installation": "install", "Repair": "service"},
    },
}


def write_source(folder: pathlib.Path, prefix: str, jobs: int, customers: int, locations: int) -> pathlib.Path:
    path = folder / "jobs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MAPPING["columns"].keys())
        for n in range(jobs):
            site = n % locations
            customer = site % customers
            day = 1 + n % 28
            status = STATUSES[n % len(STATUSES)]
            writer.writerow(
                [
                    f"{prefix}-J{n}",
                    f"Job {n}",
                    f"Imported job number {n}\nSecond line",
                    status,
                    "Installation" if n % 3 == 0 else "Repair",
                    f"2027-03-{day:02d} 08:00:00",
                    f"2027-03-{day:02d} 10:00:00",
                    f"2027-03-{day:02d} 10:00:00" if status == "Done" else "",
                    f"2027-02-{day:02d} 12:00:00",
                    f"{prefix}-C{customer}",
                    f"Customer {prefix} {customer}",
                    f"customer{customer}@{prefix.lower()}.example.com",
                    f"+46 8 555 {customer:05d}",
                    f"{prefix}-L{site}",
                    f"Site {site}",
                    f"Street {site}",
                    "Stockholm",
                    f"{100 + site % 900} 00",
                ]
            )
    (folder / "mapping.json").write_text(json.dumps(MAPPING))
    return path


def timed_run(args: list[str]) -> tuple[float, int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    report = pathlib.Path(tempfile.mktemp(suffix=".json"))
    start = time.monotonic()
    status = cli.main([*args, "--report", str(report)], out=out, err=err)
    elapsed = time.monotonic() - start
    data = json.loads(report.read_text()) if report.exists() else {}
    report.unlink(missing_ok=True)
    return elapsed, status, data, err.getvalue()[-2000:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FSJ_URL"))
    parser.add_argument("--api-key", default=os.environ.get("FSJ_API_KEY"))
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--customers", type=int, help="default: one per job")
    parser.add_argument("--locations", type=int, help="default: one per job")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--rerun", action="store_true", help="time a second, unchanged import of the same file")
    parser.add_argument("--rollback", action="store_true", help="time the rollback of the run afterwards")
    args = parser.parse_args()
    if not args.url or not args.api_key:
        parser.error("--url and --api-key (or FSJ_URL and FSJ_API_KEY) are required")
    customers = args.customers or args.jobs
    locations = args.locations or args.jobs
    prefix = "B" + uuid.uuid4().hex[:8].upper()
    with tempfile.TemporaryDirectory(prefix="fsj-import-bench-") as tmp:
        folder = pathlib.Path(tmp)
        source = write_source(folder, prefix, args.jobs, customers, locations)
        common = ["--url", args.url, "--api-key", args.api_key, "--source", "csv", "--no-progress"]
        common += ["--mapping", str(folder / "mapping.json"), "--state-dir", str(folder / "state")]
        common += ["--parallel", str(args.parallel), str(source)]
        seconds, status, report, err = timed_run(common)
        result = {
            "benchmark": "fsj-import",
            "jobs": args.jobs,
            "customers": customers,
            "locations": locations,
            "parallel": args.parallel,
            "status": status,
            "run": report.get("run"),
            "import_seconds": round(seconds, 1),
            "jobs_per_second": round(args.jobs / seconds, 1) if seconds else None,
            "counts": {m: report.get(m) for m in ("res.partner", "fsm.location", "fsm.order")},
        }
        if status:
            result["stderr"] = err
        if args.rerun and not status:
            seconds, status2, report2, _err = timed_run(common)
            result["rerun_seconds"] = round(seconds, 1)
            result["rerun_counts"] = {m: report2.get(m) for m in ("res.partner", "fsm.location", "fsm.order")}
            result["rerun_status"] = status2
        if args.rollback and report.get("run"):
            out, err_io = io.StringIO(), io.StringIO()
            start = time.monotonic()
            rb_status = cli.main(
                ["rollback", "--url", args.url, "--api-key", args.api_key, report["run"]], out=out, err=err_io
            )
            result["rollback_seconds"] = round(time.monotonic() - start, 1)
            result["rollback_status"] = rb_status
            result["rollback"] = (out.getvalue() + err_io.getvalue()).strip()
    print(json.dumps(result, indent=2))
    return 0 if result["status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
