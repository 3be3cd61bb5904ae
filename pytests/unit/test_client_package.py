"""The typed client package (client/src/fsj_client) against a fake transport: a requests adapter that
answers scripted responses and records what was sent. No server, no network, no installation: the
package is imported from the repository."""

import datetime
import email.utils
import io
import json
import pathlib
import sys
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

CLIENT_SRC = pathlib.Path(__file__).resolve().parents[2] / "client" / "src"
sys.path.insert(0, str(CLIENT_SRC))

import fsj_client  # noqa: E402
from fsj_client import JOBS, Client  # noqa: E402

URL = "http://fsj.test"
BASE = URL + "/restapi/1.0"


# -- the fake transport ----------------------------------------------------------------------------------------
class Sent:
    """One request as the server would have received it."""

    def __init__(self, prepared):
        self.method = prepared.method
        parts = urlsplit(prepared.url)
        self.path = parts.path.removeprefix("/restapi/1.0")
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.headers = prepared.headers
        self.raw = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()

    def json(self):
        return json.loads(self.raw)


class FakeAdapter(BaseAdapter):
    """Answers each request with ``handler(sent)`` -> (status, body, headers) or an exception to raise,
    or, when given a list, with its items in turn."""

    def __init__(self, answers):
        super().__init__()
        self.answers = answers
        self.sent = []

    def send(self, request, **kwargs):
        sent = Sent(request)
        self.sent.append(sent)
        answer = self.answers(sent) if callable(self.answers) else self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, *rest = answer
        response = requests.Response()
        response.status_code = status
        response.headers = requests.structures.CaseInsensitiveDict(rest[0] if rest else {})
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            response.headers.setdefault("Content-Type", "application/json")
        response.raw = io.BytesIO(body)
        response.headers.setdefault("X-Request-Id", f"req{len(self.sent)}")
        response.url = request.url
        response.request = request
        response.reason = "fake"
        return response

    def close(self):
        pass


def make_client(answers, **kwargs):
    adapter = FakeAdapter(answers)
    session = requests.Session()
    session.mount("http://", adapter)
    sleeps = []
    kwargs.setdefault("backoff", 1.0)
    client = Client(URL, "secret-key", session=session, sleep=sleeps.append, **kwargs)
    return client, adapter, sleeps


def error(status, code, message="nope", details=None, headers=None):
    body = {"error": {"status": status, "code": code, "message": message, "details": details or {}}}
    return (status, body, headers or {})


JOB = {"id": 5, "name": "FSM00005", "stage_id": [1, "New"]}


# -- requests as sent ----------------------------------------------------------------------------------------
def test_headers_url_and_parameters():
    client, adapter, _ = make_client(
        [(200, {"fsm.order": [JOB]}, {"X-Total-Count": "1"})],
        company_ids=[3, 1],
        language="fr-FR",
        timezone="Europe/Paris",
    )
    domain = [("scheduled_date_start", ">=", datetime.datetime(2026, 12, 1, 9, 0)), ("person_id", "=", False)]
    page = client.search(JOBS, domain, fields=["name", "partner_id.email"], limit=50, order="scheduled_date_start")
    [sent] = adapter.sent
    assert sent.method == "GET" and sent.path == "/object/fsm.order"
    assert sent.headers["X-API-Key"] == "secret-key"
    assert sent.headers["X-Company-Id"] == "3,1"
    assert sent.headers["Accept-Language"] == "fr-FR"
    assert sent.headers["X-Timezone"] == "Europe/Paris"
    assert "Idempotency-Key" not in sent.headers
    assert json.loads(sent.query["domain"]) == [
        ["scheduled_date_start", ">=", "2026-12-01 09:00:00"],
        ["person_id", "=", False],
    ]
    assert sent.query["fields"] == "name,partner_id.email"
    assert sent.query["limit"] == "50" and sent.query["order"] == "scheduled_date_start"
    assert "offset" not in sent.query
    assert page == [JOB] and page.total == 1 and page.next_start_after_id is None
    # a web_read specification travels as JSON; an aware datetime is sent in UTC
    client, adapter, _ = make_client([(200, {"fsm.order": JOB}, {"ETag": '"e1"'})])
    client.get("fsm.order", 5, fields={"name": {}, "partner_id": {"fields": {"email": {}}}})
    assert json.loads(adapter.sent[0].query["fields"]) == {"name": {}, "partner_id": {"fields": {"email": {}}}}
    aware = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert fsj_client.dumps({"at": aware, "day": datetime.date(2026, 12, 1)}) == (
        '{"at":"2026-12-01 09:00:00","day":"2026-12-01"}'
    )


def test_base_url_forms():
    for url in ("http://fsj.test", "http://fsj.test/", "http://fsj.test/restapi/1.0", "http://fsj.test/restapi/1.0/"):
        assert Client(url, "k").base_url == BASE


def test_records_by_id_ref_or_record():
    client, adapter, _ = make_client(lambda sent: (200, {"fsm.order": JOB}, {"ETag": '"e1"'}))
    client.get(JOBS, 5)
    client.get(JOBS, fsj_client.ref("SHOP 42"))
    client.get(JOBS, {"id": 5, "name": "x"})
    assert [s.path for s in adapter.sent] == [
        "/object/fsm.order/5",
        "/object/fsm.order/ref:SHOP%2042",
        "/object/fsm.order/5",
    ]
    with pytest.raises(TypeError):
        client.get(JOBS, True)


# -- retries, backoff, Retry-After ----------------------------------------------------------------------------
def test_get_is_retried_with_exponential_backoff_and_jitter():
    answers = [error(503, "unavailable"), error(502, "bad_gateway"), (504, b"<html>timeout</html>")]
    client, adapter, sleeps = make_client([*answers, (200, {"fsm.order": JOB}, {"ETag": '"e"'})], max_retries=3)
    assert client.get(JOBS, 5) == JOB
    assert len(adapter.sent) == 4
    # backoff 1 s doubled each time, half of it random
    assert 0.5 <= sleeps[0] <= 1 and 1 <= sleeps[1] <= 2 and 2 <= sleeps[2] <= 4, sleeps
    # jitter: two clients do not wait the same
    waits = {Client(URL, "k").backoff_delay(3) for _i in range(20)}
    assert len(waits) > 1 and all(2 <= w <= 4 for w in waits)
    assert Client(URL, "k", backoff=10, max_backoff=15).backoff_delay(5) <= 15


def test_retries_are_bounded_and_the_last_error_raised():
    client, adapter, sleeps = make_client(lambda sent: error(503, "unavailable", "down"), max_retries=2)
    with pytest.raises(fsj_client.ServerError) as caught:
        client.search(JOBS)
    assert len(adapter.sent) == 3 and len(sleeps) == 2
    assert caught.value.status == 503 and caught.value.request_id == "req3"
    client, adapter, sleeps = make_client(lambda sent: error(503, "unavailable"), max_retries=0)
    with pytest.raises(fsj_client.ServerError):
        client.search(JOBS)
    assert len(adapter.sent) == 1 and sleeps == []


def test_retry_after_seconds_and_http_date_are_honoured():
    client, _adapter, sleeps = make_client(
        [error(429, "rate_limited", headers={"Retry-After": "7"}), (200, {"fsm.order": []}, {"X-Total-Count": "0"})]
    )
    assert client.search(JOBS) == []
    assert sleeps == [7.0]
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    client, _adapter, sleeps = make_client(
        [error(503, "busy", headers={"Retry-After": later}), (200, {"fsm.order": []})]
    )
    client.search(JOBS)
    assert 27 <= sleeps[0] <= 31, sleeps
    past = email.utils.formatdate(time.time() - 60, usegmt=True)
    assert fsj_client.errors.parse_retry_after(past) == 0.0
    assert fsj_client.errors.parse_retry_after("soon") is None
    assert fsj_client.errors.parse_retry_after(None) is None


def test_a_retry_after_too_long_is_raised_not_waited():
    client, _adapter, sleeps = make_client(
        [error(429, "rate_limited", details={"retry_after": 3600}, headers={"Retry-After": "3600"})],
        max_retry_after=60,
    )
    with pytest.raises(fsj_client.RateLimited) as caught:
        client.search(JOBS)
    assert caught.value.retry_after == 3600.0 and sleeps == []
    # without the header, the body's details say it
    exc = fsj_client.errors.from_response(
        429, json.dumps(error(429, "too_many_failures", details={"retry_after": 9})[1]), {}
    )
    assert isinstance(exc, fsj_client.RateLimited) and exc.retry_after == 9.0


def test_post_keeps_its_idempotency_key_across_retries():
    client, adapter, _sleeps = make_client(
        [
            requests.ConnectionError("reset"),
            error(502, "bad_gateway"),
            (201, {"fsm.order": JOB}, {"ETag": '"e1"', "Idempotency-Replayed": "true"}),
        ]
    )
    job = client.create(JOBS, {"partner_id": 7})
    assert job == JOB and job.etag == '"e1"' and job.created
    keys = {sent.headers["Idempotency-Key"] for sent in adapter.sent}
    assert len(adapter.sent) == 3 and len(keys) == 1
    assert uuid.UUID(keys.pop()).version == 4
    # each call has a key of its own; yours is used as it is
    client, adapter, _ = make_client(lambda sent: (201, {"fsm.order": JOB}, {"ETag": '"e1"'}))
    client.create(JOBS, {"partner_id": 7})
    client.create(JOBS, {"partner_id": 7})
    client.create(JOBS, {"partner_id": 7}, idempotency_key="order-77")
    keys = [sent.headers["Idempotency-Key"] for sent in adapter.sent]
    assert keys[0] != keys[1] and keys[2] == "order-77"


def test_unsafe_requests_are_not_retried():
    # a POST without a key, a PATCH, a PUT, a DELETE: a 503 or a lost connection may have run them
    client, adapter, sleeps = make_client(lambda sent: error(503, "unavailable"))
    with pytest.raises(fsj_client.ServerError):
        client.create(JOBS, {"partner_id": 7}, idempotency_key=False)
    assert "Idempotency-Key" not in adapter.sent[0].headers
    with pytest.raises(fsj_client.ServerError):
        client.update(JOBS, 5, {"description": "x"})
    with pytest.raises(fsj_client.ServerError):
        client.upsert(JOBS, "JOB-1", {"description": "x"})
    with pytest.raises(fsj_client.ServerError):
        client.delete(JOBS, 5)
    assert len(adapter.sent) == 4 and sleeps == []
    client, adapter, sleeps = make_client(lambda sent: requests.ConnectionError("reset"))
    with pytest.raises(fsj_client.TransportError):
        client.update(JOBS, 5, {"description": "x"})
    assert len(adapter.sent) == 1
    # a GET's connection errors and timeouts are retried, then raised as TransportError
    client, adapter, sleeps = make_client(lambda sent: requests.Timeout("slow"), max_retries=2)
    with pytest.raises(fsj_client.TransportError):
        client.get(JOBS, 5)
    assert len(adapter.sent) == 3 and len(sleeps) == 2
    # a broken answer too; other transport failures are raised at once
    client, adapter, sleeps = make_client(
        [requests.exceptions.ChunkedEncodingError("cut"), (200, {"fsm.order": JOB}, {"ETag": '"e"'})]
    )
    assert client.get(JOBS, 5) == JOB and len(adapter.sent) == 2
    client, adapter, sleeps = make_client(lambda sent: requests.exceptions.InvalidHeader("bad"))
    with pytest.raises(fsj_client.TransportError):
        client.get(JOBS, 5)
    assert len(adapter.sent) == 1 and sleeps == []


def test_a_429_is_retried_for_every_method():
    # the server refuses a request over the rate limit before running it
    client, adapter, sleeps = make_client(
        [error(429, "rate_limited", headers={"Retry-After": "2"}), (200, {"fsm.order": JOB}, {"ETag": '"e2"'})]
    )
    assert client.update(JOBS, 5, {"description": "x"}).etag == '"e2"'
    assert [s.method for s in adapter.sent] == ["PATCH", "PATCH"] and sleeps == [2.0]


def test_answers_that_waiting_does_not_cure_are_not_retried():
    client, adapter, _sleeps = make_client(lambda sent: error(503, "pdf_unavailable"))
    with pytest.raises(fsj_client.ServerError):
        client.report(5)
    assert len(adapter.sent) == 1
    # a wrong key refused too often from this address
    client, adapter, _sleeps = make_client(
        lambda sent: error(429, "too_many_failures", details={"retry_after": 5}, headers={"Retry-After": "5"})
    )
    with pytest.raises(fsj_client.RateLimited) as caught:
        client.search(JOBS)
    assert len(adapter.sent) == 1 and caught.value.retry_after == 5.0


# -- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "unknown_field", fsj_client.BadRequest),
        (401, "invalid_api_key", fsj_client.Unauthorized),
        (403, "access_denied", fsj_client.Forbidden),
        (403, "not_exposed", fsj_client.NotExposed),
        (404, "not_found", fsj_client.NotFound),
        (405, "method_not_allowed", fsj_client.MethodNotAllowed),
        (409, "workflow_conflict", fsj_client.WorkflowConflict),
        (409, "already_checked_in", fsj_client.WorkflowConflict),
        (409, "duplicate_external_ref", fsj_client.Conflict),
        (410, "cursor_expired", fsj_client.Gone),
        (412, "precondition_failed", fsj_client.PreconditionFailed),
        (413, "batch_too_large", fsj_client.PayloadTooLarge),
        (415, "unsupported_media_type", fsj_client.UnsupportedMediaType),
        (422, "invalid_value", fsj_client.ValidationFailed),
        (429, "rate_limited", fsj_client.RateLimited),
        (500, "internal_error", fsj_client.ServerError),
        (418, "teapot", fsj_client.ApiError),
    ],
)
def test_errors_map_to_classes(status, code, cls):
    details = {"index": 3, "field": "partner_id"}
    answers = [error(status, code, "Record 3: bad", details, {"X-Request-Id": "abc123"})]
    client, _adapter, _ = make_client(answers, max_retries=0)
    with pytest.raises(cls) as caught:
        client.create_many(JOBS, [{}] * 4, idempotency_key=False)
    exc = caught.value
    assert type(exc) is cls and isinstance(exc, fsj_client.ApiError) and isinstance(exc, fsj_client.FsjClientError)
    assert (exc.status, exc.code, exc.message, exc.details) == (status, code, "Record 3: bad", details)
    assert exc.request_id == "abc123" and exc.index == 3
    assert str(exc) == f"{status} {code}: Record 3: bad (request abc123)"
    if cls is fsj_client.NotExposed:
        assert isinstance(exc, fsj_client.Forbidden)
    if cls is fsj_client.WorkflowConflict:
        assert isinstance(exc, fsj_client.Conflict)


def test_an_error_without_the_api_body():
    client, _adapter, _ = make_client([(404, b"<html>Not Found</html>", {"Content-Type": "text/html"})])
    with pytest.raises(fsj_client.NotFound) as caught:
        client.get(JOBS, 5)
    assert caught.value.code == "http_404" and "Not Found" in caught.value.message and caught.value.details == {}


# -- pagination -----------------------------------------------------------------------------------------------
def paged_server(count, total_header=True):
    """A model of ``count`` records, paged as the server pages (offset or start_after_id)."""
    rows = [{"id": i, "name": f"FSM{i:05d}"} for i in range(1, count + 1)]

    def answer(sent):
        limit = int(sent.query.get("limit", 100))
        headers = {"X-Total-Count": str(count)} if total_header else {}
        if "start_after_id" in sent.query:
            after = int(sent.query["start_after_id"])
            page = [r for r in rows if r["id"] > after][:limit]
            if len(page) == limit:
                headers["X-Next-Start-After-Id"] = str(page[-1]["id"])
        else:
            offset = int(sent.query.get("offset", 0))
            page = rows[offset : offset + limit]
        return (200, {"fsm.order": page}, headers)

    return answer, rows


def test_iter_records_with_offsets():
    answer, rows = paged_server(250)
    client, adapter, _ = make_client(answer)
    found = list(client.iter_records(JOBS, [("stage_id", "=", "new")], ["name"], page_size=100))
    assert found == rows
    assert [s.query["offset"] for s in adapter.sent] == ["0", "100", "200"]
    assert {s.query["order"] for s in adapter.sent} == {"id"}  # pages that do not overlap
    assert {s.query["fields"] for s in adapter.sent} == {"name"}
    # a last page that is exactly full: X-Total-Count ends it without an empty request
    answer, rows = paged_server(200)
    client, adapter, _ = make_client(answer)
    assert len(list(client.iter_records("fsm.order", page_size=100, order="name desc"))) == 200
    assert len(adapter.sent) == 2 and adapter.sent[0].query["order"] == "name desc"


def test_iter_records_with_keyset():
    answer, rows = paged_server(250)
    client, adapter, _ = make_client(answer)
    found = list(client.iter_records(JOBS, page_size=100, mode="keyset"))
    assert found == rows
    assert [s.query["start_after_id"] for s in adapter.sent] == ["0", "100", "200"]
    assert all("offset" not in s.query for s in adapter.sent)
    with pytest.raises(ValueError):
        next(client.iter_records(JOBS, mode="keyset", order="name"))
    with pytest.raises(ValueError):
        next(client.iter_records(JOBS, mode="pages"))


def test_count_reads_the_total():
    client, adapter, _ = make_client([(200, {"fsm.order": [JOB]}, {"X-Total-Count": "42"})])
    assert client.count(JOBS, [("stage_id", "=", "new")]) == 42
    assert adapter.sent[0].query["limit"] == "1"


# -- optimistic concurrency ------------------------------------------------------------------------------------
def test_update_sends_the_etag_it_read():
    client, adapter, _ = make_client(
        [
            (200, {"fsm.order": JOB}, {"ETag": '"v1"'}),
            (200, {"fsm.order": dict(JOB, description="x")}, {"ETag": '"v2"'}),
            (200, {"fsm.order": JOB}, {"ETag": '"v3"'}),
            (200, {"fsm.order": JOB}, {"ETag": '"v4"'}),
        ]
    )
    job = client.get(JOBS, 5)
    assert fsj_client.etag_of(job) == '"v1"'
    updated = client.update(JOBS, job, {"description": "x"})
    assert adapter.sent[1].method == "PATCH" and adapter.sent[1].path == "/object/fsm.order/5"
    assert adapter.sent[1].headers["If-Match"] == '"v1"' and adapter.sent[1].json() == {"description": "x"}
    assert updated.etag == '"v2"'
    client.update(JOBS, 5, {"description": "y"}, etag='"v2"')  # an etag given
    assert adapter.sent[2].headers["If-Match"] == '"v2"'
    client.update(JOBS, {"id": 5}, {"description": "z"})  # a plain dict (or a list's row): no If-Match
    assert "If-Match" not in adapter.sent[3].headers


def test_a_stale_etag_raises_precondition_failed_with_the_current_one():
    current = '"v9"'
    client, adapter, _ = make_client(
        [error(412, "precondition_failed", "fsm.order 5 changed since you read it", {"etag": current})]
    )
    with pytest.raises(fsj_client.PreconditionFailed) as caught:
        client.update(JOBS, 5, {"description": "x"}, etag='"v1"')
    assert caught.value.current_etag == current and caught.value.status == 412
    assert len(adapter.sent) == 1


def test_delete_and_call_send_if_match():
    record = fsj_client.Record(JOB, etag='"v1"')
    client, adapter, _ = make_client(
        [
            (200, {"fsm.order": dict(JOB, stage_id=[5, "In Progress"])}, {"ETag": '"v2"'}),
            (200, {"fsm.order": {"id": 5, "deleted": True}}),
        ]
    )
    started = client.start(record, date_start="2026-12-01 09:15:00")
    sent = adapter.sent[0]
    assert (sent.method, sent.path) == ("POST", "/object/fsm.order/5/action_start")
    assert sent.json() == {"date_start": "2026-12-01 09:15:00"} and sent.headers["If-Match"] == '"v1"'
    assert "Idempotency-Key" in sent.headers and started.etag == '"v2"'
    assert client.delete(JOBS, started) == {"id": 5, "deleted": True}
    assert adapter.sent[1].method == "DELETE" and adapter.sent[1].headers["If-Match"] == '"v2"'


def test_workflow_shortcuts():
    def answer(sent):
        return (200, {sent.path.split("/")[2]: JOB}, {"ETag": '"e"'})

    client, adapter, _ = make_client(answer)
    client.complete(5)
    client.cancel(5)
    client.check_in(5, location={"lat": 48.85, "lng": 2.35})
    client.check_out(5, complete=True)
    client.call("fsm.webhook", 3, "action_send_test")
    assert [(s.path, s.json()) for s in adapter.sent] == [
        ("/object/fsm.order/5/action_complete", {}),
        ("/object/fsm.order/5/action_cancel", {}),
        ("/object/fsm.order/5/check_in", {"location": {"lat": 48.85, "lng": 2.35}}),
        ("/object/fsm.order/5/check_out", {"complete": True}),
        ("/object/fsm.webhook/3/action_send_test", {}),
    ]


# -- upserts and bulk writes ---------------------------------------------------------------------------------
def test_upsert_request_shapes():
    client, adapter, _ = make_client(
        [
            (201, {"fsm.order": dict(JOB, external_ref="JOB-1")}, {"ETag": '"e1"'}),
            (200, {"fsm.order": dict(JOB, external_ref="JOB-1")}, {"ETag": '"e2"'}),
        ]
    )
    values = {"customer": {"ref": "CUST-42", "email": "erica@example.com"}, "scheduled_date_start": "2026-12-15"}
    created = client.upsert(JOBS, "JOB-1", values, fields=["name", "external_ref"])
    updated = client.upsert(JOBS, "JOB-1", {"description": "x"}, etag='"e1"')
    first, second = adapter.sent
    assert (first.method, first.path, first.json()) == ("PUT", "/object/fsm.order/ref:JOB-1", values)
    assert first.query["fields"] == "name,external_ref" and "If-Match" not in first.headers
    assert second.headers["If-Match"] == '"e1"'
    assert created.created and created.status == 201 and not updated.created and updated.etag == '"e2"'


def test_bulk_request_shapes():
    rows = [{"id": 1, "result": "created"}, {"id": 2, "result": "updated", "previous": {"description": "old"}}]
    client, adapter, _ = make_client(
        [
            (200, {"res.partner": rows}),
            (200, {"fsm.order": [{"id": 1}, {"id": 2}]}),
            (200, {"fsm.order": [{"id": 1, "deleted": True}, {"id": 2, "deleted": True}]}),
            (200, {"fsm.order": [{"id": 3, "deleted": True}]}),
            (201, {"fsm.order": [{"id": 8}, {"id": 9}]}),
        ]
    )
    upserted = client.upsert_many(
        "res.partner", [{"external_ref": "C-1", "name": "A"}, {"external_ref": "C-2", "name": "B"}]
    )
    assert [r["result"] for r in upserted] == ["created", "updated"] and upserted[0].created
    assert upserted[1]["previous"] == {"description": "old"}
    client.update_many(JOBS, [{"id": 1, "etag": '"e"', "priority": "1"}, {"ref": "JOB-2", "priority": "0"}])
    client.delete_many(JOBS, [1, 2])
    client.delete_many(JOBS, items=[{"id": 3, "etag": '"e3"'}])
    created = client.create_many(JOBS, [{"partner_id": 7}, {"partner_id": 8}])
    put, patch, delete_ids, delete_items, post = adapter.sent
    assert (put.method, put.path) == ("PUT", "/object/res.partner")
    assert put.json() == [{"external_ref": "C-1", "name": "A"}, {"external_ref": "C-2", "name": "B"}]
    assert (patch.method, patch.path) == ("PATCH", "/object/fsm.order")
    assert patch.json() == [{"id": 1, "etag": '"e"', "priority": "1"}, {"ref": "JOB-2", "priority": "0"}]
    assert (delete_ids.method, delete_ids.path, json.loads(delete_ids.query["ids"])) == (
        "DELETE",
        "/object/fsm.order",
        [1, 2],
    )
    assert delete_items.json() == [{"id": 3, "etag": '"e3"'}] and not delete_items.query
    assert post.method == "POST" and post.json() == [{"partner_id": 7}, {"partner_id": 8}]
    assert "Idempotency-Key" in post.headers and [r["id"] for r in created] == [8, 9]
    with pytest.raises(ValueError):
        client.delete_many(JOBS)


def test_a_batch_error_names_its_index():
    client, _adapter, _ = make_client([error(422, "invalid_value", "Record 1: no such customer", {"index": 1})])
    with pytest.raises(fsj_client.ValidationFailed) as caught:
        client.upsert_many(JOBS, [{"external_ref": "A"}, {"external_ref": "B", "partner_id": {"ref": "nobody"}}])
    assert caught.value.index == 1


# -- the change feed -------------------------------------------------------------------------------------------
def feed_server(pages):
    """Pages of the feed by the cursor asked (None: the first)."""

    def answer(sent):
        return (200, pages[sent.query.get("cursor")])

    return answer


FEED = {
    None: {"changes": [{"op": "upsert", "id": 1, "record": {"id": 1}}], "cursor": "c1", "has_more": True},
    "c1": {
        "changes": [{"op": "upsert", "id": 2, "record": {"id": 2}}, {"op": "delete", "id": 1}],
        "cursor": "c2",
        "has_more": False,
    },
    "c2": {"changes": [], "cursor": "c2", "has_more": False},
}


def test_change_feed_iterates_until_no_more():
    client, adapter, _ = make_client(feed_server(FEED))
    feed = client.changes(JOBS, limit=500, fields=["name", "stage_id"])
    assert [(c["op"], c["id"]) for c in feed] == [("upsert", 1), ("upsert", 2), ("delete", 1)]
    assert feed.cursor == "c2" and feed.has_more is False
    assert [s.path for s in adapter.sent] == ["/changes/fsm.order"] * 2
    assert [s.query.get("cursor") for s in adapter.sent] == [None, "c1"]
    assert adapter.sent[0].query["limit"] == "500" and adapter.sent[0].query["fields"] == "name,stage_id"
    # later: from the stored cursor
    again = client.changes("fsm.order", feed.cursor)
    assert list(again) == [] and again.cursor == "c2"


def test_change_feed_cursor_moves_only_past_consumed_pages():
    client, _adapter, _ = make_client(feed_server(FEED))
    feed = client.changes(JOBS)
    for change in feed:
        if change["id"] == 2:
            break  # the second page is not consumed: resuming reads it again
    assert feed.cursor == "c1"
    pages = list(client.changes(JOBS, "c1").pages())
    assert [p["cursor"] for p in pages] == ["c2"]


def test_change_feed_follow_polls():
    polls = []

    def answer(sent):  # nothing new for two polls, then a change
        polls.append(sent.query["cursor"])
        if len(polls) < 3:
            return (200, {"changes": [], "cursor": "c2", "has_more": False})
        return (200, {"changes": [{"op": "upsert", "id": 9, "record": {"id": 9}}], "cursor": "c3", "has_more": False})

    client, _adapter, sleeps = make_client(answer)
    feed = client.changes(JOBS, "c2", follow=True, poll_interval=2.5)
    assert next(iter(feed))["id"] == 9
    assert polls == ["c2", "c2", "c2"] and sleeps == [2.5, 2.5]


def test_change_feed_expired_cursor():
    client, _adapter, _ = make_client([error(410, "cursor_expired")])
    with pytest.raises(fsj_client.Gone):
        list(client.changes(JOBS, "old"))


# -- dashboard, OpenAPI, files -----------------------------------------------------------------------------
def test_dashboard_openapi_and_files(tmp_path):
    photo = tmp_path / "meter.jpg"
    photo.write_bytes(b"\xff\xd8\xff photo")
    attachment = {"id": 7, "name": "meter.jpg", "mimetype": "image/jpeg", "size": 11}
    client, adapter, _ = make_client(
        [
            (200, {"date": "2026-12-01", "stages": [], "today_count": 0, "jobs": []}),
            (200, {"openapi": "3.0.3", "paths": {}}),
            (201, {"attachments": [attachment, dict(attachment, id=8, name="note.txt")]}),
            (200, {"attachments": [attachment]}),
            (200, b"\xff\xd8\xff photo", {"Content-Type": "image/jpeg"}),
            (200, b"\xff\xd8\xff photo", {"Content-Type": "image/jpeg"}),
            (200, {"attachment": {"id": 7, "deleted": True}}),
        ]
    )
    assert client.dashboard(datetime.date(2026, 12, 1))["date"] == "2026-12-01"
    assert adapter.sent[0].path == "/fsm/dashboard" and adapter.sent[0].query == {"date": "2026-12-01"}
    assert client.openapi()["openapi"] == "3.0.3"
    uploaded = client.upload(JOBS, 42, [photo, ("note.txt", b"hello", "text/plain")])
    upload = adapter.sent[2]
    assert (upload.method, upload.path) == ("POST", "/object/fsm.order/42/attachments")
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="meter.jpg"' in upload.raw and b"\xff\xd8\xff photo" in upload.raw
    assert b'filename="note.txt"' in upload.raw and b"Content-Type: text/plain" in upload.raw
    assert "Idempotency-Key" in upload.headers and [a["id"] for a in uploaded] == [7, 8]
    assert client.attachments(JOBS, 42) == [attachment]
    assert client.download(JOBS, 42, 7) == b"\xff\xd8\xff photo"
    out = tmp_path / "copy.jpg"
    with out.open("wb") as handle:
        client.download(JOBS, 42, 7, out=handle)
    assert out.read_bytes() == b"\xff\xd8\xff photo"
    assert client.delete_attachment(JOBS, 42, 7) == {"id": 7, "deleted": True}
    assert [s.path for s in adapter.sent[3:]] == ["/object/fsm.order/42/attachments"] + [
        "/object/fsm.order/42/attachments/7"
    ] * 3


def test_the_package_is_typed():
    package = CLIENT_SRC / "fsj_client"
    assert (package / "py.typed").exists()
    assert fsj_client.Job.__total__ is False and "partner_id" in fsj_client.Job.__annotations__
    assert JOBS.name == "fsm.order" and fsj_client.CUSTOMERS.name == "res.partner"
