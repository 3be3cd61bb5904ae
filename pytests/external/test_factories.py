"""The XML-RPC factories of conftest.py: build() writes nothing, create() answers what the server stored."""

import uuid


def test_build_writes_nothing(rpc, factories):
    marker = f"Built {uuid.uuid4().hex[:10]}"
    job = factories.job.build(description=marker, partner_id__name=marker)
    assert "id" not in job and "id" not in job["partner_id"]
    assert job["partner_id"]["name"] == marker
    assert rpc("res.partner", "search_count", [("name", "=", marker)]) == 0
    assert rpc("fsm.order", "search_count", [("description", "ilike", marker)]) == 0


def test_create_answers_what_the_server_stored(rpc, factories):
    job = factories.job(description="stored as html")
    assert job["description"] == "<p>stored as html</p>"  # sanitized by the server
    [partner] = rpc("res.partner", "read", [job["partner_id"][0]], fields=["display_name"])
    assert job["partner_id"] == [partner["id"], partner["display_name"]]


def test_sub_factories_use_the_same_connection(rpc, factories):
    site = factories.location()
    [stored] = rpc("fsm.location", "read", [site["id"]], fields=["owner_id"])
    assert site["owner_id"] == stored["owner_id"] and site["owner_id"][1].startswith("Ext Customer")
