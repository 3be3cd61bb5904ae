"""``fsj-import`` (client/src/fsj_client/importer) against a fake server: a requests adapter that keeps
records in memory and answers the routes the importer uses (OpenAPI, searches, batch upserts, import
runs, notes, files). No Odoo, no network: the sample files of client/samples are imported, re-imported,
changed, broken, interrupted and resumed."""

import csv
import io
import json
import pathlib
import re
import shutil
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "client" / "src"))

from fsj_client import Client  # noqa: E402
from fsj_client.importer import cli, records, sources, validation  # noqa: E402
from fsj_client.importer.mapping import Mapping, MappingError  # noqa: E402
from fsj_client.importer.progress import Progress  # noqa: E402

SAMPLES = ROOT / "client" / "samples"
URL = "http://fsj.test"
MODELS = ("res.partner", "fsm.location", "fsm.order")
DATETIME = r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$"
WRITE_FIELDS = {
    "res.partner": "name email phone mobile street street2 city zip country_id state_id is_company".split(),
    "fsm.location": (
        "name owner_id street street2 city zip country_id state_id partner_latitude partner_longitude"
    ).split(),
    "fsm.order": (
        "partner_id location_id description scheduled_date_start scheduled_date_end duration date_start date_end "
        "stage_id type priority resolution source_create_date person_id"
    ).split(),
}


def _schema():
    def prop(model, name):
        if name in ("owner_id", "partner_id", "location_id", "person_id"):
            return {"oneOf": [{"type": "integer", "nullable": True}, {"$ref": "#/components/schemas/RecordRef"}]}
        if name in ("country_id", "state_id", "stage_id"):
            return {"type": "integer", "nullable": True}
        if name.startswith(("scheduled_date", "date_", "source_create")):
            return {"type": "string", "pattern": DATETIME, "nullable": True}
        if name in ("duration", "partner_latitude", "partner_longitude"):
            return {"type": "number", "nullable": True}
        if name == "is_company":
            return {"type": "boolean"}
        if name == "priority":
            return {"type": "string", "enum": ["0", "1", "2", "3"], "nullable": True}
        return {"type": "string", "nullable": True}

    schemas = {}
    for model, names in WRITE_FIELDS.items():
        props = {name: prop(model, name) for name in ["external_ref", *names]}
        schemas[model.replace(".", "_") + "_write"] = {"type": "object", "properties": props}
    return {"openapi": "3.0.3", "components": {"schemas": schemas}}


class FakeServer(BaseAdapter):
    """The REST API's import routes over dicts. ``reject``: {ref: (status, code)} refused in upserts;
    ``drop``: a callable(model, rows) -> True to fail the connection (an interrupted run)."""

    def __init__(self):
        super().__init__()
        self.records = {m: {} for m in MODELS}  # model -> ref -> values (ids resolved)
        self.ids = {m: {} for m in MODELS}
        self.next_id = 100
        self.persons = [{"id": 6, "email": "lena.brooks@example.com", "name": "Lena Brooks"}]
        self.runs = {}
        self.journal = {}  # run id -> [(model, ref, previous or None)]
        self.rollback_steps = 0  # rollbacks answered 202 (rolling_back) before the last step
        self.cron_finishes = False  # the server's cron does the last step (the next call: 409)
        self.messages = []
        self.files = []
        self.sent = []
        self.reject = {}
        self.drop = None
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0

    def close(self):
        pass

    # -- plumbing -------------------------------------------------------------------------------------------------
    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        path = parts.path.removeprefix("/restapi/1.0")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = request.body
        if isinstance(body, str):
            body = body.encode()
        self.sent.append((request.method, path, dict(request.headers), body))
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            status, payload = self.route(request.method, path, query, body, request.headers)
        finally:
            with self.lock:
                self.in_flight -= 1
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    @staticmethod
    def error(status, code, message="", **details):
        return status, {"error": {"status": status, "code": code, "message": message, "details": details}}

    def writes(self):
        return [s for s in self.sent if s[0] in ("POST", "PUT", "PATCH", "DELETE")]

    # -- routes -----------------------------------------------------------------------------------------------------
    def route(self, method, path, query, body, headers):
        run = headers.get("X-Import-Run")
        if path == "/openapi.json":
            return 200, _schema()
        if path == "/import-runs" and method == "POST":
            run_id = str(uuid.uuid4())
            self.runs[run_id] = {"id": run_id, "state": "running", **json.loads(body), "report": None}
            self.journal[run_id] = []
            return 201, {"import_run": self.runs[run_id]}
        match = re.fullmatch(r"/import-runs/([^/]+)(/rollback)?", path)
        if match:
            found = self.runs.get(match[1])
            if not found:
                return self.error(404, "unknown_run")
            if match[2]:
                if found["state"] == "rolled_back":
                    return self.error(409, "run_rolled_back")
                if self.rollback_steps:
                    self.rollback_steps -= 1
                    found["state"] = "rolling_back"
                    if not self.rollback_steps and self.cron_finishes:
                        self.rollback(match[1])
                        return 202, {"import_run": dict(found, state="rolling_back")}
                    return 202, {"import_run": found}
                return 200, {"import_run": self.rollback(match[1])}
            if method == "PATCH":
                found.update(json.loads(body))
            return 200, {"import_run": found}
        match = re.fullmatch(r"/object/fsm\.order/(\d+)/(messages|attachments)", path)
        if match:
            if self.drop and self.drop(match[2], body):
                raise requests.ConnectionError("connection reset")
            if match[2] == "messages":
                self.messages.append((int(match[1]), json.loads(body), run))
                self.journal[run].append(("mail.message", len(self.messages), None))
                return 201, {"message": {"id": len(self.messages)}}
            self.files.append((int(match[1]), body, run))
            return 201, {"attachments": [{"id": len(self.files)}]}
        match = re.fullmatch(r"/object/([a-z.]+)", path)
        if match and method == "GET":
            return self.search(match[1], query)
        if match and method == "PUT":
            return self.upsert(match[1], json.loads(body), run)
        return self.error(404, "not_found", f"{method} {path}")

    def search(self, model, query):
        domain = json.loads(query.get("domain") or "[]")
        if model == "fsm.person":
            emails = domain[0][2]
            return 200, {model: [p for p in self.persons if p["email"] in emails]}
        if model not in self.records:
            return self.error(404, "unknown_model")
        refs = domain[0][2]
        fields = query.get("fields", "").split(",")
        rows = []
        for ref in refs:
            if ref in self.records[model]:
                rows.append(self.render(model, ref, fields))
        return 200, {model: rows}

    def render(self, model, ref, fields):
        values = self.records[model][ref]
        row = {"id": self.ids[model][ref], "external_ref": ref}
        for name in fields:
            base, _, sub = name.partition(".")
            value = values.get(base)
            if sub == "external_ref":
                row[base] = {"id": 1, "external_ref": value} if value else None
            elif sub == "code":
                row[base] = {"id": 1, "code": value} if value else None
            elif base != "external_ref":
                row[base] = value
        return row

    def resolve(self, model, values, index):
        resolved = {}
        for name, value in values.items():
            if isinstance(value, dict) and "ref" in value:
                target = "fsm.location" if name == "location_id" else "res.partner"
                if value["ref"] not in self.records[target]:
                    return None, self.error(422, "invalid_value", f"{name}: no ref", index=index, field=name)
                value = value["ref"]
            resolved[name] = value
        return resolved, None

    def upsert(self, model, rows, run):
        if self.drop and self.drop(model, rows):
            raise requests.ConnectionError("connection reset")
        if run and self.runs[run]["state"] == "rolled_back":
            return self.error(409, "run_rolled_back")
        staged = []
        for index, row in enumerate(rows):
            ref = row["external_ref"]
            if ref in self.reject:
                status, code = self.reject[ref]
                return self.error(status, code, f"refused {ref}", index=index, field="name")
            values, error = self.resolve(model, {k: v for k, v in row.items() if k != "external_ref"}, index)
            if error:
                return error
            staged.append((ref, values))
        answer = []
        for ref, values in staged:
            old = self.records[model].get(ref)
            if old is None:
                self.next_id += 1
                self.ids[model][ref] = self.next_id
                self.records[model][ref] = dict(values)
                result, previous = "created", None
            else:
                previous = {k: old.get(k) for k, v in values.items() if old.get(k) != v}
                old.update(values)
                result = "updated" if previous else "unchanged"
            if run and result != "unchanged":
                self.journal[run].append((model, ref, previous))
            item = {"id": self.ids[model][ref], "external_ref": ref, "result": result}
            if previous:
                item["previous"] = previous
            answer.append(item)
        return 200, {model: answer}

    def rollback(self, run_id):
        deleted = restored = 0
        for model, ref, previous in reversed(self.journal[run_id]):
            if model == "mail.message":
                deleted += 1
            elif previous is None:
                self.records[model].pop(ref, None)
                deleted += 1
            else:
                self.records[model][ref].update(previous)
                restored += 1
        run = self.runs[run_id]
        run.update(state="rolled_back", rolled_back={"deleted": deleted, "restored": restored})
        return run


@pytest.fixture
def server():
    return FakeServer()


def run_cli(server, *args, tmp_path=None):
    """``fsj-import`` in-process against the fake server: (exit status, stdout, stderr)."""

    def factory():
        session = requests.Session()
        session.mount("http://", server)
        return Client(URL, "key", session=session, sleep=lambda s: None, max_retries=1)

    out, err = io.StringIO(), io.StringIO()
    argv = list(args)
    if argv[:1] != ["rollback"]:
        argv = ["--url", URL, "--api-key", "key", "--no-progress", *argv]
        if tmp_path is not None and "--state-dir" not in argv:
            argv = ["--state-dir", str(tmp_path / "state"), *argv]
    else:
        argv = ["rollback", "--url", URL, "--api-key", "key", *argv[1:]]
    status = cli.main(argv, out=out, err=err, client_factory=factory)
    return status, out.getvalue(), err.getvalue()


def csv_args(*files):
    files = files or (SAMPLES / "csv" / "jobs.csv", SAMPLES / "csv" / "notes.csv")
    return ["--source", "csv", "--mapping", str(SAMPLES / "csv" / "mapping.json"), *map(str, files)]


def report_of(tmp_path, server, *args):
    path = tmp_path / f"report-{uuid.uuid4().hex}.json"
    status, out, err = run_cli(server, *args, "--report", str(path), tmp_path=tmp_path)
    return status, json.loads(path.read_text()), out, err


def counts(report, model):
    return {k: report[model][k] for k in ("created", "updated", "unchanged", "failed")}


# -- reading the sources -----------------------------------------------------------------------------------------------
def test_csv_sample_is_read_with_mapping_dates_and_prefixes():
    mapping = Mapping.load(SAMPLES / "csv" / "mapping.json")
    files = [str(SAMPLES / "csv" / "jobs.csv"), str(SAMPLES / "csv" / "notes.csv")]
    data = sources.read("csv", files, mapping)
    assert not data.problems
    assert list(data.customers) == ["ACME-C-C-17", "ACME-C-C-23", "ACME-C-C-31"]
    assert len(data.locations) == 4 and len(data.jobs) == 5
    job = data.jobs["ACME-J-1001"].values
    # 02/03/2027 08:00 in Europe/Stockholm (UTC+1) is 07:00 UTC
    assert job["scheduled_date_start"] == "2027-03-02 07:00:00"
    assert job["partner_id"] == {"ref": "ACME-C-C-17"} and job["location_id"] == {"ref": "ACME-L-S-17-1"}
    assert job["stage_id"] == "scheduled" and job["type"] == "install" and job["priority"] == "2"
    assert job["duration"] == 4.0 and job["source_create_date"] == "2027-01-15 09:12:00"
    assert job["description"] == "<p>Install heat pump</p><p>Indoor and outdoor unit, 2 floors</p>"
    assert data.jobs["ACME-J-1001"].technician_email == "lena.brooks@example.com"
    # the actual start only in progress or completed, the actual end only completed
    assert "date_start" in data.jobs["ACME-J-1003"].values and "date_end" not in data.jobs["ACME-J-1003"].values
    assert data.jobs["ACME-J-1004"].values["date_end"] == "2027-02-10 12:50:00"
    assert [n.key for n in data.notes] == ["ACME-J-1001#1", "ACME-J-1001#2", "ACME-J-1004#1"]
    assert data.notes[0].payload() == {
        "body": "Customer asked for a morning slot.",
        "date": "2027-01-16 08:30:00",
        "author_email": "dispatch@acme.example.com",
        "author_name": "Acme Dispatch",
    }
    assert [(a.job_ref, a.path) for a in data.attachments] == [("ACME-J-1001", "files/checklist.txt")]


def test_fieldnation_sample():
    data = sources.read("fieldnation", [str(SAMPLES / "fieldnation" / "workorders.json")], Mapping())
    assert not data.problems
    assert set(data.customers) == {"fn-client-9001", "fn-client-9002"}
    # work orders 71001 and 71003 share saved location 501
    assert len(data.locations) == 2 and "fn-loc-501" in data.locations
    assert data.locations["fn-loc-501"].values["owner_id"] == {"ref": "fn-client-9001"}
    assert data.locations["fn-loc-501"].values["country_id"] == records.Lookup("res.country", "US")
    jobs = data.jobs
    assert {r: j.values["stage_id"] for r, j in jobs.items()} == {
        "fn-wo-71001": "scheduled",
        "fn-wo-71002": "completed",
        "fn-wo-71003": "new",
    }
    assert jobs["fn-wo-71001"].values["type"] == "install" and jobs["fn-wo-71002"].values["type"] == "service"
    assert jobs["fn-wo-71002"].values["scheduled_date_start"] == "2027-02-20 15:00:00"
    assert jobs["fn-wo-71002"].values["date_start"] == "2027-02-20 15:02:00"
    assert jobs["fn-wo-71002"].values["date_end"] == "2027-02-20 16:01:00"
    assert jobs["fn-wo-71002"].values["resolution"] == "<p>Replaced the chip reader module.</p>"
    assert jobs["fn-wo-71001"].values["source_create_date"] == "2027-02-10 16:20:00"
    assert [n.author_email for n in data.notes] == ["dana@northstar.example.com", "lena.brooks@example.com"]
    assert data.notes[1].body.startswith("Time log: checked in 2027-02-20 15:02:00")
    assert [(a.path, a.name) for a in data.attachments] == [("files/site-photo.png", "site-photo.png")]


def test_sitoo_sample():
    data = sources.read("sitoo", [str(SAMPLES / "sitoo" / "serviceorders.json")], Mapping())
    assert not data.problems
    assert set(data.customers) == {
        "sitoo-cust-erica@example.com",
        "sitoo-cust-jonas.berg@example.com",
        "sitoo-store-STORE111",
        "sitoo-store-STORE222",
    }
    job = data.jobs["sitoo-so-102DC4AB7"]
    assert job.values["stage_id"] == "completed" and job.values["type"] == "service"
    assert job.values["location_id"] == {"ref": "sitoo-store-STORE111"}
    assert "Replace zipper" in job.values["description"] and "WB-0042" in job.values["description"]
    assert job.values["source_create_date"] == "2026-12-17 09:33:20"
    assert job.technician_email == "staff@example.com"


def test_bad_inputs_are_named_by_file_line_and_field():
    mapping = Mapping.load(SAMPLES / "csv" / "mapping.json")
    data = sources.read("csv", [str(SAMPLES / "bad" / "jobs.csv")], mapping)
    found = {(p.origin.line, p.field): p.message for p in data.problems}
    assert "missing customer" in found[(2, "WO Number")]
    assert "unknown status 'Pending approval'" in found[(3, "Status")]
    assert "duplicate id 'ACME-J-2003'" in found[(5, "WO Number")]
    assert "not a date and time" in found[(7, "Planned Start")]
    assert all(str(p).startswith(str(SAMPLES / "bad" / "jobs.csv")) for p in data.problems)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-03-01 09:30:00", "2027-03-01 09:30:00"),
        ("2027-03-01T09:30:00Z", "2027-03-01 09:30:00"),
        ("2027-03-01T10:30:00+01:00", "2027-03-01 09:30:00"),
        ("2027-03-01", "2027-03-01 00:00:00"),
        (1798105046, "2026-12-24 09:37:26"),
        (None, None),
        ("", None),
    ],
)
def test_dates(value, expected):
    assert records.to_utc(value) == expected


@pytest.mark.parametrize("value", ["31/02/2027", "tomorrow", "2027-13-01", True])
def test_bad_dates(value):
    with pytest.raises(records.BadValue):
        records.to_utc(value)


def test_mapping_errors(tmp_path):
    with pytest.raises(MappingError, match=r"unknown target 'job\.colour'"):
        Mapping.from_dict({"columns": {"A": "job.colour"}})
    with pytest.raises(MappingError, match="unknown key"):
        Mapping.from_dict({"column": {}})
    with pytest.raises(MappingError, match="unknown time zone"):
        Mapping.from_dict({"timezone": "Mars/Olympus"})
    bad = tmp_path / "m.json"
    bad.write_text("{not json")
    status, _out, err = run_cli(FakeServer(), "--source", "csv", "--mapping", str(bad), "x.csv")
    assert status == 2 and "not JSON" in err


def test_schema_check():
    props = validation.schemas(_schema())
    assert validation.check_value(props["fsm.order"]["priority"], "7") == "'7' is not one of 0, 1, 2, 3"
    assert validation.check_value(props["fsm.order"]["scheduled_date_start"], "soon")
    assert validation.check_value(props["fsm.order"]["partner_id"], {"ref": "C-1"}) is None
    assert validation.check_value(props["fsm.order"]["duration"], "2h") == "expected number, got str"


# -- the command against the fake server ------------------------------------------------------------------------------
def test_round_trip_import_reimport_change(server, tmp_path):
    status, report, out, _err = report_of(tmp_path, server, *csv_args())
    assert status == 0, out
    run_id = report["run"]
    assert out.startswith(f"run: {run_id}\n")
    assert counts(report, "res.partner") == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert counts(report, "fsm.location")["created"] == 4
    assert counts(report, "fsm.order")["created"] == 5
    assert counts(report, "mail.message")["created"] == 3 and counts(report, "ir.attachment")["created"] == 1
    assert server.runs[run_id]["state"] == "done" and server.runs[run_id]["report"]["run"] == run_id
    # every write under the run: upserts, notes, files (the run itself is created and closed without)
    for method, path, headers, _body in server.writes():
        if not path.startswith("/import-runs"):
            assert headers.get("X-Import-Run") == run_id, (method, path)
    # the order: customers, locations, jobs, notes, files
    order = [path for method, path, _h, _b in server.writes() if not path.startswith("/import-runs")]
    assert order[:3] == ["/object/res.partner", "/object/fsm.location", "/object/fsm.order"]
    # notes with their original dates and authors
    first = next(body for _id, body, _run in server.messages if body["author_name"] == "Acme Dispatch")
    assert first["date"] == "2027-01-16 08:30:00" and first["author_email"] == "dispatch@acme.example.com"
    assert b"Installation checklist" in server.files[0][1]

    status, report, _out, _err = report_of(tmp_path, server, *csv_args())
    assert status == 0
    for model, total in (("res.partner", 3), ("fsm.location", 4), ("fsm.order", 5)):
        assert counts(report, model) == {"created": 0, "updated": 0, "unchanged": total, "failed": 0}
    assert len(server.messages) == 3  # notes are not posted twice

    changed = tmp_path / "jobs.csv"
    text = (SAMPLES / "csv" / "jobs.csv").read_text()
    changed.write_text(text.replace("Yearly service,Check filters", "Yearly service,Replace filters"))
    status, report, _out, _err = report_of(tmp_path, server, *csv_args(changed))
    assert counts(report, "fsm.order") == {"created": 0, "updated": 1, "unchanged": 4, "failed": 0}
    assert counts(report, "res.partner")["unchanged"] == 3
    assert "Replace filters" in server.records["fsm.order"]["ACME-J-1002"]["description"]


def test_rollback_restores(server, tmp_path):
    before = json.dumps(server.records, sort_keys=True)
    status, report, _out, _err = report_of(tmp_path, server, *csv_args())
    assert status == 0
    status, out, _err = run_cli(server, "rollback", report["run"])
    assert status == 0
    assert out == f"run: {report['run']}\nrolled back: deleted 15, restored 0\n"
    assert json.dumps(server.records, sort_keys=True) == before
    status, _out, err = run_cli(server, "rollback", "no-such-run")
    assert status == 1 and "unknown_run" in err


def test_rollback_in_steps(server, tmp_path, monkeypatch):
    """A big run is rolled back in steps: 202 until the last; the server's cron may do the last one
    between two calls (the next call is then 409 run_rolled_back: the run is read, and all is well)."""
    monkeypatch.setattr("fsj_client.importer.api.time.sleep", lambda _seconds: None)
    before = json.dumps(server.records, sort_keys=True)
    for cron_finishes in (False, True):
        status, report, _out, _err = report_of(tmp_path, server, *csv_args())
        assert status == 0
        server.rollback_steps, server.cron_finishes = 3, cron_finishes
        status, out, err = run_cli(server, "rollback", report["run"])
        assert status == 0, err
        assert out.endswith("rolled back: deleted 15, restored 0\n")
        assert err.count("rolling back") == 3
        assert json.dumps(server.records, sort_keys=True) == before
    status, _out, err = run_cli(server, "rollback", report["run"])
    assert status == 1 and "run_rolled_back" in err


def test_bad_inputs_write_nothing(server, tmp_path):
    status, report, out, err = report_of(tmp_path, server, *csv_args(SAMPLES / "bad" / "jobs.csv"))
    assert status == 1
    assert server.writes() == [] and "run:" not in out
    assert "5 problem(s); nothing was written" in err
    assert "unmatched technicians" in err and "nobody@nowhere.example.com" in err
    assert report["state"] == "invalid" and report["run"] is None
    assert {p["field"] for p in report["problems"]} == {"WO Number", "Status", "Planned Start", "Technician"}
    assert report["unmatched_technicians"] == ["nobody@nowhere.example.com"]


def test_missing_customer_on_server_is_a_problem(server, tmp_path):
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"id": "J1", "customer": "C-404", "status": "new"}]))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"columns": {"id": "job.id", "customer": "customer.id", "status": "job.status"}}))
    # the customer has only an id: it is written, so the job finds it
    status, _out, err = run_cli(server, "--source", "csv", "--mapping", str(mapping), str(jobs), tmp_path=tmp_path)
    assert status == 0, err
    mapping.write_text(json.dumps({"columns": {"id": "job.id", "customer_ref": "customer.id", "status": "job.status"}}))
    jobs.write_text(json.dumps([{"id": "J2", "location": "L-9", "status": "new"}]))
    mapping.write_text(json.dumps({"columns": {"id": "job.id", "location": "location.id", "status": "job.status"}}))
    status, _out, err = run_cli(server, "--source", "csv", "--mapping", str(mapping), str(jobs), tmp_path=tmp_path)
    assert status == 1 and "a location needs its customer" in err


def test_unknown_references_checked_on_the_server(server, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("WO Number,Note\n9999,hello\n")
    status, _out, err = run_cli(server, *csv_args(notes), tmp_path=tmp_path)
    assert status == 1 and "unknown job 'ACME-J-9999': not in the files nor on the server" in err
    assert "notes.csv, line 2" in err and server.writes() == []


def test_technician_fallback_and_skip(server, tmp_path):
    bad = tmp_path / "jobs.csv"
    bad.write_text(
        "WO Number,Status,Planned Start,Technician,Customer No\n"
        "1,Open,01/03/2027 08:00,nobody@example.com,C1\n2,Open,01/03/2027 08:00,LENA.BROOKS@example.com,C1\n"
    )
    status, _out, err = run_cli(server, *csv_args(bad), "--unmatched-technicians", "skip", tmp_path=tmp_path)
    assert status == 0 and "left without technician" in err
    jobs = server.records["fsm.order"]
    assert "person_id" not in jobs["ACME-J-1"] and jobs["ACME-J-1"]["stage_id"] == "new"
    # matched case-insensitively; a New job with a technician and a start is Scheduled (as the server does)
    assert jobs["ACME-J-2"]["person_id"] == 6 and jobs["ACME-J-2"]["stage_id"] == "scheduled"
    status, _out, err = run_cli(
        server, *csv_args(bad), "--technician-fallback", "lena.brooks@example.com", tmp_path=tmp_path
    )
    assert status == 0 and jobs["ACME-J-1"]["person_id"] == 6
    status, _out, err = run_cli(server, *csv_args(bad), "--technician-fallback", "x@example.com", tmp_path=tmp_path)
    assert status == 1 and "--technician-fallback 'x@example.com' has no match" in err


def test_dry_run_writes_nothing_and_prints_a_diff(server, tmp_path):
    status, out, _err = run_cli(server, *csv_args(), "--dry-run", tmp_path=tmp_path)
    assert status == 0 and server.writes() == []
    assert out.startswith("run: dry-run")
    assert "+ fsm.order ACME-J-1001" in out and "    stage_id: 'scheduled'" in out
    run_cli(server, *csv_args(), tmp_path=tmp_path)
    changed = tmp_path / "jobs.csv"
    changed.write_text((SAMPLES / "csv" / "jobs.csv").read_text().replace("Nordvik Bakery AB", "Nordvik Bageri AB"))
    writes = len(server.writes())
    status, out, _err = run_cli(server, *csv_args(changed), "--dry-run", tmp_path=tmp_path)
    assert len(server.writes()) == writes
    assert "~ res.partner ACME-C-C-17" in out
    assert "    name: 'Nordvik Bakery AB' -> 'Nordvik Bageri AB'" in out
    assert "fsm.order ACME-J" not in out  # unchanged jobs are counted, not listed
    assert re.search(r"customers +created +0 +updated +1 +unchanged +2", out)


def test_a_refused_record_fails_alone(server, tmp_path):
    server.reject["ACME-J-1003"] = (422, "invalid_value")
    status, report, out, _err = report_of(tmp_path, server, *csv_args())
    assert status == 1
    assert counts(report, "fsm.order") == {"created": 4, "updated": 0, "unchanged": 0, "failed": 1}
    assert report["failures"][0]["ref"] == "ACME-J-1003" and report["failures"][0]["line"] == 4
    assert "failed fsm.order ACME-J-1003" in out
    assert server.runs[report["run"]]["state"] == "failed"


def test_dependents_of_a_failed_customer_fail_without_being_sent(server, tmp_path):
    server.reject["ACME-C-C-31"] = (422, "invalid_value")
    status, report, _out, _err = report_of(tmp_path, server, *csv_args())
    assert status == 1
    assert counts(report, "res.partner")["failed"] == 1
    assert counts(report, "fsm.location")["failed"] == 1  # S-31-1, owned by C-31
    assert counts(report, "fsm.order")["failed"] == 2  # 1004, 1005
    sent_jobs = [json.loads(b) for m, p, _h, b in server.sent if m == "PUT" and p == "/object/fsm.order"]
    assert {row["external_ref"] for batch in sent_jobs for row in batch} == {f"ACME-J-100{i}" for i in (1, 2, 3)}


def _many(tmp_path, count):
    path = tmp_path / "many.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["WO Number", "Status", "Kind", "Customer No", "Customer", "Site No", "Site Name"])
        for n in range(count):
            site = n % 500
            writer.writerow([n, "Open", "Repair", f"C{site % 300}", f"Customer {site % 300}", f"S{site}", "Site"])
    return path


def test_batches_of_1000_two_in_flight(server, tmp_path):
    server.delay = 0.02
    status, report, _out, _err = report_of(tmp_path, server, *csv_args(_many(tmp_path, 2500)))
    assert status == 0
    sizes = [len(json.loads(b)) for m, p, _h, b in server.sent if m == "PUT" and p == "/object/fsm.order"]
    assert sorted(sizes) == [500, 1000, 1000]
    assert server.max_in_flight == 2
    assert counts(report, "fsm.order")["created"] == 2500 and counts(report, "fsm.location")["created"] == 500


def test_interrupted_run_resumes(server, tmp_path):
    path = _many(tmp_path, 2500)
    sent = []

    def drop(model, rows):
        if model == "fsm.order":
            sent.append(len(rows))
            return len(sent) >= 2  # the second jobs batch never gets an answer
        return False

    server.drop = drop
    status, report, out, err = report_of(tmp_path, server, *csv_args(path), "--parallel", "1")
    assert status == 1 and "resume with --resume" in err
    run_id = report["run"]
    state = json.loads((tmp_path / "state" / f"{run_id}.json").read_text())
    assert len(state["done"]["fsm.order"]) == 1000 and len(state["done"]["res.partner"]) == 300
    assert report["state"] == "failed" and counts(report, "fsm.order")["created"] == 1000
    server.drop = None
    server.sent.clear()
    status, report, out, _err = report_of(tmp_path, server, *csv_args(path), "--resume", run_id)
    assert status == 0 and out.startswith(f"run: {run_id}\n")
    # only what was left: no customer nor location again, 1,500 jobs
    puts = [(p, len(json.loads(b))) for m, p, _h, b in server.sent if m == "PUT"]
    assert sorted(puts) == [("/object/fsm.order", 500), ("/object/fsm.order", 1000)]
    assert counts(report, "fsm.order") == {"created": 2500, "updated": 0, "unchanged": 0, "failed": 0}
    assert counts(report, "res.partner")["created"] == 300
    assert len(server.records["fsm.order"]) == 2500
    assert server.runs[run_id]["state"] == "done"


def test_resume_notes_are_not_posted_twice(server, tmp_path):
    calls = []

    def drop(kind, body):
        if kind == "messages":
            calls.append(1)
            return len(calls) >= 2
        return False

    server.drop = drop
    status, report, _out, _err = report_of(tmp_path, server, *csv_args(), "--parallel", "1")
    assert status == 1 and len(server.messages) == 1
    server.drop = None
    status, report, _out, _err = report_of(tmp_path, server, *csv_args(), "--resume", report["run"])
    assert status == 0 and len(server.messages) == 3
    assert counts(report, "mail.message")["created"] == 3
    keys = [h.get("Idempotency-Key") for m, p, h, _b in server.sent if p.endswith("/messages")]
    assert all(k and k.startswith("fsj-import:") for k in keys)


def test_resume_of_a_rolled_back_run_is_refused(server, tmp_path):
    status, report, _out, _err = report_of(tmp_path, server, *csv_args())
    run_cli(server, "rollback", report["run"])
    status, _out, err = run_cli(server, *csv_args(), "--resume", report["run"], tmp_path=tmp_path)
    assert status == 1 and "rolled back" in err


def test_sources_round_trip(server, tmp_path):
    for args in (
        ["--source", "fieldnation", str(SAMPLES / "fieldnation" / "workorders.json")],
        ["--source", "sitoo", "--unmatched-technicians", "skip", str(SAMPLES / "sitoo" / "serviceorders.json")],
    ):
        status, report, _out, _err = report_of(tmp_path, server, *args)
        assert status == 0
        assert counts(report, "fsm.order")["created"] == 3
        status, report, _out, _err = report_of(tmp_path, server, *args)
        assert counts(report, "fsm.order") == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}


def test_arguments():
    status, _out, _err = run_cli(FakeServer(), "--source", "nope", "x.json")
    assert status == 2
    status, _out, _err = run_cli(FakeServer(), "--source", "csv", "--batch-size", "1001", "x.csv")
    assert status == 2
    status, _out, err = run_cli(FakeServer(), "--source", "csv", "x.csv")
    assert status == 2 and "needs a mapping file" in err
    status, _out, err = run_cli(FakeServer(), "--source", "sitoo", "/nonexistent/x.json")
    assert status == 2 and "cannot read it" in err


def test_progress_line():
    stream = io.StringIO()
    progress = Progress(stream, interval=0)
    progress.start("jobs", 200)
    progress.advance(50)
    progress.advance(50, failed=2)
    progress.finish()
    last = stream.getvalue().strip().splitlines()[-1]
    assert re.match(r"jobs +\[#{12}\.{12}\] 100/200  50\.0% +[\d.]+/s .* 2 failed$", last)


def test_state_dir_is_created(server, tmp_path):
    state_dir = tmp_path / "deep" / "state"
    status, out, _err = run_cli(server, *csv_args(), "--state-dir", str(state_dir))
    assert status == 0
    run_id = out.splitlines()[0].split()[1]
    assert (state_dir / f"{run_id}.json").exists()
    shutil.rmtree(state_dir)
