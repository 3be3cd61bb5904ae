"""The API examples of README.rst ("API reference > Examples"), with this database's ids."""


def test_readme_examples(api, rpc, factories, stages):
    customer = factories.customer()
    # POST a job with a customer, a start and a job type code
    resp = api.post(
        "/object/fsm.order",
        json={"partner_id": customer["id"], "scheduled_date_start": "2025-12-15 09:00:00", "type": "install"},
    )
    assert resp.status_code == 201, resp.text
    job = resp.json()["fsm.order"]
    assert job["type"] == "install" and job["fsm_type"] == "install"
    # GET the scheduled jobs, stage given by code
    tech = factories.technician()
    api.put(f"/object/fsm.order/{job['id']}", json={"person_id": tech["id"]}).raise_for_status()
    resp = api.get(
        "/object/fsm.order",
        params={
            "domain": "[('stage_id','=','scheduled')]",
            "fields": "['name','partner_id','scheduled_date_start','person_id']",
            "order": "scheduled_date_start",
        },
    )
    rows = resp.json()["fsm.order"]
    assert job["id"] in [r["id"] for r in rows]
    assert [r["id"] for r in rows] == rpc(
        "fsm.order", "search", [("stage_id", "=", stages["scheduled"])], order="scheduled_date_start"
    )
    # PUT the Completed stage by code with the actual end
    resp = api.put(f"/object/fsm.order/{job['id']}", json={"stage_id": "completed", "date_end": "2025-12-13 11:30:00"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["fsm.order"]["stage_id"][0] == stages["completed"]
    assert rpc("fsm.order", "read", [job["id"]], fields=["date_end"])[0]["date_end"] == "2025-12-13 11:30:00"
    # the dashboard of a day
    resp = api.get("/fsm/dashboard", params={"date": "2025-12-15"})
    assert job["id"] in [j["id"] for j in resp.json()["jobs"]]
