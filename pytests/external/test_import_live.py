"""``fsj-import`` against the live multi-worker server: the sample files of client/samples (generic CSV with
its mapping, Field Nation, Sitoo) round-trip (import, re-import = no change, a changed source = only those
records change, rollback = the database as before, compared record by record over XML-RPC); bad inputs are
reported before anything is written; a dry run writes nothing; an interrupted run resumes without
duplicates; every write is in the audit log under the run id.

Each test gives the samples' references a prefix of its own (the mapping's ``ref_prefix``), so that tests
and repeated runs never meet each other's records."""

import io
import json
import pathlib
import sys
import uuid

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "client" / "src"))

from fsj_client import Client  # noqa: E402
from fsj_client.importer import cli  # noqa: E402

SAMPLES = ROOT / "client" / "samples"
TECHNICIAN = "lena.brooks@example.com"
PARTNER_FIELDS = ["name", "email", "phone", "mobile", "street", "city", "zip", "is_company", "external_ref", "active"]
LOCATION_FIELDS = ["name", "owner_id", "street", "street2", "city", "zip", "partner_latitude", "external_ref"]
JOB_FIELDS = [
    "external_ref",
    "partner_id",
    "location_id",
    "stage_id",
    "description",
    "scheduled_date_start",
    "scheduled_date_end",
    "date_start",
    "date_end",
    "person_id",
    "priority",
    "resolution",
    "source_create_date",
]


@pytest.fixture(scope="module", autouse=True)
def import_routes(api):
    resp = api.get(f"/import-runs/{uuid.uuid4()}")
    if resp.status_code == 405 or (resp.status_code == 404 and "unknown_run" not in resp.text):
        pytest.skip("the server has no import runs yet (GET /import-runs/<id>)")


@pytest.fixture(scope="module", autouse=True)
def technician(rpc):
    found = rpc("fsm.person", "search", [("email", "=ilike", TECHNICIAN)], limit=1)
    return found[0] if found else rpc("fsm.person", "create", {"name": "Lena Brooks", "email": TECHNICIAN})


@pytest.fixture
def prefix():
    return "T" + uuid.uuid4().hex[:8].upper()


def mapping_file(tmp_path, prefix, source="csv"):
    data = json.loads((SAMPLES / "csv" / "mapping.json").read_text()) if source == "csv" else {}
    data["ref_prefix"] = {"customer": f"{prefix}-C-", "location": f"{prefix}-L-", "job": f"{prefix}-J-"}
    path = tmp_path / f"mapping-{source}.json"
    path.write_text(json.dumps(data))
    return str(path)


def fsj_import(server_url, api_key, tmp_path, *args, client_factory=None):
    """Run the command in-process: (exit status, report, stdout, stderr)."""
    report = tmp_path / f"report-{uuid.uuid4().hex}.json"
    out, err = io.StringIO(), io.StringIO()
    argv = list(args)
    if argv[:1] == ["rollback"]:
        argv = ["rollback", "--url", server_url, "--api-key", api_key, *argv[1:]]
        return cli.main(argv, out=out, err=err), None, out.getvalue(), err.getvalue()
    argv = ["--url", server_url, "--api-key", api_key, "--state-dir", str(tmp_path / "state"), "--no-progress", *argv]
    status = cli.main([*argv, "--report", str(report)], out=out, err=err, client_factory=client_factory)
    data = json.loads(report.read_text()) if report.exists() else None
    return status, data, out.getvalue(), err.getvalue()


def counts(report, model):
    return {k: report[model][k] for k in ("created", "updated", "unchanged", "failed")}


def snapshot(rpc, prefix, extra_partner_ids=()):
    """Every record the prefix's imports touch, as XML-RPC reads it (the reference to compare with)."""
    partners = rpc(
        "res.partner",
        "search_read",
        ["|", ("external_ref", "=like", f"{prefix}-%"), ("id", "in", list(extra_partner_ids))],
        fields=PARTNER_FIELDS,
        context={"active_test": False},
    )
    locations = rpc("fsm.location", "search_read", [("external_ref", "=like", f"{prefix}-%")], fields=LOCATION_FIELDS)
    jobs = rpc("fsm.order", "search_read", [("external_ref", "=like", f"{prefix}-%")], fields=JOB_FIELDS)
    return {"partners": partners, "locations": locations, "jobs": jobs}


def csv_files(jobs=None):
    return [str(jobs or SAMPLES / "csv" / "jobs.csv"), str(SAMPLES / "csv" / "notes.csv")]


def test_csv_round_trip_delta_and_rollback(rpc, api, server_url, api_key, tmp_path, prefix, technician):
    # a customer that exists before the migration (same reference): the run updates it, the rollback restores it
    existing = rpc(
        "res.partner", "create", {"name": "Nordvik (old name)", "external_ref": f"{prefix}-C-C-17", "phone": "1"}
    )
    before = snapshot(rpc, prefix, [existing])
    mapping = mapping_file(tmp_path, prefix)
    status, report, out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, *csv_files()
    )
    assert status == 0, out + err
    run_id = report["run"]
    assert out.startswith(f"run: {run_id}\n")
    assert counts(report, "res.partner") == {"created": 2, "updated": 1, "unchanged": 0, "failed": 0}
    assert counts(report, "fsm.location")["created"] == 4 and counts(report, "fsm.order")["created"] == 5
    assert counts(report, "mail.message") == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert counts(report, "ir.attachment")["created"] == 1

    jobs = {j["external_ref"]: j for j in snapshot(rpc, prefix)["jobs"]}
    stages = {r["id"]: r["code"] for r in rpc("fsm.stage", "search_read", [], fields=["code"])}
    assert {ref.rsplit("-", 1)[1]: stages[j["stage_id"][0]] for ref, j in jobs.items()} == {
        "1001": "scheduled",
        "1002": "new",
        "1003": "in_progress",
        "1004": "completed",
        "1005": "cancelled",
    }
    job = jobs[f"{prefix}-J-1001"]
    assert job["person_id"][0] == technician
    assert job["scheduled_date_start"] == "2027-03-02 07:00:00" and job["source_create_date"] == "2027-01-15 09:12:00"
    assert jobs[f"{prefix}-J-1004"]["date_end"] == "2027-02-10 12:50:00"
    notes = rpc(
        "mail.message",
        "search_read",
        [("model", "=", "fsm.order"), ("res_id", "=", job["id"]), ("date", "<", "2027-12-31")],
        fields=["date", "body", "email_from", "author_id"],
        order="date",
    )
    notes = [n for n in notes if "morning slot" in n["body"] or "delivered to the site" in n["body"]]
    assert [n["date"] for n in notes] == ["2027-01-16 08:30:00", "2027-03-01 14:00:00"]
    assert "Acme Dispatch" in (notes[0]["email_from"] or "")
    files = rpc(
        "ir.attachment", "search_read", [("res_model", "=", "fsm.order"), ("res_id", "=", job["id"])], fields=["name"]
    )
    assert [f["name"] for f in files] == ["checklist.txt"]
    # every write is in the audit log under the run id
    audit = rpc("fsm.api.audit", "search_read", [("import_run", "=", run_id)], fields=["method", "path"])
    assert {a["path"] for a in audit} >= {"/restapi/1.0/object/res.partner", "/restapi/1.0/object/fsm.order"}
    run = api.get(f"/import-runs/{run_id}").json()["import_run"]
    assert run["state"] == "done" and run["report"]["fsm.order"]["created"] == 5

    # re-import: nothing changes
    after_first = snapshot(rpc, prefix, [existing])
    status, report, out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, *csv_files()
    )
    assert status == 0, out + err
    for model, total in (("res.partner", 3), ("fsm.location", 4), ("fsm.order", 5)):
        assert counts(report, model) == {"created": 0, "updated": 0, "unchanged": total, "failed": 0}, model
    assert snapshot(rpc, prefix, [existing]) == after_first

    # a changed source: only those records change
    changed = tmp_path / "jobs.csv"
    text = (SAMPLES / "csv" / "jobs.csv").read_text()
    text = text.replace("Yearly service,Check filters", "Yearly service,Replace filters")
    text = text.replace("Booked,Installation,High", "Booked,Installation,Urgent")
    changed.write_text(text)
    status, report, _out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, *csv_files(changed), "--dry-run"
    )
    assert status == 0 and counts(report, "fsm.order") == {"created": 0, "updated": 2, "unchanged": 3, "failed": 0}
    assert snapshot(rpc, prefix, [existing]) == after_first  # the dry run wrote nothing
    status, delta, _out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, *csv_files(changed)
    )
    assert status == 0, err
    assert counts(delta, "fsm.order") == {"created": 0, "updated": 2, "unchanged": 3, "failed": 0}
    assert counts(delta, "res.partner")["unchanged"] == 3 and counts(delta, "fsm.location")["unchanged"] == 4
    now = {j["external_ref"]: j for j in snapshot(rpc, prefix)["jobs"]}
    assert now[f"{prefix}-J-1001"]["priority"] == "3" and "Replace filters" in now[f"{prefix}-J-1002"]["description"]

    # rollback of the delta run: the first run's values are back; then of the first run: as before it
    status, _r, out, err = fsj_import(server_url, api_key, tmp_path, "rollback", delta["run"])
    assert status == 0, err
    assert snapshot(rpc, prefix, [existing]) == after_first
    status, _r, out, err = fsj_import(server_url, api_key, tmp_path, "rollback", run_id)
    assert status == 0, err
    assert out.startswith(f"run: {run_id}\nrolled back: deleted ")
    assert snapshot(rpc, prefix, [existing]) == before
    assert not rpc("ir.attachment", "search", [("res_model", "=", "fsm.order"), ("res_id", "=", job["id"])])
    # a rolled back run takes no more writes, and is not rolled back twice
    status, _r, _out, err = fsj_import(server_url, api_key, tmp_path, "rollback", run_id)
    assert status == 1 and "run_rolled_back" in err


@pytest.mark.parametrize(
    ("source", "path", "extra"),
    [
        ("fieldnation", SAMPLES / "fieldnation" / "workorders.json", []),
        ("sitoo", SAMPLES / "sitoo" / "serviceorders.json", ["--unmatched-technicians", "skip"]),
    ],
)
def test_json_sources_round_trip(rpc, server_url, api_key, tmp_path, prefix, source, path, extra):
    before = snapshot(rpc, prefix)
    mapping = mapping_file(tmp_path, prefix, source)
    args = ["--source", source, "--mapping", mapping, *extra, str(path)]
    status, report, out, err = fsj_import(server_url, api_key, tmp_path, *args)
    assert status == 0, out + err
    assert counts(report, "fsm.order")["created"] == 3 and report["fsm.order"]["failed"] == 0
    first = snapshot(rpc, prefix)
    assert len(first["jobs"]) == 3
    status, again, _out, err = fsj_import(server_url, api_key, tmp_path, *args)
    assert status == 0, err
    assert counts(again, "fsm.order") == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
    assert snapshot(rpc, prefix) == first
    status, _r, _out, err = fsj_import(server_url, api_key, tmp_path, "rollback", report["run"])
    assert status == 0, err
    assert snapshot(rpc, prefix) == before


def test_bad_inputs_are_reported_before_writing(rpc, server_url, api_key, tmp_path, prefix):
    runs_before = rpc("fsm.api.import.run", "search_count", [])
    mapping = mapping_file(tmp_path, prefix)
    status, report, out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, str(SAMPLES / "bad" / "jobs.csv")
    )
    assert status == 1 and "run:" not in out
    bad = str(SAMPLES / "bad" / "jobs.csv")
    for expected in (
        f"{bad}, line 2 (id 2001): WO Number: missing customer",
        f"{bad}, line 3 (id 2002): Status: unknown status 'Pending approval'",
        f"{bad}, line 5 (id 2003): WO Number: duplicate id",
        f"{bad}, line 6 (id 2004): Technician: technician email 'nobody@nowhere.example.com' has no match",
        f"{bad}, line 7 (id 2005): Planned Start:",
    ):
        assert expected in err, err
    assert report["unmatched_technicians"] == ["nobody@nowhere.example.com"]
    assert snapshot(rpc, prefix) == {"partners": [], "locations": [], "jobs": []}
    assert rpc("fsm.api.import.run", "search_count", []) == runs_before


def test_missing_customer_on_the_server(rpc, server_url, api_key, tmp_path, prefix):
    notes = tmp_path / "notes.csv"
    notes.write_text("WO Number,Note\n424242,hello\n")
    mapping = mapping_file(tmp_path, prefix)
    status, _report, _out, err = fsj_import(
        server_url, api_key, tmp_path, "--source", "csv", "--mapping", mapping, str(notes)
    )
    assert status == 1 and f"unknown job '{prefix}-J-424242': not in the files nor on the server" in err


class DropSecondJobBatch(requests.adapters.HTTPAdapter):
    """The connection breaks at the second jobs batch, for good (an interrupted run)."""

    def __init__(self):
        super().__init__()
        self.job_batches = 0

    def send(self, request, **kwargs):
        if request.method == "PUT" and request.url.split("?")[0].endswith("/object/fsm.order"):
            self.job_batches += 1
            if self.job_batches >= 2:
                raise requests.ConnectionError("connection reset (test)")
        return super().send(request, **kwargs)


def test_interrupted_run_resumes_without_duplicates(rpc, server_url, api_key, tmp_path, prefix):
    mapping = mapping_file(tmp_path, prefix)
    adapter = DropSecondJobBatch()

    def factory():
        session = requests.Session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return Client(server_url, api_key, session=session, max_retries=0)

    args = ["--source", "csv", "--mapping", mapping, "--batch-size", "2", "--parallel", "1", *csv_files()]
    status, report, _out, err = fsj_import(server_url, api_key, tmp_path, *args, client_factory=factory)
    assert status == 1 and f"--resume {report['run']}" in err
    assert len(snapshot(rpc, prefix)["jobs"]) == 2
    status, resumed, out, err = fsj_import(server_url, api_key, tmp_path, *args, "--resume", report["run"])
    assert status == 0, err
    assert out.startswith(f"run: {report['run']}\n")
    assert counts(resumed, "fsm.order") == {"created": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert counts(resumed, "mail.message")["created"] == 3
    jobs = snapshot(rpc, prefix)["jobs"]
    assert len(jobs) == 5 and len({j["external_ref"] for j in jobs}) == 5
    status, _r, _out, err = fsj_import(server_url, api_key, tmp_path, "rollback", report["run"])
    assert status == 0, err
    assert snapshot(rpc, prefix) == {"partners": [], "locations": [], "jobs": []}
