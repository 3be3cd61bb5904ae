"""Check-in / check-out (issue 13) against the live server: a technician's visit from a phone, as an
integrator makes it. The job's site gets coordinates over XML-RPC; everything else goes through the
REST API."""

import datetime

SITE = {"partner_latitude": 45.764043, "partner_longitude": 4.835659}
ON_SITE = {"lat": 45.76445, "lng": 4.835659, "accuracy": 8.5}  # ~45 m north of the site
FAR = {"lat": 45.7730, "lng": 4.835659, "accuracy": 20}  # ~1 km north of the site


def _utc(delta_minutes, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return (now + datetime.timedelta(minutes=delta_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _orm(moment):
    """An API datetime as the API answers it: 'YYYY-MM-DD HH:MM:SS' (UTC)."""
    return moment.replace("T", " ").rstrip("Z")


def _site_located_job(rpc, factories):
    job = factories.job()
    [read] = rpc("fsm.order", "read", [job["id"]], fields=["location_id"])
    [location] = rpc("fsm.location", "read", [read["location_id"][0]], fields=["partner_id"])
    rpc("res.partner", "write", [location["partner_id"][0]], SITE)
    return job["id"]


def _visits(api, job_id):
    resp = api.get(
        "/object/fsm.order.time.log",
        params={"domain": str([("order_id", "=", job_id)]), "order": "check_in"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Total-Count"] == str(len(resp.json()["fsm.order.time.log"]))
    return resp.json()["fsm.order.time.log"]


def test_check_in_then_out_completes_the_job(api, rpc, factories, stages):
    job_id = _site_located_job(rpc, factories)
    path = f"/object/fsm.order/{job_id}"
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    arrived, left = _utc(-90, now), _utc(-30, now)
    checked_in = api.post(f"{path}/check_in", json={"location": ON_SITE, "at": arrived})
    assert checked_in.status_code == 200, checked_in.text
    job = checked_in.json()["fsm.order"]
    assert job["stage_id"][0] == stages["in_progress"]
    assert job["date_start"] == _orm(arrived)
    [visit] = _visits(api, job_id)
    assert visit["check_out"] is None
    assert visit["check_in_located"] and visit["site_located"]
    assert 30 < visit["check_in_distance"] < 60
    assert visit["far_from_site"] is False
    # checked in already: refused, nothing written
    again = api.post(f"{path}/check_in", json={"location": ON_SITE})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in", again.text
    assert len(_visits(api, job_id)) == 1

    checked_out = api.post(f"{path}/check_out", json={"location": FAR, "at": left, "complete": True})
    assert checked_out.status_code == 200, checked_out.text
    job = checked_out.json()["fsm.order"]
    assert job["stage_id"][0] == stages["completed"]
    assert job["date_end"] == _orm(left)
    assert job["effective_duration"] == 1.0
    [visit] = _visits(api, job_id)
    assert visit["duration"] == 1.0
    assert 950 < visit["check_out_distance"] < 1050
    assert visit["far_from_site"] is True  # checked out 1 km away (the flag is at 500 m by default)
    fetched = api.get(path, params={"fields": "['time_log_ids','stage_id']"}).json()["fsm.order"]
    assert fetched["time_log_ids"] == [visit["id"]]
    # a completed job: nobody checks in any more
    late = api.post(f"{path}/action_check_in", json={})
    assert late.status_code == 409 and late.json()["error"]["code"] == "workflow_conflict", late.text


def test_bad_location_and_future_time_write_nothing(api, rpc, factories, stages):
    job_id = _site_located_job(rpc, factories)
    path = f"/object/fsm.order/{job_id}"
    for body in (
        {"location": {"lat": 123, "lng": 4.8}},
        {"location": [45.7, 4.8]},
        {"location": {"lat": 45.7, "lng": 4.8, "accuracy": -3}},
        {"at": _utc(60)},
    ):
        resp = api.post(f"{path}/check_in", json=body)
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["code"] == "invalid_value"
    out = api.post(f"{path}/check_out", json={})
    assert out.status_code == 409 and out.json()["error"]["code"] == "not_checked_in", out.text
    assert _visits(api, job_id) == []
    job = api.get(path, params={"fields": "['stage_id']"}).json()["fsm.order"]
    assert job["stage_id"][0] == stages["new"]
