"""``Client``: the REST API of Field Service Jobs (``/restapi/1.0``) over ``requests``.

Retries: a request is sent again after a connection error, a timeout or a 502/503/504 answer only when
sending it twice cannot do a thing twice: safe methods (GET, HEAD, OPTIONS) and POSTs that carry an
``Idempotency-Key`` (the server answers a retry with the first answer). Every POST gets a new key
(uuid4) unless the caller gives one (or ``idempotency_key=False``), and keeps it across its retries.
A 429 is retried for every method: the server refuses a request over the rate limit before running
it. The wait is the answer's ``Retry-After`` (seconds or an HTTP date) when it has one, else an
exponential backoff with jitter; a ``Retry-After`` longer than ``max_retry_after`` is not waited for
(the error is raised)."""

from __future__ import annotations

import datetime
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Literal, TypeVar, cast, overload
from urllib.parse import quote

import requests

from .errors import TransportError, error_code, from_response, parse_retry_after
from .models import JOBS, Attachment, Change, ChangePage, Dashboard, Deleted, Job, ModelRef, Page, Record

T = TypeVar("T")
# list types named outside the class, whose ``list`` method would shadow the builtin in annotations
Records = list[Record]
Deletions = list[Deleted]
Attachments = list[Attachment]
FilePart = tuple[str, tuple[str, bytes] | tuple[str, bytes, str]]

API_PATH = "/restapi/1.0"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# answers that waiting does not cure: no PDF renderer; refused keys from this address (the key is wrong)
NO_RETRY_CODES = frozenset({"pdf_unavailable", "too_many_failures"})
USER_AGENT = "fieldservice-jobs-client/1.0"
# no answer, or half of one: worth sending again when sending twice is harmless
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

Model = str | ModelRef[Any]
RecordRef = int | str | Mapping[str, Any]
Domain = Sequence[Any]
Fields = str | Sequence[str] | Mapping[str, Any]
FileSpec = str | os.PathLike[str] | tuple[str, bytes | IO[bytes]] | tuple[str, bytes | IO[bytes], str]


def ref(external_ref: str) -> str:
    """A record's address by its external reference, for every ``record`` argument: ``ref("JOB-1")``."""
    return f"ref:{external_ref}"


def etag_of(record: Mapping[str, Any]) -> str | None:
    """The ETag a record was read with (None for records of a list, or plain dicts)."""
    return getattr(record, "etag", None)


def _default(value: Any) -> Any:
    """JSON for what ``json`` does not know: datetimes as the API's UTC strings, dates, tuples."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"))


def _name(model: Model) -> str:
    return model.name if isinstance(model, ModelRef) else model


class ChangeFeed(Iterable[Change]):
    """The change feed of one model (``GET /restapi/1.0/changes/<model>``): iterate it for the changes,
    in order (apply them in order: the last one of a record wins), or ``pages()`` for whole pages.

    ``cursor`` is where to resume without missing anything: the cursor of the last page all of whose
    changes were consumed (a page left in the middle is read again). Store it after applying
    changes; give it back to ``Client.changes`` next time. Without a cursor the feed starts with every
    record the key sees. Iteration ends when the feed has no more changes, unless ``follow`` is set:
    then it polls every ``poll_interval`` seconds, forever. A cursor older than the server keeps
    changes raises ``Gone`` (``cursor_expired``): start again without one."""

    def __init__(
        self,
        client: Client,
        model: str,
        cursor: str | None = None,
        *,
        limit: int | None = None,
        fields: Fields | None = None,
        follow: bool = False,
        poll_interval: float = 5.0,
    ) -> None:
        self.client = client
        self.model = model
        self.cursor = cursor
        self.limit = limit
        self.fields = fields
        self.follow = follow
        self.poll_interval = poll_interval
        self.has_more: bool | None = None

    def fetch(self, cursor: str | None = None) -> ChangePage:
        """One page after ``cursor`` (None: from the start)."""
        params = {"cursor": cursor, "limit": self.limit, "fields": self.client._fields_param(self.fields)}
        response = self.client.request("GET", f"/changes/{quote(self.model, safe='')}", params=params)
        return cast(ChangePage, response.json())

    def pages(self) -> Iterator[ChangePage]:
        while True:
            page = self.fetch(self.cursor)
            yield page
            # the caller asked for more: the page is consumed
            self.cursor, self.has_more = page["cursor"], page["has_more"]
            if not page["has_more"]:
                if not self.follow:
                    return
                self.client._sleep(self.poll_interval)

    def __iter__(self) -> Iterator[Change]:
        for page in self.pages():
            yield from page["changes"]


class Client:
    """A client of one server and API key.

    ``url``: the server (``https://odoo.example.com``; ``/restapi/1.0`` is added unless given).
    ``timeout``: seconds per HTTP request (connect and read). ``max_retries``: how many times a
    request may be sent again (0: never). ``backoff``: the first wait in seconds, doubled at each retry
    (with jitter, at most ``max_backoff``). ``session``: a ``requests.Session`` of your own (proxies,
    certificates, adapters). ``company_ids``: the companies to work in (``X-Company-Id``; the first is
    the company of new records). ``language``: an ``Accept-Language`` value (``"fr-FR"``).
    ``timezone``: an IANA name (``X-Timezone``) for date-only values in domains."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        session: requests.Session | None = None,
        company_ids: Sequence[int] | None = None,
        language: str | None = None,
        timezone: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = url.rstrip("/")
        self.base_url = url if url.endswith(API_PATH) else url + API_PATH
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max(int(max_retries), 0)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.session = session if session is not None else requests.Session()
        self.company_ids = list(company_ids) if company_ids else None
        self.language = language
        self.timezone = timezone
        self._sleep = sleep
        self._random = random.Random()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------------------------------
    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"X-API-Key": self.api_key, "Accept": "application/json", "User-Agent": USER_AGENT}
        if self.company_ids:
            headers["X-Company-Id"] = ",".join(str(c) for c in self.company_ids)
        if self.language:
            headers["Accept-Language"] = self.language
        if self.timezone:
            headers["X-Timezone"] = self.timezone
        headers.update(extra or {})
        return headers

    def backoff_delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt + 1``: exponential, half of it random (jitter)."""
        ceiling = min(self.max_backoff, self.backoff * (2**attempt))
        return float(ceiling / 2 + self._random.uniform(0, ceiling / 2))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        files: Sequence[FilePart] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | Literal[False] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send a request to ``<base_url><path>``; the answer when it is a success, else the API's
        error as an ``ApiError`` subclass. POSTs get an ``Idempotency-Key`` (``idempotency_key``: your
        own, or False for none); see the module's docstring for the retries."""
        method = method.upper()
        sent = dict(headers or {})
        if method == "POST" and idempotency_key is not False:
            sent["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        body = data
        if json_body is not None:
            body = dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        retryable = method in SAFE_METHODS or "Idempotency-Key" in sent
        query = {k: v for k, v in (params or {}).items() if v is not None}
        url = self.base_url + path
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query,
                    data=body,
                    files=files,
                    headers=self._headers(sent),
                    timeout=self.timeout,
                    stream=stream,
                )
            except TRANSIENT_ERRORS as exc:
                if retryable and attempt < self.max_retries:
                    self._sleep(self.backoff_delay(attempt))
                    attempt += 1
                    continue
                raise TransportError(f"{method} {url}: {exc}") from exc
            except requests.RequestException as exc:  # e.g. an invalid URL: no use sending it again
                raise TransportError(f"{method} {url}: {exc}") from exc
            if response.status_code < 400:
                return response
            wait = self._retry_wait(response, retryable, attempt)
            if wait is None:
                raise from_response(response.status_code, response.content, response.headers)
            response.close()
            self._sleep(wait)
            attempt += 1

    def _retry_wait(self, response: requests.Response, retryable: bool, attempt: int) -> float | None:
        """Seconds to wait before sending the request again, or None to raise its error now."""
        status = response.status_code
        if status not in RETRY_STATUSES or attempt >= self.max_retries or not (retryable or status == 429):
            return None
        if error_code(response.content) in NO_RETRY_CODES:
            return None
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None:
            return self.backoff_delay(attempt)
        return wait if wait <= self.max_retry_after else None

    @staticmethod
    def _fields_param(fields: Fields | None) -> str | None:
        if fields is None or isinstance(fields, str):
            return fields
        if isinstance(fields, Mapping):
            return dumps(dict(fields))  # Odoo's web_read specification
        return ",".join(fields)

    @staticmethod
    def _id(record: RecordRef) -> str:
        if isinstance(record, Mapping):
            record = record["id"]
        if isinstance(record, bool) or not isinstance(record, int | str):
            raise TypeError(f"a record is an id, 'ref:<external_ref>' or a record read before, not {record!r}")
        return quote(str(record), safe=":")

    @staticmethod
    def _if_match(record: RecordRef, etag: str | None) -> dict[str, str]:
        etag = etag or (etag_of(record) if isinstance(record, Mapping) else None)
        return {"If-Match": etag} if etag else {}

    def _path(self, model: Model, *parts: str) -> str:
        return "/".join([f"/object/{quote(_name(model), safe='')}", *parts])

    @staticmethod
    def _record(response: requests.Response, model: str) -> Record:
        body = response.json()
        return Record(body[model], etag=response.headers.get("ETag"), model=model, status=response.status_code)

    @staticmethod
    def _records(response: requests.Response, model: str) -> Records:
        return [Record(row, model=model, status=response.status_code) for row in response.json()[model]]

    # -- reading ---------------------------------------------------------------------------------------------
    @overload
    def get(self, model: ModelRef[T], record: RecordRef, *, fields: Fields | None = None) -> T: ...
    @overload
    def get(self, model: str, record: RecordRef, *, fields: Fields | None = None) -> Record: ...
    def get(self, model: Model, record: RecordRef, *, fields: Fields | None = None) -> Any:
        """One record (``GET /object/<model>/<id>``), with its ETag (``record.etag``). ``record``: an id,
        ``ref("<external_ref>")`` or a record. ``fields``: names (``["name", "partner_id.email"]``), a
        string (``"name,city"``) or Odoo's web_read specification (a dict)."""
        name = _name(model)
        params = {"fields": self._fields_param(fields)}
        return self._record(self.request("GET", self._path(name, self._id(record)), params=params), name)

    @overload
    def search(
        self,
        model: ModelRef[T],
        domain: Domain | None = None,
        *,
        fields: Fields | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order: str | None = None,
        start_after_id: int | None = None,
    ) -> Page[T]: ...
    @overload
    def search(
        self,
        model: str,
        domain: Domain | None = None,
        *,
        fields: Fields | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order: str | None = None,
        start_after_id: int | None = None,
    ) -> Page[Record]: ...
    def search(
        self,
        model: Model,
        domain: Domain | None = None,
        *,
        fields: Fields | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order: str | None = None,
        start_after_id: int | None = None,
    ) -> Any:
        """One page of records (``GET /object/<model>``) as a ``Page``: a list with ``total``
        (``X-Total-Count``) and ``next_start_after_id``. ``domain``: Odoo's, as a list
        (``[("stage_id", "=", "scheduled")]``); ``limit`` at most 1000 (the server's default: 100)."""
        name = _name(model)
        params = {
            "domain": dumps(list(domain)) if domain is not None else None,
            "fields": self._fields_param(fields),
            "limit": limit,
            "offset": offset,
            "order": order,
            "start_after_id": start_after_id,
        }
        response = self.request("GET", self._path(name), params=params)
        total = response.headers.get("X-Total-Count")
        next_id = response.headers.get("X-Next-Start-After-Id")
        return Page(
            self._records(response, name),
            total=int(total) if total else None,
            next_start_after_id=int(next_id) if next_id else None,
        )

    def count(self, model: Model, domain: Domain | None = None) -> int:
        """How many records match ``domain``."""
        page = self.search(_name(model), domain, fields=["id"], limit=1)
        return page.total if page.total is not None else len(page)

    @overload
    def iter_records(
        self,
        model: ModelRef[T],
        domain: Domain | None = None,
        fields: Fields | None = None,
        page_size: int = 100,
        mode: Literal["offset", "keyset"] = "offset",
        *,
        order: str | None = None,
    ) -> Iterator[T]: ...
    @overload
    def iter_records(
        self,
        model: str,
        domain: Domain | None = None,
        fields: Fields | None = None,
        page_size: int = 100,
        mode: Literal["offset", "keyset"] = "offset",
        *,
        order: str | None = None,
    ) -> Iterator[Record]: ...
    def iter_records(
        self,
        model: Model,
        domain: Domain | None = None,
        fields: Fields | None = None,
        page_size: int = 100,
        mode: Literal["offset", "keyset"] = "offset",
        *,
        order: str | None = None,
    ) -> Iterator[Any]:
        """Every record of ``domain``, one page (``page_size``, at most 1000) at a time.

        ``mode="offset"`` pages with ``offset`` up to ``X-Total-Count`` (``order`` as you like; by id
        when not given, so that pages do not overlap). ``mode="keyset"`` pages with ``start_after_id``
        while the server sends ``X-Next-Start-After-Id``: in id order, stable when records are added
        meanwhile, and no OFFSET scan on large tables."""
        name = _name(model)
        if mode == "keyset":
            if order not in (None, "id", "id asc"):
                raise ValueError("keyset pagination is by id: leave order out")
            after = 0
            while True:
                page = self.search(name, domain, fields=fields, limit=page_size, start_after_id=after)
                yield from page
                if page.next_start_after_id is None or not page:
                    return
                after = page.next_start_after_id
        elif mode == "offset":
            offset = 0
            while True:
                page = self.search(name, domain, fields=fields, limit=page_size, offset=offset, order=order or "id")
                yield from page
                offset += len(page)
                if len(page) < page_size or (page.total is not None and offset >= page.total):
                    return
        else:
            raise ValueError(f"mode is 'offset' or 'keyset', not {mode!r}")

    # -- writing ---------------------------------------------------------------------------------------------
    @overload
    def create(
        self,
        model: ModelRef[T],
        values: Mapping[str, Any],
        *,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> T: ...
    @overload
    def create(
        self,
        model: str,
        values: Mapping[str, Any],
        *,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Record: ...
    def create(
        self,
        model: Model,
        values: Mapping[str, Any],
        *,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Any:
        """Create one record (``POST /object/<model>``, 201). Sent with an ``Idempotency-Key`` (a new
        uuid4, or yours): a retry, by this client or by you with the same key, never creates twice."""
        name = _name(model)
        response = self.request(
            "POST",
            self._path(name),
            params={"fields": self._fields_param(fields)},
            json_body=dict(values),
            idempotency_key=idempotency_key,
        )
        return self._record(response, name)

    def create_many(
        self,
        model: Model,
        rows: Sequence[Mapping[str, Any]],
        *,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Records:
        """Create up to 1000 records at once, all or none (an error names the failing ``index``)."""
        name = _name(model)
        response = self.request(
            "POST",
            self._path(name),
            params={"fields": self._fields_param(fields)},
            json_body=[dict(row) for row in rows],
            idempotency_key=idempotency_key,
        )
        return self._records(response, name)

    @overload
    def update(
        self,
        model: ModelRef[T],
        record: RecordRef,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> T: ...
    @overload
    def update(
        self,
        model: str,
        record: RecordRef,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> Record: ...
    def update(
        self,
        model: Model,
        record: RecordRef,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> Any:
        """Write ``values`` (``PATCH /object/<model>/<id>``). Optimistic concurrency: with ``etag``, or
        a record read before (``get``, ``create``, ``update`` answers carry theirs), the write happens
        only if nobody changed the record since, else ``PreconditionFailed`` (its ``current_etag``)."""
        name = _name(model)
        response = self.request(
            "PATCH",
            self._path(name, self._id(record)),
            params={"fields": self._fields_param(fields)},
            json_body=dict(values),
            headers=self._if_match(record, etag),
        )
        return self._record(response, name)

    def delete(self, model: Model, record: RecordRef, *, etag: str | None = None) -> Deleted:
        """Delete one record (``DELETE /object/<model>/<id>``), If-Match as for ``update``."""
        name = _name(model)
        response = self.request("DELETE", self._path(name, self._id(record)), headers=self._if_match(record, etag))
        return cast(Deleted, response.json()[name])

    @overload
    def call(
        self,
        model: ModelRef[T],
        record: RecordRef,
        method: str,
        args: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> T: ...
    @overload
    def call(
        self,
        model: str,
        record: RecordRef,
        method: str,
        args: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Record: ...
    def call(
        self,
        model: Model,
        record: RecordRef,
        method: str,
        args: Mapping[str, Any] | None = None,
        *,
        etag: str | None = None,
        fields: Fields | None = None,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Any:
        """Call a workflow method (``POST /object/<model>/<id>/<method>``, keyword arguments in
        ``args``): ``action_start``, ``action_complete``, ``action_cancel``, ``check_in``,
        ``check_out``... Answers the record after the call. If-Match as for ``update``."""
        name = _name(model)
        response = self.request(
            "POST",
            self._path(name, self._id(record), quote(method, safe="")),
            params={"fields": self._fields_param(fields)},
            json_body=dict(args or {}),
            headers=self._if_match(record, etag),
            idempotency_key=idempotency_key,
        )
        return self._record(response, name)

    # jobs' workflow (fsm.order); ``at``/``date_*`` default to now on the server
    def start(self, job: RecordRef, date_start: str | datetime.datetime | None = None, **kw: Any) -> Job:
        """Start a job (New or Scheduled -> In Progress)."""
        return self.call(JOBS, job, "action_start", _args(date_start=date_start), **kw)

    def complete(self, job: RecordRef, date_end: str | datetime.datetime | None = None, **kw: Any) -> Job:
        """Complete a job (-> Completed)."""
        return self.call(JOBS, job, "action_complete", _args(date_end=date_end), **kw)

    def cancel(self, job: RecordRef, **kw: Any) -> Job:
        """Cancel a job (-> Cancelled)."""
        return self.call(JOBS, job, "action_cancel", {}, **kw)

    def check_in(
        self,
        job: RecordRef,
        location: Mapping[str, float] | None = None,
        at: str | datetime.datetime | None = None,
        **kw: Any,
    ) -> Job:
        """Check in on a job's site (``location``: ``{"lat", "lng", "accuracy"}``)."""
        return self.call(JOBS, job, "check_in", _args(location=location, at=at), **kw)

    def check_out(
        self,
        job: RecordRef,
        location: Mapping[str, float] | None = None,
        at: str | datetime.datetime | None = None,
        complete: bool = False,
        **kw: Any,
    ) -> Job:
        """Check out of a job's site; ``complete=True`` completes the job when nobody else is on site."""
        args = _args(location=location, at=at, complete=complete or None)
        return self.call(JOBS, job, "check_out", args, **kw)

    # -- upserts and bulk writes (external references) -----------------------------------------------------
    @overload
    def upsert(
        self,
        model: ModelRef[T],
        external_ref: str,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> T: ...
    @overload
    def upsert(
        self,
        model: str,
        external_ref: str,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> Record: ...
    def upsert(
        self,
        model: Model,
        external_ref: str,
        values: Mapping[str, Any],
        *,
        etag: str | None = None,
        fields: Fields | None = None,
    ) -> Any:
        """Create or update the record of an external reference (``PUT /object/<model>/ref:<ref>``):
        ``record.created`` is True when it was created (201)."""
        name = _name(model)
        response = self.request(
            "PUT",
            self._path(name, self._id(ref(external_ref))),
            params={"fields": self._fields_param(fields)},
            json_body=dict(values),
            headers={"If-Match": etag} if etag else None,
        )
        return self._record(response, name)

    def upsert_many(self, model: Model, rows: Sequence[Mapping[str, Any]], *, fields: Fields | None = None) -> Records:
        """Upsert up to 1000 records, each with its ``external_ref``, all or none (``PUT
        /object/<model>``). Each answered row has ``result`` (``created``, ``updated``, ``unchanged``)
        and, when updated, ``previous`` (the old values of what changed)."""
        name = _name(model)
        response = self.request(
            "PUT", self._path(name), params={"fields": self._fields_param(fields)}, json_body=[dict(r) for r in rows]
        )
        return self._records(response, name)

    def update_many(self, model: Model, rows: Sequence[Mapping[str, Any]], *, fields: Fields | None = None) -> Records:
        """Update up to 1000 records, all or none (``PATCH /object/<model>``). Each row: ``id`` (or
        ``ref``), the values, and optionally ``etag`` (If-Match for that record)."""
        name = _name(model)
        response = self.request(
            "PATCH", self._path(name), params={"fields": self._fields_param(fields)}, json_body=[dict(r) for r in rows]
        )
        return self._records(response, name)

    def delete_many(
        self,
        model: Model,
        ids: Sequence[int] | None = None,
        *,
        items: Sequence[Mapping[str, Any]] | None = None,
    ) -> Deletions:
        """Delete records, all or none (``DELETE /object/<model>``): ``ids``, or ``items`` such as
        ``[{"id": 1, "etag": ...}]`` (each with If-Match)."""
        if (ids is None) == (items is None):
            raise ValueError("give ids or items")
        name = _name(model)
        if ids is not None:
            response = self.request("DELETE", self._path(name), params={"ids": dumps(list(ids))})
        else:
            response = self.request("DELETE", self._path(name), json_body=[dict(i) for i in items or ()])
        return cast(Deletions, response.json()[name])

    # -- the change feed -----------------------------------------------------------------------------------
    def changes(
        self,
        model: Model,
        cursor: str | None = None,
        *,
        limit: int | None = None,
        fields: Fields | None = None,
        follow: bool = False,
        poll_interval: float = 5.0,
    ) -> ChangeFeed:
        """The changes of ``model`` after ``cursor`` (see ``ChangeFeed``): ``for change in
        client.changes("fsm.order", cursor): ...``, then store ``feed.cursor``."""
        return ChangeFeed(
            self, _name(model), cursor, limit=limit, fields=fields, follow=follow, poll_interval=poll_interval
        )

    # -- dashboard, OpenAPI, files ------------------------------------------------------------------------
    def dashboard(self, date: str | datetime.date | None = None) -> Dashboard:
        """Job counts by stage and the jobs of a (UTC) day, today by default."""
        day = date.isoformat() if isinstance(date, datetime.date) else date
        return cast(Dashboard, self.request("GET", "/fsm/dashboard", params={"date": day}).json())

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3 document of what this key can reach."""
        return cast(dict[str, Any], self.request("GET", "/openapi.json").json())

    def attachments(self, model: Model, record: RecordRef) -> Attachments:
        """The files of a record."""
        return cast(
            Attachments, self.request("GET", self._path(model, self._id(record), "attachments")).json()["attachments"]
        )

    def upload(
        self,
        model: Model,
        record: RecordRef,
        files: Sequence[FileSpec],
        *,
        idempotency_key: str | Literal[False] | None = None,
    ) -> Attachments:
        """Attach up to 10 files to a record (multipart/form-data). Each file: a path, ``(name,
        bytes or binary file)`` or ``(name, content, content_type)``; the server detects the type from
        the content anyway. Files are read into memory first, so that a retry sends them again."""
        parts: list[FilePart] = []
        for spec in files:
            if isinstance(spec, str | os.PathLike):
                with open(spec, "rb") as handle:
                    parts.append(("file", (os.path.basename(os.fspath(spec)), handle.read())))
                continue
            filename, content, *rest = spec
            raw = content if isinstance(content, bytes) else content.read()
            parts.append(("file", (filename, raw, rest[0]) if rest else (filename, raw)))
        response = self.request(
            "POST", self._path(model, self._id(record), "attachments"), files=parts, idempotency_key=idempotency_key
        )
        return cast(Attachments, response.json()["attachments"])

    def download(self, model: Model, record: RecordRef, attachment_id: int, out: IO[bytes] | None = None) -> bytes:
        """A file's content; with ``out`` (a binary file), streamed into it instead (returns b"")."""
        path = self._path(model, self._id(record), "attachments", str(int(attachment_id)))
        response = self.request("GET", path, stream=out is not None)
        if out is None:
            return response.content
        with response:
            for chunk in response.iter_content(chunk_size=1 << 16):
                out.write(chunk)
        return b""

    def delete_attachment(self, model: Model, record: RecordRef, attachment_id: int) -> dict[str, Any]:
        path = self._path(model, self._id(record), "attachments", str(int(attachment_id)))
        return cast(dict[str, Any], self.request("DELETE", path).json()["attachment"])

    def report(self, job: RecordRef, model: Model = "fsm.order") -> bytes:
        """The service report (PDF) of a job."""
        return self.request("GET", self._path(model, self._id(job), "report")).content

    list = search  # last: the name shadows the builtin in the class body


def _args(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
