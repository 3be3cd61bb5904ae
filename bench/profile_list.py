# Where the REST list of 50 jobs spends its CPU beyond the floor's trivial route, in process: the whole
# request through Odoo's WSGI application (auth, dispatch, search, render, JSON), interleaved with the
# trivial route (GET /restapi/1.0/, the floor of bench/run_bench.py), CPU time (time.process_time: the
# machine may be shared), medians; then a cProfile of the list. Run it on a database with jobs (e.g. the
# bench database: `python3 bench/run_bench.py --sizes 10000 --keep-db`) and an API key of admin's:
#   FSJ_API_KEY=<key> [FSJ_N=300] [FSJ_PROFILE=1] [FSJ_OUT=/tmp/list.json] odoo-bin shell -d fsj_bench ... \
#       < bench/profile_list.py
# FSJ_OUT keeps the list's answer: compare the bytes before and after a change (the answer must not move).
import cProfile
import datetime
import io
import os
import pstats
import statistics
import time

from werkzeug.test import Client

import odoo

FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id"]
N = int(os.environ.get("FSJ_N", "300"))
client = Client(odoo.http.root)
headers = {"X-API-Key": os.environ["FSJ_API_KEY"]}
stages = {s.code: s.id for s in env["fsm.stage"].search([]) if s.code}  # noqa: F821
day = datetime.date.today().isoformat()
domain = [
    ("scheduled_date_start", ">=", f"{day} 00:00:00"),
    ("stage_id", "not in", [stages["completed"], stages["cancelled"]]),
]
params = {"domain": str(domain), "fields": str(FIELDS), "order": "scheduled_date_start", "limit": 50}
env.cr.rollback()  # noqa: F821  (the requests run in transactions of their own)


def rest_list():
    resp = client.get("/restapi/1.0/object/fsm.order", query_string=params, headers=headers)
    if resp.status_code != 200:
        raise RuntimeError(f"the list answered {resp.status_code}: {resp.data[:300]!r}")
    return resp


def trivial():
    client.get("/restapi/1.0/", headers=headers)


for _i in range(10):  # warm: caches, as on a running server
    rest_list()
    trivial()
if os.environ.get("FSJ_OUT"):
    with open(os.environ["FSJ_OUT"], "wb") as out:
        out.write(rest_list().data)
cpu = {"list": [], "trivial": []}
for i in range(N):
    pairs = (("list", rest_list), ("trivial", trivial))
    for name, fn in pairs if i % 2 else pairs[::-1]:
        t0 = time.process_time()
        fn()
        cpu[name].append((time.process_time() - t0) * 1000)
med = {name: statistics.median(values) for name, values in cpu.items()}
print(f"CPU per request, medians of {N}: list {med['list']:.2f} ms, trivial route {med['trivial']:.2f} ms")
if os.environ.get("FSJ_PROFILE"):
    profiler = cProfile.Profile()
    profiler.enable()
    for _i in range(100):
        rest_list()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(50)
        print(text.getvalue())
