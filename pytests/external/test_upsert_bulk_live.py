"""Upserts by external reference and bulk writes against the live multi-worker server: concurrent
upserts of one reference make one record, a batch upsert re-run changes nothing, a bulk update or delete
that fails on one item leaves every record as it was (checked over XML-RPC)."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor


def test_concurrent_upserts_of_one_ref_make_one_record(rpc, factories, make_api, server_url):
    customer = factories.customer()
    ref = f"RACE-{uuid.uuid4().hex[:8]}"
    barrier = threading.Barrier(6)

    def put(n):
        session = make_api(server_url)
        barrier.wait()
        resp = session.put(
            f"/object/fsm.order/ref:{ref}",
            json={"partner_id": customer["id"], "description": f"<p>writer {n}</p>"},
            params={"fields": "external_ref"},
        )
        return resp.status_code, resp.json()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(put, range(6)))
    statuses = sorted(status for status, _body in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 5, results
    ids = {body["fsm.order"]["id"] for _status, body in results}
    assert len(ids) == 1
    assert rpc("fsm.order", "search", [("external_ref", "=", ref)]) == list(ids)


def test_batch_upsert_rerun_and_delta(api, rpc, factories):
    customer = factories.customer()
    marker = uuid.uuid4().hex[:8]
    rows = [
        {"external_ref": f"{marker}-{i}", "partner_id": customer["id"], "description": f"<p>job {i}</p>"}
        for i in range(300)
    ]
    started = time.monotonic()
    resp = api.put("/object/fsm.order", json=rows, params={"fields": "external_ref"})
    elapsed = time.monotonic() - started
    assert resp.status_code == 200, resp.text
    answer = resp.json()["fsm.order"]
    assert [r["result"] for r in answer] == ["created"] * 300
    assert [r["external_ref"] for r in answer] == [r["external_ref"] for r in rows]
    print(f"batch upsert: 300 new jobs in {elapsed:.2f} s")
    # the same rows again: nothing changes; one changed row: only that one is updated
    again = api.put("/object/fsm.order", json=rows, params={"fields": "id"}).json()["fsm.order"]
    assert {r["result"] for r in again} == {"unchanged"}
    rows[7]["description"] = "<p>changed</p>"
    delta = api.put("/object/fsm.order", json=rows, params={"fields": "id"}).json()["fsm.order"]
    assert [i for i, r in enumerate(delta) if r["result"] != "unchanged"] == [7]
    assert delta[7]["previous"] == {"description": "<p>job 7</p>"}
    found = rpc("fsm.order", "search_read", [("external_ref", "like", f"{marker}-")], fields=["description"])
    assert len(found) == 300


def test_bulk_update_failing_item_changes_nothing(api, rpc, factories):
    customer = factories.customer()
    jobs = [
        api.post("/object/fsm.order", json={"partner_id": customer["id"], "description": f"<p>keep {i}</p>"}).json()[
            "fsm.order"
        ]
        for i in range(3)
    ]
    body = [{"id": job["id"], "description": "<p>bulk</p>"} for job in jobs]
    body[2]["scheduled_date_start"] = "not a date"
    resp = api.request("PATCH", "/object/fsm.order", json=body)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["details"]["index"] == 2
    rows = rpc("fsm.order", "read", [job["id"] for job in jobs], ["description"])
    assert [r["description"] for r in rows] == [f"<p>keep {i}</p>" for i in range(3)]
    body[2].pop("scheduled_date_start")
    assert api.request("PATCH", "/object/fsm.order", json=body).status_code == 200
    resp = api.delete("/object/fsm.order", params={"ids": str([job["id"] for job in jobs])})
    assert resp.status_code == 200, resp.text
    assert rpc("fsm.order", "search", [("id", "in", [job["id"] for job in jobs])]) == []
