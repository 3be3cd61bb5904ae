# Run by bench/run_bench.py through `odoo-bin shell` (stdin). Grows the database to FSJ_BENCH_SIZE jobs:
# customers with addresses (and their service locations), technicians, job types, stages and schedules
# spread over six months. ORM batch creates, no tracking or chatter: realistic rows, fast.
import os
import random
from datetime import datetime, timedelta

target = int(os.environ["FSJ_BENCH_SIZE"])
rnd = random.Random(target)
ctx = dict(tracking_disable=True, mail_create_nolog=True, mail_notrack=True, mail_create_nosubscribe=True)
env = env(context=dict(env.context, **ctx))  # noqa: F821
Order = env["fsm.order"]
have = Order.search_count([])
if have < target:
    persons = env["fsm.person"].search([], limit=40)
    if len(persons) < 20:
        persons |= env["fsm.person"].create([{"name": f"Bench Technician {i}"} for i in range(20)])
    customers = env["res.partner"].search([("name", "=like", "Bench Customer %")])
    want_customers = max(50, target // 20)
    if len(customers) < want_customers:
        customers |= env["res.partner"].create(
            [
                {"name": f"Bench Customer {i}", "street": f"{i} Bench Road", "city": "Benchville", "zip": "10001"}
                for i in range(len(customers), want_customers)
            ]
        )
    locations = {}
    for loc in env["fsm.location"].search([("partner_id", "in", customers.ids)]):
        locations[loc.partner_id.id] = loc.id
    missing = [c for c in customers if c.id not in locations]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        locs = env["fsm.location"].create([{"partner_id": c.id, "owner_id": c.id} for c in chunk])
        locations.update({loc.partner_id.id: loc.id for loc in locs})
    stages = {s.code: s.id for s in env["fsm.stage"].search([("code", "!=", False), ("stage_type", "=", "order")])}
    types = env["fsm.order.type"].search([("code", "in", ["install", "service"])]).ids
    now = datetime.now().replace(minute=0, second=0, microsecond=0)
    batch = []
    for n in range(have, target):
        customer = customers[rnd.randrange(len(customers))]
        start = now + timedelta(days=rnd.randint(-150, 30), hours=rnd.randint(-4, 8))
        codes = ["new", "scheduled", "in_progress", "completed", "cancelled"]
        stage = rnd.choices(codes, weights=[10, 15, 5, 60, 10])[0] if start < now else "scheduled"
        vals = {
            "partner_id": customer.id,
            "location_id": locations[customer.id],
            "type": rnd.choice(types),
            "person_id": persons[rnd.randrange(len(persons))].id,
            "scheduled_date_start": start,
            "scheduled_duration": rnd.choice([1.0, 2.0, 3.0, 4.0]),
            "stage_id": stages[stage],
            "description": f"Bench job {n}",
        }
        if stage in ("in_progress", "completed"):
            vals["date_start"] = start
        if stage == "completed":
            vals["date_end"] = start + timedelta(hours=rnd.choice([1.0, 2.25, 3.5]))
        batch.append(vals)
        if len(batch) == 1000:
            Order.create(batch)
            batch = []
            env.cr.commit()
    if batch:
        Order.create(batch)
    env.cr.commit()
print("FSJ-BENCH-SIZE", Order.search_count([]))
