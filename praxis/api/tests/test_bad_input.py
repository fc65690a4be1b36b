"""Issue 6 point 21, issue 10 point 5: bad input is a clear 4xx and changes nothing — never a 500 — on
both databases.

The sweep sends every API write operation (read from the OpenAPI schema, so a new one is swept too) and
every HTML form POST (read from the pages themselves) with each hostile value in every field: a NUL byte,
a lone surrogate, a 100 000-character string, integers beyond 64 bits (in bodies and in path ids) and an
unknown value in every choice; every API write with a 10 MB body and with JSON nested 100 000 deep; and
every list, API and HTML, with absurd page numbers. The world is built once per module
(`shared_per_module`): each case runs in a savepoint over it.
"""

import html.parser
import json
import re
from urllib.parse import quote_plus

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django_scopes import scopes_disabled

from praxis.api.api import api
from praxis.testing.db import shared_per_module

from .conftest import build_tenants
from .test_isolation import OBJECT_PARAMS, all_routes, skip_reason, tenant_ids

_shared_world, api_tenants = shared_per_module(build_tenants, name="api_tenants")

HUGE = 99999999999999999999
HOSTILE = {
    "nul": "Ann\x00Smith",
    "surrogate": "Ann\ud800Smith",
    "long": "A" * 100_000,
    "huge_int": str(HUGE),
    "choice": "no-such-choice",  # in choice fields (enums, selects, radios); the other fields stay plausible
}
ERROR_STATUSES = range(400, 500)


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:  # `str | None`: the non-null branch
        schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), schema["anyOf"][0])
        return _resolve(schema, components)
    return schema


def _fill(schema: dict, components: dict, kind: str):
    schema = _resolve(schema, components)
    kind_type = schema.get("type")
    if kind_type == "object" or "properties" in schema:
        return {name: _fill(sub, components, kind) for name, sub in schema.get("properties", {}).items()}
    if kind_type == "array":
        return [_fill(schema.get("items", {}), components, kind)]
    if kind == "choice" and "enum" in schema:
        return HOSTILE["choice"]
    if kind_type == "integer":
        return HUGE if kind == "huge_int" else 1
    if kind_type == "boolean":
        return True
    if kind_type == "number":
        return 1
    return HOSTILE[kind] if kind not in ("huge_int", "choice") else "x"


def api_writes() -> list[tuple[str, str, dict]]:
    schema = api.get_openapi_schema()
    out = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "patch", "put", "delete"):
                out.append((method.upper(), path, operation))
    return out


def _carries_hostile(data, kind: str) -> bool:
    if isinstance(data, dict):
        return any(_carries_hostile(v, kind) for v in data.values())
    if isinstance(data, list):
        return any(_carries_hostile(v, kind) for v in data)
    return data == HUGE if kind == "huge_int" else data == HOSTILE[kind]


def _snapshot(tenant, api_snapshot) -> dict:
    from praxis.api.models import ApiToken

    with scopes_disabled():
        users = [model_to_dict(u) for u in get_user_model().objects.order_by("pk")]
        tokens = list(ApiToken.objects.order_by("pk").values())
    return {"workspace": api_snapshot(tenant.workspace), "users": users, "tokens": tokens,
            "workspaces": sorted(get_user_model().objects.values_list("memberships__workspace__slug", flat=True))}


def _api_path(path: str, *, kind: str, ids, tenant) -> str:
    # The first candidate of each object parameter the isolation walker knows (one list of parameters).
    values = {name: candidates(ids)[0] for name, candidates in OBJECT_PARAMS.items() if candidates(ids)}
    values["ws"] = tenant.slug
    values.setdefault("notification_id", 1)
    if kind == "huge_int":
        values = {k: (HUGE if k.endswith("_id") else v) for k, v in values.items()}
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_every_api_write_refuses_hostile_input_without_change(kind, api_tenants, api_client, api_snapshot,
                                                              django_capture_on_commit_callbacks):
    """Issue 6 point 21: each API write with the hostile value in every field (and, for huge ints, in
    every path id) answers a 4xx `{"detail", "code"}` and changes nothing."""
    a = api_tenants.a
    ids = tenant_ids(a)
    components = api.get_openapi_schema()["components"]["schemas"]
    client = api_client(a.owner)
    problems = []
    for method, path, operation in api_writes():
        body_schema = (operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                       .get("schema"))
        body = _fill(body_schema, components, kind) if body_schema else {}
        url = _api_path(path, kind=kind, ids=ids, tenant=a)
        if not _carries_hostile(body, kind) and url == _api_path(path, kind="nul", ids=ids, tenant=a):
            continue  # nothing hostile to send: a plain action (revoke, resend), not bad input
        before = _snapshot(a, api_snapshot)
        with django_capture_on_commit_callbacks() as callbacks:
            response = getattr(client, method.lower())(url, data=json.dumps(body), content_type="application/json")
        where = f"{method} {url} {str(body)[:120]}"
        if path == "/api/v1/auth/password-reset" and response.status_code == 202:
            pass  # R-ACC-5: the same answer for every address, valid or not; nothing changes (checked below)
        elif response.status_code not in ERROR_STATUSES:
            problems.append(f"{where}: {response.status_code} {response.content[:200]!r}")
            continue
        payload = response.json()
        if response.status_code != 202 and not {"detail", "code"} <= payload.keys():
            problems.append(f"{where}: error body without detail/code: {payload}")
        if _snapshot(a, api_snapshot) != before:
            problems.append(f"{where}: {response.status_code} but data changed")
        if callbacks and not path.startswith("/api/v1/auth/password-reset"):
            problems.append(f"{where}: scheduled {len(callbacks)} side effect(s)")
    assert not problems, "\n".join(problems)


class _Forms(html.parser.HTMLParser):
    """The POST forms of a page: action and fields (name → (tag, type, value, first option))."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action"), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            self._form["fields"].setdefault(attrs["name"], (tag, attrs.get("type", "text"), attrs.get("value", ""), None))
            if tag == "select":
                self._select = attrs["name"]
        elif self._form is not None and tag == "option" and self._select:
            name = self._select
            field = self._form["fields"][name]
            if field[3] is None:
                self._form["fields"][name] = (*field[:3], attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


SKIPPED_FORM_ACTIONS = ("/accounts/logout/", "/i18n/")


def _html_urls(tenant, ids) -> list[str]:
    values = {"ws": tenant.slug, "member_id": ids.active_member, "invitation_id": ids.invitations[0],
              "invoice_id": ids.invoices[0], "token_id": ids.tokens[0], "token": tenant.invitation_token,
              "notification_id": (ids.notifications or (1,))[0]}
    urls = []
    for route in all_routes():
        if route.is_api or route.regex or (skip_reason(route) not in (None, "no parameter")):
            continue
        if not all(p in values for p in route.params):
            continue
        urls.append(route.url({p: values[p] for p in route.params}))
    return urls


def _hostile_form_data(fields: dict, kind: str) -> dict:
    data = {}
    for name, (tag, input_type, value, first_option) in fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        if kind == "choice" and (tag == "select" or input_type == "radio"):
            data[name] = HOSTILE["choice"]
        elif tag == "select":
            data[name] = first_option or ""
        elif input_type in ("checkbox", "radio"):
            data[name] = value or "on"
        elif kind == "choice":
            data[name] = value
        elif input_type == "hidden" and kind != "huge_int":
            data[name] = HOSTILE[kind]
        elif input_type == "number" or (input_type == "hidden" and value.isdigit()):
            data[name] = HOSTILE["huge_int"] if kind == "huge_int" else value
        else:
            data[name] = HOSTILE[kind] if kind != "huge_int" else value
    return data


def _urlencode(data: dict) -> str:
    """Like a browser would, but a lone surrogate becomes its (invalid) UTF-8 bytes %ED%A0%80."""
    return "&".join(f"{quote_plus(k)}={quote_plus(v.encode('utf-8', 'surrogatepass'))}" for k, v in data.items())


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_every_html_form_refuses_hostile_input_without_change(kind, api_tenants, api_client, api_snapshot,
                                                              django_capture_on_commit_callbacks):
    """Issue 6 point 21: every POST form of every page, filled with the hostile value (text fields) or a
    huge int (number and id fields, and ids in the path), answers a form error / 4xx — never 500 — and
    changes nothing."""
    a = api_tenants.a
    ids = tenant_ids(a)
    client = api_client(a.owner)
    problems, posted = [], 0
    for url in _html_urls(a, ids):
        page = client.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            action = form["action"] or url
            if action.startswith(SKIPPED_FORM_ACTIONS) or not form["fields"]:
                continue
            if kind == "huge_int":
                action = re.sub(r"/\d+/", f"/{HUGE}/", action)
            data = _hostile_form_data(form["fields"], kind)
            hostile_action = action != (form["action"] or url)
            if not hostile_action and not any(v in (HOSTILE[kind],) for v in data.values()):
                continue  # a plain button (revoke, resend): nothing hostile to send
            before = _snapshot(a, api_snapshot)
            with django_capture_on_commit_callbacks() as callbacks:
                response = client.post(action, _urlencode(data), content_type="application/x-www-form-urlencoded")
            posted += 1
            where = f"POST {action} (form on {url}) {sorted(data)}"
            status = response.status_code
            changed = _snapshot(a, api_snapshot) != before
            if status >= 500 or changed or callbacks:
                problems.append(f"{where}: {status}{' changed data' if changed else ''}"
                                f"{' side effects' if callbacks else ''}")
            elif status == 302 and not action.startswith("/accounts/password/reset/"):
                # A button form (no page of its own) answers with a redirect and an error message.
                shown = client.get(response["Location"]).content.decode()
                if 'class="message error"' not in shown:
                    problems.append(f"{where}: 302 to {response['Location']} without an error — accepted?")
    assert posted >= 5  # the sweep really reached the forms
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("url", ["/w/{ws}/members/%s/", "/api/v1/workspaces/{ws}/members/%s",
                                 "/accounts/profile/tokens/%s/revoke/"])
def test_ids_beyond_64_bits_in_the_path_are_404(url, api_tenants, api_client):
    """Issue 6 point 21: the SQLite OverflowError on `/…/members/99999999999999999999/` is a plain 404."""
    client = api_client(api_tenants.a.owner)
    url = url.format(ws=api_tenants.a.slug).replace("%s", str(HUGE))
    response = client.post(url) if "revoke" in url else client.get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.json()["code"] == "not_found"


BODIES = {
    "10 MB": lambda: json.dumps({"first_name": "A" * (10 * 1024 * 1024), "name": "B"}),
    "nested lists": lambda: "[" * 100_000 + "]" * 100_000,
    "nested objects": lambda: '{"a":' * 50_000 + "1" + "}" * 50_000,
    "nested 40 deep": lambda: json.dumps({"first_name": json.loads("[" * 40 + "]" * 40)}),
}


@pytest.mark.parametrize("body", list(BODIES))
def test_every_api_write_refuses_huge_and_deeply_nested_bodies(body, api_tenants, api_client, api_snapshot,
                                                               django_capture_on_commit_callbacks):
    """Issue 10 point 5: a 10 MB body is Django's 400 (`DATA_UPLOAD_MAX_MEMORY_SIZE`), JSON nested deeper
    than any schema a 400 `too_deep` (it made the parser raise RecursionError: a 500) — nothing changes."""
    a = api_tenants.a
    ids = tenant_ids(a)
    client = api_client(a.owner)
    payload = BODIES[body]()
    problems = []
    for method, path, _operation in api_writes():
        url = _api_path(path, kind="nul", ids=ids, tenant=a)
        before = _snapshot(a, api_snapshot)
        with django_capture_on_commit_callbacks() as callbacks:
            response = getattr(client, method.lower())(url, data=payload, content_type="application/json")
        where = f"{method} {url} ({body})"
        if response.status_code not in ERROR_STATUSES:
            problems.append(f"{where}: {response.status_code}")
        elif not {"detail", "code"} <= response.json().keys():
            problems.append(f"{where}: error body without detail/code")
        if _snapshot(a, api_snapshot) != before or callbacks:
            problems.append(f"{where}: changed data or scheduled side effects")
    assert not problems, "\n".join(problems)


ABSURD_PAGES = [str(HUGE), "-1", "0", "abc", "1e9", "%00"]


def test_absurd_page_numbers_never_fail(api_tenants, api_client):
    """Issue 10 point 5: every paginated API list and every HTML page with `?page=` beyond 64 bits,
    negative, zero or not a number answers a page (the last or first) or a 4xx with a code — never 500."""
    a = api_tenants.a
    ids = tenant_ids(a)
    client = api_client(a.owner)
    schema = api.get_openapi_schema()
    lists = [path for path, operations in schema["paths"].items()
             if any(p.get("name") == "page" for p in operations.get("get", {}).get("parameters", []))]
    assert len(lists) >= 5  # the sweep reaches the lists
    problems = []
    for path in lists:
        url = _api_path(path, kind="nul", ids=ids, tenant=a)
        for page in ABSURD_PAGES:
            response = client.get(f"{url}?page={page}")
            if response.status_code >= 500 or (response.status_code >= 400 and "code" not in response.json()):
                problems.append(f"GET {url}?page={page}: {response.status_code}")
    for url in _html_urls(a, ids):
        for page in ABSURD_PAGES:
            response = client.get(f"{url}?page={page}")
            if response.status_code >= 500:
                problems.append(f"GET {url}?page={page}: {response.status_code}")
    assert not problems, "\n".join(problems)
