"""The API docs work offline (issue 6 point 17): /api/v1/docs loads Swagger UI from this site's static
files (django-ninja's bundle, `ninja` in INSTALLED_APPS), not from a CDN. Every request that does not go
to the live server is blocked, as on a machine without internet, and the operations must still render."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def test_api_docs_render_with_every_outside_request_blocked(page: Page, live_server):
    own = urlsplit(live_server.url).netloc
    outside: list[str] = []

    def only_the_live_server(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_live_server)
    page.goto("/api/v1/docs")

    expect(page.get_by_role("heading", name="Praxis API")).to_be_visible()
    # Operations, by their paths, as Swagger UI renders them after loading openapi.json from the site.
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/workspaces/{ws}/members").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    assert outside == [], f"the docs requested outside resources: {outside}"


def test_api_docs_page_points_at_local_assets(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn.jsdelivr.net" not in body and "unpkg.com" not in body
