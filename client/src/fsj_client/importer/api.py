"""The importer's calls to the REST API, over the package's ``Client`` (retries, error classes): one
``Client`` per thread (two batches are in flight at once), the ``X-Import-Run`` header on every write,
and the routes of import runs and chatter notes the ``Client`` has no method for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..client import Client, dumps
from ..errors import ApiError, ServerError, TransportError

RUN_HEADER = "X-Import-Run"
REFS_PER_SEARCH = 200  # refs in one GET's domain (the URL's length; the server takes 1,000 values)
PUT_RETRIES = 3  # an upsert is idempotent: sent again after a lost answer it only finds "unchanged"


class ImportApi:
    """``url`` and ``api_key`` as for ``Client``; ``client_factory`` makes the per-thread clients
    (tests give one over a fake transport)."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = 300.0,
        client_factory: Callable[[], Client] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self._factory = client_factory or (lambda: Client(url, api_key, timeout=timeout))
        self._local = threading.local()
        self._sleep = sleep
        self.run_id: str | None = None

    @property
    def client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    def _write_headers(self) -> dict[str, str]:
        return {RUN_HEADER: self.run_id} if self.run_id else {}

    # -- reading ----------------------------------------------------------------------------------------------------
    def openapi(self) -> dict[str, Any]:
        return self.client.openapi()

    def search(
        self, model: str, domain: Sequence[Any], fields: Iterable[str], limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Every record of ``domain`` (keyset pages of ``limit``)."""
        return [dict(r) for r in self.client.iter_records(model, domain, list(fields), page_size=limit, mode="keyset")]

    def find_refs(self, model: str, refs: Iterable[str], fields: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
        """{external_ref: record} of the records that have those references (``fields`` read too)."""
        wanted = list(dict.fromkeys(refs))
        names = ["external_ref", *[f for f in fields if f != "external_ref"]]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), REFS_PER_SEARCH):
            chunk = wanted[start : start + REFS_PER_SEARCH]
            for record in self.search(model, [["external_ref", "in", chunk]], names):
                found[record["external_ref"]] = record
        return found

    # -- writing ----------------------------------------------------------------------------------------------------
    def upsert(self, model: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``PUT /object/<model>`` (all or nothing); sent again after a connection error or a 502-504."""
        path = f"/object/{quote(model, safe='')}"
        attempt = 0
        while True:
            try:
                response = self.client.request(
                    "PUT", path, params={"fields": "external_ref"}, json_body=list(rows), headers=self._write_headers()
                )
                return list(response.json()[model])
            except (TransportError, ServerError) as exc:
                if attempt >= PUT_RETRIES or (isinstance(exc, ServerError) and exc.status not in (502, 503, 504)):
                    raise
                self._sleep(self.client.backoff_delay(attempt))
                attempt += 1

    def _key(self, what: str) -> str | None:
        """The Idempotency-Key of one note or file of the run: a resumed run that sends it again (its
        answer was lost) gets the first answer back instead of a second copy."""
        return f"fsj-import:{self.run_id}:{what}"[:255] if self.run_id else None

    def post_message(self, job_id: int, payload: Mapping[str, Any], key: str = "") -> dict[str, Any]:
        """A note in a job's chatter with its original date and author (``POST .../messages``)."""
        response = self.client.request(
            "POST",
            f"/object/fsm.order/{int(job_id)}/messages",
            json_body=dict(payload),
            headers=self._write_headers(),
            idempotency_key=self._key(f"note:{key}") if key else None,
        )
        return dict(response.json().get("message") or {})

    def upload(self, job_id: int, files: Sequence[tuple[str, bytes]], key: str = "") -> list[dict[str, Any]]:
        parts = [("file", (name, content)) for name, content in files]
        response = self.client.request(
            "POST",
            f"/object/fsm.order/{int(job_id)}/attachments",
            files=parts,
            headers=self._write_headers(),
            idempotency_key=self._key(f"file:{key}") if key else None,
        )
        return list(response.json().get("attachments") or [])

    # -- import runs ------------------------------------------------------------------------------------------------
    def create_run(self, source: str, name: str) -> dict[str, Any]:
        response = self.client.request("POST", "/import-runs", json_body={"source": source, "name": name})
        return dict(response.json()["import_run"])

    def get_run(self, run_id: str) -> dict[str, Any]:
        return dict(self.client.request("GET", f"/import-runs/{quote(run_id, safe='')}").json()["import_run"])

    def finish_run(self, run_id: str, state: str, report: Mapping[str, Any]) -> dict[str, Any]:
        response = self.client.request(
            "PATCH", f"/import-runs/{quote(run_id, safe='')}", json_body={"state": state, "report": dict(report)}
        )
        return dict(response.json()["import_run"])

    def rollback(
        self, run_id: str, poll: float = 2.0, progress: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        """Undo a run. A big run is undone in steps: the server answers 202 (rolling_back) until the
        last one; each further call does a step (the server's cron does too), until 200."""
        path = f"/import-runs/{quote(run_id, safe='')}/rollback"
        response = self.client.request("POST", path, json_body={})
        run = dict(response.json()["import_run"])
        while response.status_code == 202:
            if progress:
                progress(run)
            time.sleep(poll)
            try:
                response = self.client.request("POST", path, json_body={})
            except ApiError as exc:
                if exc.code == "run_rolled_back":  # the server's cron did the last step meanwhile
                    return self.get_run(run_id)
                raise
            run = dict(response.json()["import_run"])
        return run


def error_text(exc: BaseException) -> str:
    """An API error as one line: status, code, message and the failing field when named."""
    if isinstance(exc, ApiError):
        field = exc.details.get("field")
        return f"{exc.status} {exc.code}: {exc.message}" + (f" (field {field})" if field else "")
    return str(exc) or type(exc).__name__


__all__ = ["RUN_HEADER", "ImportApi", "dumps", "error_text"]
