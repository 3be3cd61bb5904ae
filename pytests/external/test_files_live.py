"""A record's files against the live server (restapi/files.py): a PNG made here goes up as
multipart/form-data and comes back byte for byte, in ranges and with its ETag; a raw body larger than
the largest file allowed is refused before the server reads it."""

import json
import select
import socket
import ssl
import struct
import time
import urllib.parse
import zlib

MIB = 1024 * 1024
MAX_MIB_PARAM = "fieldservice_jobs.api_max_upload_mb"


def make_png(width=16, height=12):
    """A real PNG (RGB, a gradient), made with the standard library only."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes(((x * 16) % 256, (y * 20) % 256, 128)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def count_files(rpc, job_id):
    return rpc("ir.attachment", "search_count", [("res_model", "=", "fsm.order"), ("res_id", "=", job_id)])


def test_png_multipart_round_trip(api, rpc, factories):
    job = factories.job()
    path = f"/object/fsm.order/{job['id']}/attachments"
    png = make_png()
    # Content-Type None: requests writes the multipart one (the session's default is JSON)
    resp = api.post(path, files=[("photo", ("site.png", png, "text/plain"))], headers={"Content-Type": None})
    assert resp.status_code == 201, resp.text
    [row] = resp.json()["attachments"]
    assert (row["name"], row["mimetype"], row["size"]) == ("site.png", "image/png", len(png))
    assert count_files(rpc, job["id"]) == 1
    assert [r["id"] for r in api.get(path).json()["attachments"]] == [row["id"]]
    # back byte for byte, then a range, then "not modified"
    got = api.get(f"{path}/{row['id']}")
    assert got.status_code == 200, got.text
    assert got.content == png
    assert got.headers["Content-Length"] == str(len(png))
    assert "site.png" in got.headers["Content-Disposition"]
    part = api.get(f"{path}/{row['id']}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206, part.text
    assert part.content == png[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(png)}"
    tail = api.get(f"{path}/{row['id']}", headers={"Range": "bytes=-4"})
    assert (tail.status_code, tail.content) == (206, png[-4:])
    same = api.get(f"{path}/{row['id']}", headers={"If-None-Match": got.headers["ETag"]})
    assert same.status_code == 304
    # and gone
    resp = api.delete(f"{path}/{row['id']}")
    assert resp.json() == {"attachment": {"id": row["id"], "deleted": True}}
    assert count_files(rpc, job["id"]) == 0


def _open(server_url):
    url = urllib.parse.urlsplit(server_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    sock = socket.create_connection((url.hostname, port), timeout=10)
    if url.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=url.hostname)
    return sock, url


def _read_response(sock, deadline):
    """(status, headers, body) of the answer on ``sock``, read until its Content-Length or the end."""
    data = b""
    while time.monotonic() < deadline:
        try:
            piece = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break  # the server closed the connection on the body it did not read
        if not piece:
            break
        data += piece
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:])
            lengths = {k.lower(): v for k, v in headers.items()}
            if len(body) >= int(lengths.get("content-length", 1 << 30)):
                break
    head, _sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else None
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if ": " in line)}
    return status, headers, body


def test_oversized_raw_body_is_refused_before_it_is_read(rpc, factories, server_url, api_key):
    """30 MiB with the default 25 MiB limit: 413 while the client is still sending, nothing written."""
    previous = rpc("ir.config_parameter", "get_param", MAX_MIB_PARAM)
    rpc("ir.config_parameter", "set_param", MAX_MIB_PARAM, "25")
    try:
        job = factories.job()
        total = 30 * MIB
        sock, url = _open(server_url)
        head = (
            f"POST {url.path.rstrip('/')}/restapi/1.0/object/fsm.order/{job['id']}/attachments?filename=big.bin "
            f"HTTP/1.1\r\nHost: {url.netloc}\r\nX-API-Key: {api_key}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {total}\r\n\r\n"
        ).encode()
        chunk = b"\0" * 65536
        started = time.monotonic()
        deadline = started + 5
        sent = 0
        with sock:
            sock.sendall(head)
            sock.setblocking(False)
            while time.monotonic() < deadline:  # send the body until the server answers
                readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 0.2)
                if readable:
                    break
                if writable:
                    try:
                        sent += sock.send(chunk[: total - sent])
                    except (BlockingIOError, ssl.SSLWantWriteError):
                        continue
                    except (BrokenPipeError, ConnectionResetError):
                        break
            sock.setblocking(True)
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            status, headers, body = _read_response(sock, deadline)
        elapsed = time.monotonic() - started
        print(f"oversized raw body: {status} after {elapsed:.3f}s, {sent / MIB:.1f} of {total / MIB:.0f} MiB sent")
        assert status == 413, (status, headers, body[:300])
        assert elapsed < 5
        assert sent < total, "the server answered only once it had the whole body"
        assert json.loads(body)["error"]["code"] == "payload_too_large"  # the API's answer, not the server's
        assert count_files(rpc, job["id"]) == 0
    finally:
        rpc("ir.config_parameter", "set_param", MAX_MIB_PARAM, previous or "25")


def test_raw_body_within_the_limit(api, rpc, factories):
    """A raw body within the limit goes through, read back whole."""
    job = factories.job()
    path = f"/object/fsm.order/{job['id']}/attachments"
    data = bytes(range(256)) * (2 * MIB // 256)
    resp = api.post(
        path, params={"filename": "blob.bin"}, data=data, headers={"Content-Type": "application/octet-stream"}
    )
    assert resp.status_code == 201, resp.text
    [row] = resp.json()["attachments"]
    assert row["size"] == len(data)
    assert api.get(f"{path}/{row['id']}").content == data
    assert count_files(rpc, job["id"]) == 1
