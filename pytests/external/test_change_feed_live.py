"""The change feed against the live multi-worker server: a full read then changes and a tombstone, and
the feed held back behind a transaction that is still running (opened here with psycopg2 on the
server's database), so that a change it commits later cannot land behind a reader's cursor."""

import os

import psycopg2
import pytest


def _read_all(api, cursor=None, **params):
    """Every page from ``cursor``: (changes, last cursor)."""
    changes = []
    while True:
        resp = api.get("/changes/fsm.order", params=dict(params, **({"cursor": cursor} if cursor else {})))
        assert resp.status_code == 200, resp.text
        page = resp.json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def _job(api, customer, **body):
    resp = api.post("/object/fsm.order", json={"partner_id": customer["id"], **body})
    assert resp.status_code == 201, resp.text
    return resp.json()["fsm.order"]


def test_full_read_then_changes_and_tombstones(api, factories):
    customer = factories.customer()
    jobs = [_job(api, customer) for _ in range(3)]
    changes, cursor = _read_all(api, limit=50, fields="['name','description']")
    seen = {c["id"] for c in changes if c["op"] == "upsert"}
    assert {j["id"] for j in jobs} <= seen
    assert not _read_all(api, cursor)[0], "a cursor at the end answers no change"

    assert api.put(f"/object/fsm.order/{jobs[0]['id']}", json={"description": "<p>one</p>"}).status_code == 200
    assert api.put(f"/object/fsm.order/{jobs[0]['id']}", json={"description": "<p>two</p>"}).status_code == 200
    assert api.delete(f"/object/fsm.order/{jobs[1]['id']}").status_code == 200
    new = _job(api, customer)
    changes, cursor = _read_all(api, cursor, fields="['description']")
    mine = [c for c in changes if c["id"] in {jobs[0]["id"], jobs[1]["id"], new["id"]}]
    assert [(c["op"], c["id"]) for c in mine] == [
        ("upsert", jobs[0]["id"]),
        ("delete", jobs[1]["id"]),
        ("upsert", new["id"]),
    ]
    assert mine[0]["record"]["description"] == "<p>two</p>"


@pytest.fixture
def db():
    conn = psycopg2.connect(dbname=os.environ["FSJ_DB"], host=os.environ.get("PGHOST") or None)
    yield conn
    conn.close()


def test_feed_waits_for_a_transaction_still_running(api, factories, db):
    customer = factories.customer()
    job_a, job_b = _job(api, customer), _job(api, customer)
    _changes, cursor = _read_all(api)

    # an earlier transaction: it holds a transaction id (and job A's row) and has not committed
    slow = db.cursor()
    slow.execute("SELECT txid_current()")
    slow.execute("UPDATE fsm_order SET description = '<p>slow</p>' WHERE id = %s", (job_a["id"],))
    try:
        # a later one commits job B's change
        assert api.put(f"/object/fsm.order/{job_b['id']}", json={"description": "<p>fast</p>"}).status_code == 200
        held, _held_cursor = _read_all(api, cursor)
        assert not [c for c in held if c["id"] == job_b["id"]], (
            "the feed moved past a transaction still running: a change it commits would be skipped"
        )
    finally:
        db.rollback()
    changes, _cursor = _read_all(api, cursor, fields="['description']")
    [change_b] = [c for c in changes if c["id"] == job_b["id"]]
    assert change_b["record"]["description"] == "<p>fast</p>"


def test_bad_cursor_and_unexposed_model(api):
    assert api.get("/changes/fsm.order", params={"cursor": "nope"}).json()["error"]["code"] == "invalid_cursor"
    resp = api.get("/changes/res.users")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_model"
    assert api.post("/changes/fsm.order", json={}).status_code == 405
