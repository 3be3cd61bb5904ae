"""Unit tests of the pure helpers of restapi/files.py (a record's files), without Odoo: the module
imports Odoo only inside the functions that stream and sniff, so it loads as a bare package here."""

import ast
import datetime
import importlib
import pathlib
import sys
import types

import pytest

_RESTAPI = pathlib.Path(__file__).resolve().parents[2] / "restapi"
_PACKAGE = types.ModuleType("fsj_restapi")
_PACKAGE.__path__ = [str(_RESTAPI)]
sys.modules.setdefault("fsj_restapi", _PACKAGE)
files = importlib.import_module("fsj_restapi.files")

MIB = 1024 * 1024


def test_no_odoo_import_at_module_level():
    tree = ast.parse((_RESTAPI / "files.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Import):
            assert not any(alias.name.startswith("odoo") for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level or not (node.module or "").startswith("odoo"), node.module
            assert node.module != "prefetch", "prefetch imports Odoo"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("25", 25 * MIB),
        (1, MIB),
        (" 3 ", 3 * MIB),
        ("0", 25 * MIB),
        ("-4", 25 * MIB),
        ("x", 25 * MIB),
        ("1.5", 25 * MIB),
        (None, 25 * MIB),
    ],
)
def test_limit_bytes(setting, expected):
    assert files.limit_bytes(setting) == expected


def test_request_limit_is_ten_files_and_the_framing():
    assert files.request_limit(25 * MIB) == 250 * MIB + 64 * 1024
    assert files.MAX_FILES == 10


def test_parse_allowed():
    assert files.parse_allowed("") == ()
    assert files.parse_allowed(None) == ()
    assert files.parse_allowed(" Image/PNG, image/* ,,application/pdf, image/png") == (
        "image/png",
        "image/*",
        "application/pdf",
    )


@pytest.mark.parametrize(
    ("mimetype", "setting", "allowed"),
    [
        ("image/png", "", True),
        ("application/x-msdownload", "", True),
        ("image/png", "image/png", True),
        ("IMAGE/PNG", "image/png", True),
        ("image/png; charset=binary", "image/png", True),
        ("image/jpeg", "image/png", False),
        ("image/jpeg", "image/*", True),
        ("image/svg+xml", "image/*", True),
        ("text/plain", "image/*,application/pdf", False),
        ("application/pdf", "image/*,application/pdf", True),
        ("application/octet-stream", "image/*", False),
        ("video/mp4", "*/*", True),
        ("imagex/png", "image/*", False),
        ("", "image/*", False),
        (None, "image/*", False),
    ],
)
def test_is_allowed(mimetype, setting, allowed):
    assert files.is_allowed(mimetype, files.parse_allowed(setting)) is allowed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("  photo.jpg ", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\fakepath\\site.png", "site.png"),
        ("dir/sub\\x.png", "x.png"),
        ("bad\r\nname\x00.txt", "badname.txt"),
        ("..", ""),
        ("", ""),
        (None, ""),
        ("été 2026.pdf", "été 2026.pdf"),
    ],
)
def test_clean_filename(name, expected):
    assert files.clean_filename(name) == expected


def test_clean_filename_keeps_the_extension_of_a_long_name():
    cleaned = files.clean_filename("a" * 400 + ".jpeg")
    assert len(cleaned) == files.MAX_NAME_LENGTH
    assert cleaned.endswith("a.jpeg")
    assert len(files.clean_filename("b" * 400)) == files.MAX_NAME_LENGTH


def test_stored_mimetype_trusts_the_content_first():
    assert files.stored_mimetype("image/png", "notes.txt") == "image/png"
    assert files.stored_mimetype("text/plain", "data.csv") == "text/plain"
    # content that shows nothing: the name's guess, else octet-stream
    assert files.stored_mimetype("application/octet-stream", "clip.mp4") == "video/mp4"
    assert files.stored_mimetype("application/octet-stream", "blob") == "application/octet-stream"
    assert files.stored_mimetype(None, "") == "application/octet-stream"


def test_default_name():
    assert files.default_name("image/png") == "file.png"
    assert files.default_name("application/octet-stream") == "file"


def test_utc_string():
    assert files.utc_string(datetime.datetime(2026, 3, 4, 5, 6, 7, 891011)) == "2026-03-04 05:06:07"
    assert files.utc_string(None) is None
