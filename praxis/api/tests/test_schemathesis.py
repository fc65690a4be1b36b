"""Schemathesis against the OpenAPI schema (issue 10 point 4): every operation, with generated input,
through the real WSGI application in process.

- 0 server errors and every documented response conforms to its schema (`not_a_server_error`,
  `response_schema_conformance`, `content_type_conformance`), with the owner's token of practice A;
- with the owner's token of practice B, every operation with an object id in its path is called with the
  ids of A's objects: 0 successful answers (R-ROLE-4, R-WS-2).

Bounded for `make test`: PRAXIS_SCHEMATHESIS_EXAMPLES examples per operation (default 25); set it higher
for a longer hunt (`PRAXIS_SCHEMATHESIS_EXAMPLES=500 make test ARGS="-k schemathesis"`). Examples are
derandomised, so a run is repeatable and a failure reproducible.
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from praxis.testing.db import shared_per_module

from .conftest import build_tenants
from .test_isolation import OBJECT_PARAMS, tenant_ids

_shared_world, api_tenants = shared_per_module(build_tenants, name="api_tenants")
pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PRAXIS_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def schema(monkeypatch):
    """The schema, served by the application itself, called in process. Django's test client keeps the
    test's database connection open across requests; the bare WSGI handler would close it at the end of
    each request (`close_old_connections`), so that is switched off for the test, as the test client does."""
    from praxis.wsgi import application

    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


def _run(operation, body) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @hypothesis.given(operation.as_strategy())
    def examples(case):
        body(case)

    examples()


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_no_server_error_and_every_response_conforms(schema, api_tenants):
    a = api_tenants.a
    headers = {"Authorization": f"Bearer {a.owner_token_secret}"}
    calls = []
    failures = []

    def call(case):
        if "ws" in (case.path_parameters or {}):
            case.path_parameters["ws"] = a.slug
        response = case.call(headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    for operation in _operations(schema):
        try:
            _run(operation, call)
        except Exception as exc:  # collected: one report of every operation that failed
            failures.append(f"{operation.label}: {exc}")
    assert len(calls) >= 10 * len(_operations(schema)) // 2  # the examples really ran
    assert not failures, "\n\n".join(failures)


def test_a_token_of_another_workspace_never_succeeds_on_ids_of_the_first(schema, api_tenants):
    a, b = api_tenants.a, api_tenants.b
    ids = tenant_ids(a)
    # Object ids only: an invitation link's `token` is a secret that opens that one invitation to whoever
    # holds it, by design (R-INV-2), whoever's token calls.
    foreign = {name: candidates(ids)[0] for name, candidates in OBJECT_PARAMS.items()
               if candidates(ids) and name.endswith("_id")}
    headers = {"Authorization": f"Bearer {b.owner_token_secret}"}
    succeeded = []
    swept = 0

    for operation in _operations(schema):
        names = [p.name for p in operation.path_parameters]
        if not any(name in foreign for name in names):
            continue
        swept += 1

        def call(case, operation=operation):
            for name in case.path_parameters or {}:
                if name == "ws":
                    case.path_parameters["ws"] = b.slug  # the token's own workspace …
                elif name in foreign:
                    case.path_parameters[name] = foreign[name]  # … and the other practice's object
            response = case.call(headers=headers)
            if 200 <= response.status_code < 300:
                succeeded.append(f"{operation.label} {case.path_parameters}: {response.status_code}")

        _run(operation, call)
    assert swept >= 10
    assert not succeeded, "\n".join(succeeded)


def test_no_two_api_schemas_share_a_name():
    """django-ninja names each OpenAPI component after its class: two `MessageOut`s (accounts' `{detail}`
    and a ticket message) made the sign-up's documented answer the ticket message — schemathesis found it."""
    import collections

    import ninja

    from praxis.api.api import api

    api.get_openapi_schema()

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    modules = collections.defaultdict(set)
    for cls in subclasses(ninja.Schema):
        if cls.__module__.startswith("praxis."):
            modules[cls.__name__].add(cls.__module__)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}
