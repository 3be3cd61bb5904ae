"""A job's signature and PDF report against the live server: sign with a PNG made here (raw body, then
JSON), read the signature back, fetch the Service Order PDF through the API (both routes) and read
its text with pdftotext: the job's reference, the customer, the signature block.

The PDF needs wkhtmltopdf on the server (else the API answers 503 pdf_unavailable: skipped) and
pdftotext here (else skipped)."""

import base64
import shutil
import struct
import subprocess
import zlib

import pytest

REPORT = "fieldservice.report_fsm_order"


def make_png(width=160, height=48):
    """A small PNG (a white field with a black stroke), written by hand: no imaging library needed."""
    white, black = b"\xff\xff\xff" * width, b"\x00\x00\x00" * width
    rows = b"".join(b"\x00" + (black if height // 3 <= y < height // 3 + 3 else white) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_text(content):
    done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=60)
    return done.stdout.decode()


@pytest.fixture
def job(factories, rpc):
    made = factories.job(description="Signature and report, live")
    [row] = rpc("fsm.order", "read", [made["id"]], fields=["name", "partner_id"])
    return row


@pytest.fixture
def unstyled_reports(rpc):
    """Reports rendered without the server's CSS (``report.url`` on a closed port): Debian's
    wkhtmltopdf (unpatched Qt) draws styled text as outlines, which pdftotext cannot read."""
    before = rpc("ir.config_parameter", "get_param", "report.url") or ""
    rpc("ir.config_parameter", "set_param", "report.url", "http://127.0.0.1:9")
    yield
    rpc("ir.config_parameter", "set_param", "report.url", before)


def test_sign_then_pdf_holds_job_customer_and_signature(api, job, unstyled_reports):
    png = make_png()
    path = f"/object/fsm.order/{job['id']}"

    resp = api.get(f"{path}/signature")
    assert resp.status_code == 200, resp.text
    assert resp.json()["signature"]["signed"] is False

    resp = api.post(
        f"{path}/signature",
        data=png,
        headers={"Content-Type": "image/png"},
        params={"signed_by": "Live Signer", "signed_on": "2025-12-15T10:00:00+01:00"},
    )
    assert resp.status_code == 200, resp.text
    sig = resp.json()["signature"]
    assert (sig["signed"], sig["signed_by"], sig["signed_on"]) == (True, "Live Signer", "2025-12-15 09:00:00")
    assert (sig["mimetype"], sig["size"]) == ("image/png", len(png))
    assert base64.b64decode(sig["image"]) == png
    assert api.get(f"{path}/signature").json() == {"signature": sig}

    resp = api.get(f"{path}/report")
    if resp.status_code == 503 and resp.json()["error"]["code"] == "pdf_unavailable":
        pytest.skip("SKIPPED: wkhtmltopdf missing on the server")
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert int(resp.headers["Content-Length"]) == len(resp.content)
    assert resp.headers["Content-Disposition"].startswith("inline;")
    assert f"{job['name']}.pdf" in resp.headers["Content-Disposition"]
    if not shutil.which("pdftotext"):
        pytest.skip("SKIPPED: pdftotext missing")
    text = pdf_text(resp.content)
    if not text.strip():
        # wkhtmltopdf built on an unpatched Qt (Debian's package) draws the report's web fonts as
        # outlines when it could load the report's CSS: a PDF with no text to read (the official
        # wkhtmltopdf 0.12.6 "with patched qt", which Odoo recommends, writes real text)
        pytest.skip("SKIPPED: the PDF's text is drawn as outlines (wkhtmltopdf without patched Qt)")
    for words in (job["name"], job["partner_id"][1], "Customer Signature", "Live Signer"):
        assert words in text, f"{words!r} not in the PDF's text:\n{text}"

    by_name = api.get(f"/report/{REPORT}/{job['id']}")
    assert by_name.status_code == 200, by_name.text[:500]
    assert pdf_text(by_name.content) == text


def test_sign_with_json_and_refusals(api, job):
    path = f"/object/fsm.order/{job['id']}/signature"
    image = base64.b64encode(make_png(64, 24)).decode()
    resp = api.post(path, json={"image": image, "signed_by": "JSON Signer"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["signature"]["signed_by"] == "JSON Signer"

    for body, status, code in [
        ({"image": "%%%", "signed_by": "X"}, 422, "invalid_value"),
        ({"image": image}, 422, "missing_field"),
        ({"image": base64.b64encode(b"GIF89a" + b"\0" * 32).decode(), "signed_by": "X"}, 415, "unsupported_media_type"),
    ]:
        resp = api.post(path, json=body)
        assert resp.status_code == status, resp.text
        assert resp.json()["error"]["code"] == code
    assert api.get(path).json()["signature"]["signed_by"] == "JSON Signer"  # unchanged by the refusals

    resp = api.get(f"/report/no.such_report/{job['id']}")
    assert (resp.status_code, resp.json()["error"]["code"]) == (404, "unknown_report")
