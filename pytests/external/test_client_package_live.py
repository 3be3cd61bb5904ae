"""The typed client package (client/src/fsj_client) against the live server: seed 000's flow, both
paginations, ETags, idempotent retries, error classes, the change feed, upserts and bulk writes, and
the client example of readme/USAGE.md. The package is imported from the repository (no installation).

Upserts and bulk writes (PUT /object/<model>/ref:<ref>, PUT/PATCH/DELETE /object/<model>) are skipped
while the server answers them 405 (or 404 for a PUT by reference): they run once the routes exist."""

import contextlib
import datetime
import os
import pathlib
import re
import subprocess
import sys
import time
import uuid

import pytest
import requests
from requests.adapters import HTTPAdapter

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLIENT_SRC = ROOT / "client" / "src"
sys.path.insert(0, str(CLIENT_SRC))

import fsj_client  # noqa: E402
from fsj_client import CUSTOMERS, JOBS, Client  # noqa: E402

JOB_FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id"]


@pytest.fixture(scope="module")
def client(server_url, api_key):
    with Client(server_url, api_key, timeout=60, backoff=0.2) as made:
        yield made


@pytest.fixture
def customer(client):
    tag = uuid.uuid4().hex[:8]
    return client.create(CUSTOMERS, {"name": f"Client Package {tag}", "city": "Malmö", "street": f"{tag} Road"})


def text(html):
    """The text of an html field (description is html: "<p>...</p>")."""
    return re.sub(r"<[^>]+>", "", html or "")


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


@contextlib.contextmanager
def route_landed(what):
    """Skip the test while the server does not have the route (405; 404 for a PUT by reference)."""
    try:
        yield
    except fsj_client.MethodNotAllowed as exc:
        pytest.skip(f"{what}: the server answers 405 ({exc.message})")
    except fsj_client.NotFound as exc:
        if exc.code in ("not_found", "http_404") and "ref" in what:
            pytest.skip(f"{what}: the server answers 404 ({exc.message})")
        raise


# -- seed 000's flow ------------------------------------------------------------------------------------------
def test_seed000_flow(client, customer, stages):
    technician = client.create("fsm.person", {"name": f"Client Tech {uuid.uuid4().hex[:6]}"})
    today = utc_today().isoformat()
    job = client.create(
        JOBS,
        {
            "partner_id": customer["id"],
            "scheduled_date_start": f"{today} 09:00:00",
            "scheduled_date_end": f"{today} 12:00:00",
            "person_id": technician["id"],
            "description": "Install motorized blinds",
        },
    )
    assert job.created and job.etag and re.fullmatch(r"FSM\d{5,}", job["name"])
    assert job["stage_id"][0] == stages["scheduled"]  # a technician and a start: Scheduled
    # today's jobs
    todays = client.search(
        JOBS,
        [("scheduled_date_start", ">=", f"{today} 00:00:00"), ("scheduled_date_start", "<=", f"{today} 23:59:59")],
        fields=JOB_FIELDS,
        order="scheduled_date_start",
    )
    assert job["id"] in [j["id"] for j in todays] and todays.total >= 1
    assert set(todays[0]) == {"id", *JOB_FIELDS}
    # the technician's open jobs (stages by code)
    mine = client.search(
        JOBS, [("person_id", "=", technician["id"]), ("stage_id", "not in", ["completed", "cancelled"])]
    )
    assert [j["id"] for j in mine] == [job["id"]]
    started = client.start(job)
    assert started["stage_id"][0] == stages["in_progress"] and started["date_start"]
    completed = client.complete(started)
    assert completed["stage_id"][0] == stages["completed"] and completed["date_end"]
    assert (
        client.search(JOBS, [("person_id", "=", technician["id"]), ("stage_id", "not in", [stages["completed"]])]) == []
    )
    # the dashboard of the day lists it
    assert job["id"] in [j["id"] for j in client.dashboard(utc_today())["jobs"]]
    # a completed job cannot be started
    with pytest.raises(fsj_client.WorkflowConflict) as caught:
        client.start(job["id"])
    assert caught.value.status == 409 and caught.value.request_id


# -- pagination -----------------------------------------------------------------------------------------------
def test_pagination_over_several_pages(client, customer):
    created = client.create_many(JOBS, [{"partner_id": customer["id"], "description": f"page {i}"} for i in range(7)])
    ids = [job["id"] for job in created]
    assert len(set(ids)) == 7
    domain = [("partner_id", "=", customer["id"])]
    by_offset = list(client.iter_records(JOBS, domain, ["description"], page_size=3))
    by_keyset = list(client.iter_records(JOBS, domain, ["description"], page_size=3, mode="keyset"))
    assert [j["id"] for j in by_offset] == sorted(ids)
    assert [j["id"] for j in by_keyset] == sorted(ids)
    assert [text(j["description"]) for j in by_keyset] == [f"page {i}" for i in range(7)]
    first = client.search(JOBS, domain, fields=["id"], limit=3, start_after_id=0)
    assert first.total == 7 and first.next_start_after_id == sorted(ids)[2]
    assert client.count(JOBS, domain) == 7
    # ordered pages by offset
    newest_first = list(client.iter_records(JOBS, domain, ["id"], page_size=2, order="id desc"))
    assert [j["id"] for j in newest_first] == sorted(ids, reverse=True)


# -- optimistic concurrency ------------------------------------------------------------------------------------
def test_a_stale_etag_raises_precondition_failed(client, customer):
    job = client.create(JOBS, {"partner_id": customer["id"], "description": "etag"})
    read = client.get(JOBS, job["id"])
    assert read.etag == job.etag
    time.sleep(1.1)  # a later write_date (the ETag's stamp)
    changed = client.update(JOBS, read, {"description": "changed by someone"})
    assert changed.etag != read.etag
    with pytest.raises(fsj_client.PreconditionFailed) as caught:
        client.update(JOBS, read, {"description": "my stale change"})
    assert caught.value.current_etag == changed.etag
    assert text(client.get(JOBS, job["id"], fields=["description"])["description"]) == "changed by someone"
    # with the current ETag it goes through
    mine = client.update(JOBS, job["id"], {"description": "mine"}, etag=caught.value.current_etag)
    assert text(mine["description"]) == "mine"


# -- idempotency ----------------------------------------------------------------------------------------------
class LosesFirstAnswer(HTTPAdapter):
    """Sends every request, but the first POST's answer is lost on the way back (as when a
    connection drops after the server committed)."""

    def __init__(self):
        super().__init__()
        self.posts = 0
        self.keys = []

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        if request.method == "POST":
            self.posts += 1
            self.keys.append(request.headers.get("Idempotency-Key"))
            if self.posts == 1:
                response.close()
                raise requests.ConnectionError("the answer was lost")
        return response


def test_an_idempotent_create_retried_returns_the_same_record(server_url, api_key, customer, rpc):
    adapter = LosesFirstAnswer()
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    description = f"idempotent {uuid.uuid4().hex}"
    with Client(server_url, api_key, session=session, backoff=0.1, timeout=60) as lossy:
        job = lossy.create(JOBS, {"partner_id": customer["id"], "description": description})
    assert adapter.posts == 2 and adapter.keys[0] == adapter.keys[1] and adapter.keys[0]
    assert rpc("fsm.order", "search", [("description", "=", description)]) == [job["id"]]
    # the same key again, by hand: the same answer, nothing created
    with Client(server_url, api_key) as again:
        replay = again.create(
            JOBS, {"partner_id": customer["id"], "description": description}, idempotency_key=adapter.keys[0]
        )
        assert replay["id"] == job["id"]
        # the same key with another request is refused
        with pytest.raises(fsj_client.ValidationFailed) as caught:
            again.create(JOBS, {"partner_id": customer["id"], "description": "other"}, idempotency_key=adapter.keys[0])
        assert caught.value.code == "idempotency_key_reused"
    assert rpc("fsm.order", "search_count", [("description", "=", description)]) == 1


# -- errors ---------------------------------------------------------------------------------------------------
def test_error_classes(client, server_url, customer):
    with pytest.raises(fsj_client.NotFound) as caught:
        client.get(JOBS, 2_000_000_000)
    assert caught.value.code == "not_found" and caught.value.request_id
    with pytest.raises(fsj_client.NotFound) as caught:
        client.search("res.users")  # not exposed: answered like an unknown model
    assert caught.value.code == "unknown_model"
    with pytest.raises(fsj_client.NotExposed) as caught:
        client.search(JOBS, [("partner_id.user_ids.login", "=", "admin")])
    assert caught.value.status == 403 and isinstance(caught.value, fsj_client.Forbidden)
    with pytest.raises(fsj_client.ValidationFailed) as caught:
        client.create(JOBS, {"description": "no customer"})
    assert caught.value.status == 422 and caught.value.code == "missing_field"
    with pytest.raises(fsj_client.ValidationFailed) as caught:
        client.create_many(JOBS, [{"partner_id": customer["id"]}, {"partner_id": 2_000_000_000}])
    assert caught.value.index == 1
    with pytest.raises(fsj_client.BadRequest) as caught:
        client.search(JOBS, fields=["no_such_field"])
    assert caught.value.code == "unknown_field"
    with Client(server_url, "0" * 40) as bad_key, pytest.raises(fsj_client.Unauthorized):
        bad_key.search(JOBS)


# -- the change feed -------------------------------------------------------------------------------------------
def test_the_change_feed_picks_up_a_created_job(client, customer):
    feed = client.changes(JOBS, limit=1000, fields=["name", "description"])
    for _change in feed:  # from the start: every job, then the log, to its end
        pass
    cursor = feed.cursor
    assert cursor and feed.has_more is False
    job = client.create(JOBS, {"partner_id": customer["id"], "description": "in the feed"})
    seen = {}
    deadline = time.monotonic() + 120
    while job["id"] not in seen and time.monotonic() < deadline:
        # a transaction still running (in any database of the cluster) holds the feed back a moment
        later = client.changes(JOBS, cursor, fields=["name", "description"])
        seen.update({c["id"]: c for c in later})
        cursor = later.cursor
        if job["id"] not in seen:
            time.sleep(0.5)
    assert seen[job["id"]]["op"] == "upsert"
    record = seen[job["id"]]["record"]
    assert (record["id"], record["name"], text(record["description"])) == (job["id"], job["name"], "in the feed")
    client.delete(JOBS, job["id"])
    gone = {}
    deadline = time.monotonic() + 120
    while job["id"] not in gone and time.monotonic() < deadline:
        later = client.changes(JOBS, cursor)
        gone.update({c["id"]: c for c in later})
        cursor = later.cursor
        if job["id"] not in gone:
            time.sleep(0.5)
    assert gone[job["id"]] == {"op": "delete", "id": job["id"]}


# -- upserts and bulk writes (spec 4-5) ------------------------------------------------------------------------
def test_upsert_by_external_reference(client, customer):
    ref = f"CLIENT-JOB-{uuid.uuid4().hex[:10]}"
    with route_landed("PUT /object/fsm.order/ref:<ref>"):
        created = client.upsert(JOBS, ref, {"partner_id": customer["id"], "description": "first"})
    assert created.created and created.status == 201 and created["external_ref"] == ref
    updated = client.upsert(JOBS, ref, {"description": "second"}, etag=created.etag)
    assert not updated.created and updated.status == 200 and updated["id"] == created["id"]
    assert text(client.get(JOBS, fsj_client.ref(ref), fields=["description"])["description"]) == "second"
    with pytest.raises(fsj_client.PreconditionFailed):
        client.upsert(JOBS, ref, {"description": "stale"}, etag=created.etag)
    # a many2one by reference, and the write-only customer object
    cust_ref = f"CLIENT-CUST-{uuid.uuid4().hex[:10]}"
    client.update(CUSTOMERS, customer["id"], {"external_ref": cust_ref})
    by_ref = client.upsert(JOBS, f"{ref}-2", {"partner_id": {"ref": cust_ref}})
    assert by_ref["partner_id"][0] == customer["id"]
    email = f"erica.{uuid.uuid4().hex[:8]}@example.com"
    values = {"customer": {"ref": f"{cust_ref}-new", "first_name": "Erica", "last_name": "Swansson", "email": email}}
    with_customer = client.upsert(JOBS, f"{ref}-3", values)
    partner = client.get(CUSTOMERS, with_customer["partner_id"][0], fields=["email", "external_ref"])
    assert partner["email"] == email and partner["external_ref"] == f"{cust_ref}-new"
    with pytest.raises(fsj_client.ValidationFailed):
        client.upsert(JOBS, f"{ref}-4", {"partner_id": {"ref": "no-such-reference"}})


def test_upsert_many(client, customer):
    tag = uuid.uuid4().hex[:10]
    rows = [{"external_ref": f"CLIENT-C-{tag}-{i}", "name": f"Bulk customer {i}"} for i in range(3)]
    with route_landed("PUT /object/res.partner"):
        first = client.upsert_many(CUSTOMERS, rows, fields=["name", "external_ref"])
    assert [r["result"] for r in first] == ["created"] * 3
    again = client.upsert_many(
        CUSTOMERS, [rows[0], dict(rows[1], name="Renamed"), *rows[2:]], fields=["name", "external_ref"]
    )
    assert [r["result"] for r in again] == ["unchanged", "updated", "unchanged"]
    assert again[1]["previous"]["name"] == "Bulk customer 1" and [r["id"] for r in again] == [r["id"] for r in first]
    # all or nothing: a failing row names its index and nothing is written
    with pytest.raises(fsj_client.ApiError) as caught:
        client.upsert_many(
            JOBS,
            [
                {"external_ref": f"CLIENT-J-{tag}-ok", "partner_id": customer["id"]},
                {"external_ref": f"CLIENT-J-{tag}-bad", "partner_id": {"ref": "no-such-reference"}},
            ],
        )
    assert caught.value.index == 1
    assert client.search(JOBS, [("external_ref", "=", f"CLIENT-J-{tag}-ok")]) == []


def test_update_many_and_delete_many(client, customer):
    jobs = client.create_many(JOBS, [{"partner_id": customer["id"], "description": f"bulk {i}"} for i in range(3)])
    read = [client.get(JOBS, job["id"]) for job in jobs]
    rows = [{"id": job["id"], "etag": job.etag, "description": f"bulk changed {i}"} for i, job in enumerate(read)]
    with route_landed("PATCH /object/fsm.order"):
        updated = client.update_many(JOBS, rows, fields=["description"])
    assert [text(r["description"]) for r in updated] == [f"bulk changed {i}" for i in range(3)]
    # stale ETags now: refused, nothing written
    with pytest.raises(fsj_client.PreconditionFailed):
        client.update_many(JOBS, [dict(rows[0], description="stale")])
    assert text(client.get(JOBS, jobs[0]["id"], fields=["description"])["description"]) == "bulk changed 0"
    ids = [job["id"] for job in jobs]
    with route_landed("DELETE /object/fsm.order"):
        with pytest.raises((fsj_client.NotFound, fsj_client.ValidationFailed, fsj_client.BadRequest)):
            client.delete_many(JOBS, [*ids, 2_000_000_000])  # one missing: none deleted
        assert client.count(JOBS, [("id", "in", ids)]) == 3
        deleted = client.delete_many(JOBS, ids)
    assert deleted == [{"id": i, "deleted": True} for i in ids]
    assert client.count(JOBS, [("id", "in", ids)]) == 0


# -- the README's example ---------------------------------------------------------------------------------------
def readme_block():
    """The first ```python block of readme/USAGE.md that uses fsj_client, or None."""
    text = (ROOT / "readme" / "USAGE.md").read_text()
    for block in re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        if "from fsj_client import" in block:
            return block
    return None


def test_readme_client_example_runs(server_url, api_key, tmp_path):
    block = readme_block()
    if block is None:
        pytest.skip("readme/USAGE.md has no fsj_client example yet")
    script = tmp_path / "example.py"
    script.write_text(block)
    env = dict(os.environ, FSJ_URL=server_url, FSJ_API_KEY=api_key, PYTHONPATH=str(CLIENT_SRC))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Created job FSM" in done.stdout


# -- files --------------------------------------------------------------------------------------------------------
def test_files_round_trip(client, customer):
    job = client.create(JOBS, {"partner_id": customer["id"], "description": "files"})
    content = b"meter reading: 4711\n"
    [uploaded] = client.upload(JOBS, job["id"], [("meter.txt", content)])
    assert uploaded["name"] == "meter.txt" and uploaded["size"] == len(content)
    assert [a["id"] for a in client.attachments(JOBS, job["id"])] == [uploaded["id"]]
    assert client.download(JOBS, job["id"], uploaded["id"]) == content
    assert client.delete_attachment(JOBS, job["id"], uploaded["id"]) == {"id": uploaded["id"], "deleted": True}
    with pytest.raises(fsj_client.NotFound):
        client.download(JOBS, job["id"], uploaded["id"])
