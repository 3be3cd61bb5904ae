# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's signature: GET /object/<model>/<id>/signature and POST to sign.

Generic: a model has a signature when it has the ``_fsj_api_sign(image, signed_by, signed_on)`` hook
(fsm.order, models/fsm_order.py) and OCA's fields ``signature`` (image), ``signed_by`` and
``signed_on``. Everything runs as the API key's user.

POST takes the image (PNG or JPEG) either as the raw body (``Content-Type: image/png`` or
``image/jpeg``; ``signed_by`` and ``signed_on`` as query parameters) or as JSON
``{"image": <base64>, "signed_by": ..., "signed_on": ...}``. ``signed_by`` is required (OCA's wizard
asks for a name too); ``signed_on`` defaults to now. GET answers 200 with nulls while not signed.
"""

import base64
import binascii
import io
import re

from PIL import Image

from odoo import fields
from odoo.tools.image import IMAGE_MAX_RESOLUTION
from odoo.tools.mimetypes import guess_mimetype

from .parsing import ApiError, parse_json_body
from .service import api_errors
from .values import value_from_orm, value_to_orm

MAX_BODY_BYTES = 4 * 1024 * 1024
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
RAW_TYPES = (*IMAGE_TYPES, "image/jpg")  # image/jpg: a common misspelling
JSON_TYPES = ("application/json",)
BODY_KEYS = ("image", "signed_by", "signed_on")
MAX_SIGNED_BY = 256  # characters
DATA_URI_RE = re.compile(r"\Adata:[a-z0-9.+/-]*;base64,", re.ASCII | re.IGNORECASE)
WHITESPACE_RE = re.compile(rb"\s+")
SIGNATURE_FIELDS = ("signature", "signed_by", "signed_on")


def supported(model):
    """Whether records of ``model`` can be signed through the API."""
    return callable(getattr(type(model), "_fsj_api_sign", None)) and all(f in model._fields for f in SIGNATURE_FIELDS)


def _check_supported(api):
    if not supported(api.model):
        raise ApiError(404, "no_signature", f"{api.name} has no signature.")


# -- reading ---------------------------------------------------------------------------------------
def _answer(record):
    image = record.signature  # as the user: field groups apply
    data = base64.b64decode(image) if image else b""
    signed = bool(data)
    return {
        "signature": {
            "signed": signed,
            "signed_by": record.signed_by or None,
            "signed_on": value_from_orm({"type": "datetime"}, record.signed_on),
            "mimetype": guess_mimetype(data) if signed else None,
            "size": len(data) if signed else None,
            "image": image.decode("ascii") if signed else None,
        }
    }


def read(api, record):
    """The record's signature: 200 with nulls (``signed``: false) when it is not signed yet."""
    _check_supported(api)
    return 200, _answer(record)


# -- signing ---------------------------------------------------------------------------------------
def _media_type(httprequest):
    return (httprequest.mimetype or "").lower()


def _check_image(data):
    """The image's mimetype, when ``data`` is a readable PNG or JPEG; else 415 or 422."""
    if not data:
        raise ApiError(422, "invalid_value", "image: the image is empty.", {"field": "image"})
    mimetype = guess_mimetype(data, default="application/octet-stream")
    if mimetype not in IMAGE_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"The signature must be a PNG or JPEG image, not {mimetype}.",
            {"mimetype": mimetype, "allowed": list(IMAGE_TYPES)},
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != IMAGE_TYPES[mimetype]:
                raise ValueError(img.format)
            width, height = img.size
            if width * height > IMAGE_MAX_RESOLUTION:
                raise ApiError(
                    422,
                    "invalid_value",
                    f"image: {width}x{height} pixels is too large (at most {IMAGE_MAX_RESOLUTION / 1e6:g} Mpx).",
                    {"field": "image"},
                )
            img.load()  # a truncated or corrupt file fails here, not in the ORM
    except ApiError:
        raise
    except Exception:  # noqa: BLE001 - PIL raises many kinds of errors on a broken file
        raise ApiError(
            422, "invalid_value", f"image: not a readable {IMAGE_TYPES[mimetype]} image.", {"field": "image"}
        ) from None
    return mimetype


def _decode_base64(value):
    if not isinstance(value, str):
        raise ApiError(422, "invalid_value", "image: expected a base64 string.", {"field": "image"})
    text = DATA_URI_RE.sub("", value, count=1)  # a data URI (data:image/png;base64,...) is accepted too
    compact = WHITESPACE_RE.sub(b"", text.encode("ascii", errors="replace"))
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        message = "image: expected base64 data (A-Z, a-z, 0-9, '+', '/', '=' padding)."
        raise ApiError(422, "invalid_value", message, {"field": "image"}) from None


def _parse_request(httprequest):
    """(image bytes, signed_by, signed_on raw) of the request, as raw image or JSON."""
    media_type = _media_type(httprequest)
    raw = httprequest.get_data(cache=True)
    if media_type in RAW_TYPES:
        args = httprequest.args
        return raw, args.get("signed_by"), args.get("signed_on")
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        body = parse_json_body(raw, MAX_BODY_BYTES)
        if not isinstance(body, dict):
            message = 'The body must be a JSON object: {"image": <base64>, "signed_by": ...}.'
            raise ApiError(400, "invalid_body", message)
        unknown = sorted(set(body) - set(BODY_KEYS))
        if unknown:
            raise ApiError(
                400, "unknown_field", f"Unknown field(s) of a signature: {', '.join(unknown)}.", {"fields": unknown}
            )
        if body.get("image") in (None, ""):
            raise ApiError(422, "missing_field", "image is required: the signature, base64.", {"field": "image"})
        return _decode_base64(body["image"]), body.get("signed_by"), body.get("signed_on")
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Send the signature as image/png, image/jpeg or application/json, not {media_type or 'no Content-Type'}.",
        {"content_type": media_type or None, "allowed": [*IMAGE_TYPES, "application/json"]},
    )


def _signed_by(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApiError(422, "missing_field", "signed_by is required: the name of who signed.", {"field": "signed_by"})
    if not isinstance(value, str):
        raise ApiError(422, "invalid_value", "signed_by: expected a string.", {"field": "signed_by"})
    value = value.strip()
    if len(value) > MAX_SIGNED_BY:
        raise ApiError(422, "invalid_value", f"signed_by: at most {MAX_SIGNED_BY} characters.", {"field": "signed_by"})
    return value


def _signed_on(value):
    if value is None or value == "":
        return fields.Datetime.now()
    return fields.Datetime.to_datetime(value_to_orm("signed_on", {"type": "datetime"}, value))


def write(api, record, httprequest):
    """Sign the record: 200 with the signature as GET answers it."""
    _check_supported(api)
    record.check_access("write")  # 403 before the body is even read
    image, signed_by, signed_on = _parse_request(httprequest)
    _check_image(image)
    signed_by = _signed_by(signed_by)
    signed_on = _signed_on(signed_on)
    with api_errors():
        record._fsj_api_sign(base64.b64encode(image), signed_by, signed_on)
    record.invalidate_recordset(SIGNATURE_FIELDS)  # the stored image may have been resized
    return 200, _answer(record)
