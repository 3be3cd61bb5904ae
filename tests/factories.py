# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""factory-boy factories of the records the Odoo tests need: customers, technicians, users with
groups, API keys, jobs.

Every factory takes the test's environment: ``CustomerFactory(env=self.env, city="X")``. Sub-factories
get it from their parent (``sub()``). ``create()`` writes through the ORM and returns the record;
``build()`` returns an unsaved record (``env[model].new()``) and writes nothing; ``create_batch()``
makes its records with one ORM ``create`` (sub-factories still run once per record)."""

import contextvars
from datetime import timedelta

import factory

from odoo import Command, fields
from odoo.models import BaseModel

_BATCH = contextvars.ContextVar("fsj_factory_batch", default=None)


def sub(factory_class, **kwargs):
    """A SubFactory that works in its parent's environment."""
    return factory.SubFactory(factory_class, env=factory.SelfAttribute("..env"), **kwargs)


def _orm_values(model, values):
    """Factory values as create() takes them: records become ids (x2many: a set command)."""
    out = {}
    for name, value in values.items():
        if isinstance(value, BaseModel):
            field = model._fields[name]
            value = [Command.set(value.ids)] if field.type in ("one2many", "many2many") else value.id
        out[name] = value
    return out


class OdooFactory(factory.Factory):
    class Meta:
        abstract = True

    env = None  # the test's environment, given by the caller (or by the parent factory)

    @classmethod
    def _model(cls, env, model_name):
        if env is None:
            raise TypeError(f"{cls.__name__} needs env=: the test's environment")
        return env[model_name]

    @classmethod
    def _values(cls, model, kwargs):
        """Override to adjust the values given to create() / new()."""
        return _orm_values(model, kwargs)

    @classmethod
    def _build(cls, model_class, *args, env=None, **kwargs):
        model = cls._model(env, model_class)
        return model.new(cls._values(model, kwargs))

    @classmethod
    def _create(cls, model_class, *args, env=None, **kwargs):
        model = cls._model(env, model_class)
        values = cls._values(model, kwargs)
        batch = _BATCH.get()
        if batch is not None and batch[0] is cls:
            batch[1].append(values)  # created by create_batch, all at once
            return None
        return model.create(values)

    @classmethod
    def create_batch(cls, size, **kwargs):
        collected = []
        token = _BATCH.set((cls, collected))
        try:
            for _i in range(size):
                cls.create(**kwargs)
        finally:
            _BATCH.reset(token)
        env = kwargs.get("env")
        return cls._model(env, cls._meta.model).create(collected)


class PartnerFactory(OdooFactory):
    class Meta:
        model = "res.partner"

    name = factory.Sequence(lambda n: f"Test Partner {n}")


class CustomerFactory(OdooFactory):
    """A customer with a street address (a job made for it gets a service location from it)."""

    class Meta:
        model = "res.partner"

    class Params:
        # base.state_us_34 / base.us: the address of the jobs tests
        us_address = factory.Trait(
            state_id=factory.LazyAttribute(lambda o: o.env.ref("base.state_us_34")),
            country_id=factory.LazyAttribute(lambda o: o.env.ref("base.us")),
        )

    name = factory.Sequence(lambda n: f"Test Customer {n}")
    street = factory.Sequence(lambda n: f"{n} Test Street")
    city = "Testville"
    zip = "12345"


class CompanyFactory(OdooFactory):
    class Meta:
        model = "res.company"

    name = factory.Sequence(lambda n: f"Test Company {n}")


class UserFactory(OdooFactory):
    """A user in ``groups`` (XML ids) and ``companies`` (the first one is the user's company)."""

    class Meta:
        model = "res.users"

    class Params:
        groups = ("fieldservice.group_fsm_user",)
        companies = None

    name = factory.Sequence(lambda n: f"Test User {n}")
    login = factory.Sequence(lambda n: f"fsj_test_user_{n}")
    email = factory.LazyAttribute(lambda o: f"{o.login}@example.com")
    groups_id = factory.LazyAttribute(lambda o: [Command.set([o.env.ref(xmlid).id for xmlid in o.groups])])
    company_id = factory.LazyAttribute(lambda o: _companies(o)[:1])
    company_ids = factory.LazyAttribute(lambda o: [Command.set(_companies(o).ids)])


def _companies(o):
    """The companies of a user factory: a recordset or a list of companies, first the user's own."""
    if not o.companies:
        return o.env.company
    return o.env["res.company"].browse([company.id for company in o.companies])


class TechnicianFactory(OdooFactory):
    """A technician (fsm.person); ``with_user=True`` gives him a user in the FSM user group, whose
    partner he is (so activities go to that user)."""

    class Meta:
        model = "fsm.person"

    class Params:
        user = None
        with_user = factory.Trait(user=sub(UserFactory))

    name = factory.Sequence(lambda n: f"Test Technician {n}")
    partner_id = factory.LazyAttribute(lambda o: o.user.partner_id if o.user else None)

    @classmethod
    def _values(cls, model, kwargs):
        if kwargs.get("partner_id"):
            kwargs = dict(kwargs, name=None)  # the technician is the user's partner, with its name
        return {k: v for k, v in super()._values(model, kwargs).items() if v is not None}


class JobFactory(OdooFactory):
    class Meta:
        model = "fsm.order"

    partner_id = sub(CustomerFactory)
    description = factory.Sequence(lambda n: f"Test job {n}")


class ApiKeyFactory(factory.Factory):
    """An Odoo API key of ``user`` (default: the administrator); returns the key itself. Keys of users
    other than the administrator expire within their groups' limit (12 hours here)."""

    class Meta:
        model = "res.users.apikeys"

    class Params:
        restapi = False  # a key for the REST API only (_generate_restapi_key): refused by Odoo's RPC
        scope_models = None
        read_only = False
        rate_limit = 0

    env = None
    user = factory.LazyAttribute(lambda o: o.env.ref("base.user_admin"))
    name = factory.Sequence(lambda n: f"test key {n}")
    expiration_date = factory.LazyAttribute(
        lambda o: None if o.user == o.env.ref("base.user_admin") else fields.Datetime.now() + timedelta(hours=12)
    )
    options = factory.LazyAttribute(
        lambda o: (
            {"models": o.scope_models, "read_only": o.read_only, "rate_limit": o.rate_limit} if o.restapi else None
        )
    )

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("an API key only exists once generated: use create()")

    @classmethod
    def _create(cls, model_class, *args, env, user, name, expiration_date, options):
        keys = env[model_class].with_user(user)
        if options is not None:
            return keys._generate_restapi_key(name, expiration_date=expiration_date, **options)
        return keys._generate(None, name, expiration_date)
