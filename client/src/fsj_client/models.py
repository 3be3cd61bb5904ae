"""Typed shapes of the API's records and answers (typed by hand from the API reference and seed 000's
field names; the OpenAPI document at ``/restapi/1.0/openapi.json`` lists every field a key can see).

Records are JSON objects: every shape is a ``TypedDict`` with ``total=False``, because an answer holds
only the fields asked with ``fields=`` (and ``id``). Values as the API answers them: a many2one is
``[id, "display name"]`` (or a nested object when asked with sub-fields), an x2many a list of ids,
datetimes ``"YYYY-MM-DD HH:MM:SS"`` in UTC, dates ``"YYYY-MM-DD"``, empty values ``None``.

``JOBS``, ``STAGES``, ``CUSTOMERS``, ``LOCATIONS`` and ``PERSONS`` name a model together with its shape:
``client.get(JOBS, 42)`` is typed as a ``Job``, ``client.get("fsm.order", 42)`` as a plain ``Record``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, Literal, TypedDict, TypeVar

# a many2one as read: [id, "display name"], an object when asked with sub-fields, or None
Many2One = list[Any] | dict[str, Any] | None
# a many2one as written: an id, {"ref": "<external_ref>"} (fsm.order, res.partner, fsm.location), or None
Many2OneValue = int | dict[str, str] | None


class Record(dict[str, Any]):
    """A record as the API answered it: a ``dict`` of its fields, and what came with it.

    ``etag``: the ``ETag`` of a single-record answer (None in lists): pass the record to ``update`` /
    ``delete`` / ``call`` and the client sends it as ``If-Match``. ``status``: the HTTP status of the
    answer (e.g. 201 for an upsert that created the record)."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        etag: str | None = None,
        model: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(data or {})
        self.etag: str | None = etag
        self.model: str | None = model
        self.status: int | None = status

    @property
    def created(self) -> bool:
        """True when the answer created the record (201, or ``"result": "created"`` in a batch)."""
        return self.status == 201 or self.get("result") == "created"

    def __repr__(self) -> str:
        return f"Record({dict.__repr__(self)}, etag={self.etag!r})"


T = TypeVar("T")


class Page(list[T]):
    """One page of a search: the records, ``total`` (``X-Total-Count``: every record of the domain) and
    ``next_start_after_id`` (``X-Next-Start-After-Id``: keyset pagination, None on the last page)."""

    def __init__(
        self, rows: Iterable[T] = (), *, total: int | None = None, next_start_after_id: int | None = None
    ) -> None:
        super().__init__(rows)
        self.total = total
        self.next_start_after_id = next_start_after_id


class ModelRef(Generic[T]):
    """A model's name with its record shape, for typed calls: ``client.get(JOBS, 42) -> Job``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ModelRef({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelRef) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


# -- records ---------------------------------------------------------------------------------------------
class Job(TypedDict, total=False):
    """``fsm.order``: a job, with seed 000's field names (``duration`` is the planned hours)."""

    id: int
    name: str  # FSM00001
    display_name: str
    external_ref: str | None
    partner_id: Many2One  # the customer (required)
    location_id: Many2One
    sale_order_id: Many2One
    scheduled_date_start: str | None
    scheduled_date_end: str | None
    date_start: str | None  # actual start
    date_end: str | None  # actual end
    stage_id: Many2One
    stage_code: str | None
    person_id: Many2One  # the technician (fsm.person)
    team_id: Many2One
    company_id: Many2One
    priority: str | None
    description: str | None
    type: str | None  # job type code: "install", "service"
    fsm_type: str | None
    street: str | None  # from the location (read-only)
    city: str | None
    zip: str | None
    state_id: Many2One
    duration: float  # planned hours
    effective_duration: float  # actual hours
    is_closed: bool
    time_log_ids: list[Any]
    tag_ids: list[Any]
    actions: list[str]  # asked with fields=...,actions: "start", "complete", "cancel", ...
    create_date: str
    write_date: str


class Stage(TypedDict, total=False):
    """``fsm.stage``: ``code`` is one of new, scheduled, in_progress, completed, cancelled for job stages."""

    id: int
    name: str
    display_name: str
    code: str | None
    sequence: int
    is_closed: bool
    fold: bool
    stage_type: str


class Customer(TypedDict, total=False):
    """``res.partner``: a customer (a job's ``partner_id``)."""

    id: int
    name: str
    display_name: str
    external_ref: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    street: str | None
    street2: str | None
    city: str | None
    zip: str | None
    state_id: Many2One
    country_id: Many2One
    country_code: str | None
    is_company: bool
    parent_id: Many2One


class Location(TypedDict, total=False):
    """``fsm.location``: a service location (its own partner holds the address)."""

    id: int
    name: str
    display_name: str
    complete_name: str
    external_ref: str | None
    partner_id: Many2One
    owner_id: Many2One  # the customer who owns it
    street: str | None
    city: str | None
    zip: str | None
    state_id: Many2One
    country_id: Many2One
    partner_latitude: float | None
    partner_longitude: float | None


class Person(TypedDict, total=False):
    """``fsm.person``: a technician."""

    id: int
    name: str
    display_name: str
    partner_id: Many2One
    user_id: Many2One
    email: str | None
    phone: str | None
    active: bool


# -- values sent -----------------------------------------------------------------------------------------
class Ref(TypedDict):
    """A record given by its external reference in a body: ``{"partner_id": {"ref": "CUST-42"}}``."""

    ref: str


class CustomerInput(TypedDict, total=False):
    """fsm.order's write-only ``customer`` object: the partner found by ``ref``, else by ``email``, else
    created (with that ref); it becomes the job's ``partner_id``."""

    ref: str
    first_name: str
    last_name: str
    name: str
    email: str
    mobile: str
    phone: str
    street: str
    city: str
    zip: str
    country_code: str


class JobValues(TypedDict, total=False):
    """What a create or update of a job takes (every field optional here; a create needs a customer:
    ``partner_id``, ``customer`` or a ``location_id`` whose owner is one)."""

    partner_id: Many2OneValue
    customer: CustomerInput
    location_id: Many2OneValue
    sale_order_id: Many2OneValue
    scheduled_date_start: str | None
    scheduled_date_end: str | None
    date_start: str | None
    date_end: str | None
    stage_id: int | str | None  # an id or a stage code ("in_progress")
    person_id: Many2OneValue
    team_id: Many2OneValue
    priority: str
    description: str | None
    type: str | int  # a job type code or id
    duration: float
    external_ref: str | None
    etag: str  # bulk updates only: the item's If-Match


# -- answers ---------------------------------------------------------------------------------------------
class _ChangeKeys(TypedDict):
    op: Literal["upsert", "delete"]
    id: int


class Change(_ChangeKeys, total=False):
    """One entry of the change feed: ``upsert`` (with the record as a GET shows it now) or ``delete``
    (a tombstone, no record)."""

    record: dict[str, Any]


class ChangePage(TypedDict):
    changes: list[Change]
    cursor: str
    has_more: bool


class DashboardStage(TypedDict, total=False):
    id: int
    code: str | None
    name: str
    is_closed: bool
    count: int
    actions: list[str]


class Dashboard(TypedDict, total=False):
    date: str
    stages: list[DashboardStage]
    today_count: int
    jobs: list[Job]


class Attachment(TypedDict, total=False):
    id: int
    name: str
    mimetype: str
    size: int
    checksum: str
    create_date: str
    uploader: Many2One


class Deleted(TypedDict):
    id: int
    deleted: bool


JOBS: ModelRef[Job] = ModelRef("fsm.order")
STAGES: ModelRef[Stage] = ModelRef("fsm.stage")
CUSTOMERS: ModelRef[Customer] = ModelRef("res.partner")
LOCATIONS: ModelRef[Location] = ModelRef("fsm.location")
PERSONS: ModelRef[Person] = ModelRef("fsm.person")
