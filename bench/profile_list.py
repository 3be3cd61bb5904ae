# Profile of a REST list of 50 jobs against Odoo's search_read, in-process, with pyinstrument. Run it on a
# database with jobs (e.g. the bench database: `python3 bench/run_bench.py --sizes 10000 --keep-db`):
#   odoo-bin shell -d fsj_bench --addons-path=... < bench/profile_list.py
import time

from pyinstrument import Profiler

from odoo.addons.fieldservice_jobs.restapi import service

FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id"]
N = 300
user_env = env(user=env.ref("base.user_admin"))  # noqa: F821
exposed = user_env["res.config.settings"]._fsm_jobs_api_models()
domain = [("scheduled_date_start", ">=", "2020-01-01 00:00:00"), ("stage_id", "not in", ["completed", "cancelled"])]
orm_domain = [
    ("scheduled_date_start", ">=", "2020-01-01 00:00:00"),
    ("stage_id.code", "not in", ["completed", "cancelled"]),
]


def rest():
    user_env.invalidate_all()
    api = service.ModelApi(user_env, "fsm.order", exposed)
    return api.search(domain, FIELDS, 50, 0, [("scheduled_date_start", "asc")])


def rpc():
    user_env.invalidate_all()
    return user_env["fsm.order"].search_read(orm_domain, FIELDS, limit=50, order="scheduled_date_start")


for name, fn in (("rest", rest), ("search_read", rpc)):
    fn()
    t0 = time.perf_counter()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _i in range(N):
        fn()
    profiler.stop()
    print(f"== {name}: {(time.perf_counter() - t0) / N * 1000:.2f} ms per call")
    print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
