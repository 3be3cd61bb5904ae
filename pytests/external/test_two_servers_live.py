"""Two Odoo servers on one database (README.rst, "Deployment: several servers, one primary, replicas"):
a second server is started on another port against the live suite's database, with the live server's
options (FSJ_ODOO_CMD, set by ./run-tests: addons path, data dir, database), --workers 2 and a cron
worker of its own, as the live server has. The live suite's concurrency checks then run across both:
one Idempotency-Key sent to both at once, a rate-limited key spread over both, concurrent writers with
one ETag, the audit rows of both, and webhook events delivered once while both servers' cron workers
deliver. The second server is stopped whatever happens."""

import http.server
import json
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

WAIT = 90  # seconds a webhook event may take in the worst case (a retry waits for a cron's next poll)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def second_server(server_url):
    """The URL of a second server on the live suite's database."""
    if not os.environ.get("FSJ_ODOO_CMD"):
        pytest.fail("FSJ_ODOO_CMD is not set: run this suite through ./run-tests")
    base_cmd = json.loads(os.environ["FSJ_ODOO_CMD"])
    port = _free_port()
    cmd = [
        *base_cmd,
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--gevent-port={_free_port()}",
        "--workers=2",
        "--max-cron-threads=1",  # after FSJ_ODOO_CMD's 0: the last one counts
        "--limit-time-real=300",
        "--log-level=info",
    ]
    log = Path(os.environ.get("FSJ_WORK") or tempfile.gettempdir(), "second-server.log")
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                    pytest.fail(f"the second server did not start ({log}):\n{tail}")
                try:
                    if requests.get(f"{url}/web/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.5)
            assert url != server_url
            yield url
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@pytest.fixture(scope="module")
def both(server_url, second_server):
    return (server_url, second_server)


def _at_once(calls):
    """Run the callables together (released by one barrier); their results, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


# -- idempotency -------------------------------------------------------------------------------------
def test_one_idempotency_key_sent_to_both_servers_at_once(rpc, factories, make_api, both):
    customer = factories.customer()
    marker = uuid.uuid4().hex[:10]
    for round_ in range(6):
        key = uuid.uuid4().hex
        body = {"partner_id": customer["id"], "description": f"<p>two servers {marker} {round_}</p>"}

        def post(url, key=key, body=body):
            return make_api(url).post("/object/fsm.order", json=body, headers={"Idempotency-Key": key})

        first, second = _at_once([lambda: post(both[0]), lambda: post(both[1])])
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert first.json() == second.json(), "both servers answer the same record"
        replayed = [r.headers.get("Idempotency-Replayed") == "true" for r in (first, second)]
        assert sorted(replayed) == [False, True], "one made it, the other replayed it"
        count = rpc("fsm.order", "search_count", [("description", "ilike", f"two servers {marker} {round_}<")])
        assert count == 1, f"round {round_}: {count} records for one Idempotency-Key"


# -- throttling ----------------------------------------------------------------------------------------
@pytest.fixture
def limited_key(server_url, rpc, web_session):
    """A REST API key limited to 10 requests a window (60 s), made and removed as the backend does."""
    web = web_session()
    web.check_identity(web.call("res.users", "api_key_wizard", [[rpc.uid]]))
    name = f"two servers {uuid.uuid4().hex[:8]}"
    wizard = web.call("res.users.apikeys.description", "create", [{"name": name, "fsj_restapi": True}])
    key = web.call("res.users.apikeys.description", "make_key", [[wizard]])["context"]["default_key"]
    try:
        [apikey] = rpc("res.users.apikeys", "search", [("name", "=", name)])
        rpc("fsm.api.key.scope", "create", {"apikey_id": apikey, "rate_limit": 10})
        yield key
    finally:
        for apikey in rpc("res.users.apikeys", "search", [("name", "=", name)]):
            web.check_identity(web.call("res.users.apikeys", "remove", [[apikey]]))


def test_a_rate_limited_key_is_throttled_across_both_servers(make_api, both, limited_key):
    if time.time() % 60 > 45:  # the 20 requests fall in one fixed window
        time.sleep(61 - time.time() % 60)
    clients = [make_api(url, limited_key) for url in both]

    def get(n):
        return clients[n % 2].get("/object/fsm.stage", params={"fields": "['name']"})

    with ThreadPoolExecutor(4) as pool:  # concurrent hits of one counter, from both servers
        answers = list(pool.map(get, range(20)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 10 + [429] * 10, statuses
    remaining = sorted(int(r.headers["RateLimit"].split(";r=")[1].split(";")[0]) for r in answers if r.ok)
    assert remaining == list(range(10)), f"one counter for both servers: {remaining}"
    for url in both:  # each server refuses it now
        assert make_api(url, limited_key).get("/object/fsm.stage").status_code == 429


# -- writers -------------------------------------------------------------------------------------------
def test_concurrent_writers_on_both_servers_one_stale_etag(api, factories, make_api, both):
    job = factories.job()
    path = f"/object/fsm.order/{job['id']}"
    etag = api.get(path).headers["ETag"]

    def write(url, text):
        return make_api(url).put(path, json={"description": text}, headers={"If-Match": etag}).status_code

    statuses = _at_once([lambda: write(both[0], "<p>first</p>"), lambda: write(both[1], "<p>second</p>")])
    assert sorted(statuses) == [200, 412], statuses


def test_audit_rows_of_both_servers_land(rpc, factories, make_api, both):
    customer = factories.customer()

    def create(n):
        resp = make_api(both[n % 2]).post("/object/fsm.order", json={"partner_id": customer["id"]})
        assert resp.status_code == 201, resp.text
        return resp.headers["X-Request-Id"], resp.json()["fsm.order"]["id"]

    with ThreadPoolExecutor(6) as pool:
        made = list(pool.map(create, range(24)))
    rows = rpc(
        "fsm.api.audit",
        "search_read",
        [("request_id", "in", [request_id for request_id, _id in made])],
        fields=["request_id", "method", "status", "record_ids"],
    )
    assert sorted(row["request_id"] for row in rows) == sorted(request_id for request_id, _id in made)
    by_request = {row["request_id"]: row for row in rows}
    for request_id, job_id in made:
        row = by_request[request_id]
        assert (row["method"], row["status"]) == ("POST", 201)
        assert str(job_id) in (row["record_ids"] or "")


# -- webhooks ------------------------------------------------------------------------------------------
class Receiver:
    """A webhook receiver on 127.0.0.1 recording each message (its webhook-id and body)."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/two-servers"
        self.messages = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.messages.append((self.headers.get("webhook-id"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, ids):
        with self.lock:
            return [(m, b) for m, b in self.messages if b.get("data", {}).get("id") in ids]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(api, rpc):
    previous = rpc("ir.config_parameter", "get_param", "fieldservice_jobs.webhook_allow_private")
    rpc("ir.config_parameter", "set_param", "fieldservice_jobs.webhook_allow_private", "1")
    receiver = Receiver()
    resp = api.post("/object/fsm.webhook", json={"name": "two servers", "url": receiver.url})
    assert resp.status_code == 201, resp.text
    created = resp.json()["fsm.webhook"]
    try:
        yield receiver, created
    finally:
        api.delete(f"/object/fsm.webhook/{created['id']}")
        receiver.stop()
        rpc("ir.config_parameter", "set_param", "fieldservice_jobs.webhook_allow_private", previous or False)


def test_webhook_events_delivered_once_by_two_servers_crons(rpc, factories, make_api, both, hook):
    receiver, subscription = hook
    customer = factories.customer()

    def create_and_update(n):
        api = make_api(both[n % 2])
        resp = api.post("/object/fsm.order", json={"partner_id": customer["id"]})
        assert resp.status_code == 201, resp.text
        job_id = resp.json()["fsm.order"]["id"]
        other = make_api(both[(n + 1) % 2])  # updated through the other server
        assert other.put(f"/object/fsm.order/{job_id}", json={"description": f"<p>{n}</p>"}).status_code == 200
        return job_id

    with ThreadPoolExecutor(6) as pool:
        jobs = set(pool.map(create_and_update, range(30)))
    expected = {(job, kind) for job in jobs for kind in ("job.created", "job.updated")}

    def arrived():
        return {(b["data"]["id"], b["type"]) for _m, b in receiver.of(jobs)}

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and not expected <= arrived():
        time.sleep(0.2)
    assert expected <= arrived(), f"missing: {sorted(expected - arrived())[:10]}"
    time.sleep(3)  # a second delivery of an event would come meanwhile
    messages = receiver.of(jobs)
    ids = [msg_id for msg_id, _b in messages]
    assert len(ids) == len(set(ids)) == len(expected), f"{len(ids)} messages, {len(set(ids))} ids"
    deliveries = rpc(
        "fsm.webhook.delivery",
        "search_read",
        [("webhook_id", "=", subscription["id"]), ("res_id", "in", sorted(jobs))],
        fields=["state", "attempt_count"],
    )
    assert len(deliveries) == len(expected)
    assert {(d["state"], d["attempt_count"]) for d in deliveries} == {("delivered", 1)}
