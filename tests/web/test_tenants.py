"""Tenants (issue 11): an API key limited to some districts never sees another district's
documents, clauses or rulings, over real HTTP; a key with no list sees every district."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.web.conftest import _serve

pytestmark = pytest.mark.slow

D207 = "tenant-d207-0123456789"
IOWA = "tenant-iowa-0123456789"
ADMIN = "admin-key-0123456789"


@pytest.fixture(scope="module")
def tenants(web_assistant, web_settings):
    settings = web_settings.model_copy(update={
        "api_keys": ADMIN, "api_key_districts": {D207: ["d207-guidelines"], IOWA: ["state:Iowa"]}})
    yield from _serve(web_assistant, settings)


def _get(server, path, key):
    return httpx.get(server.url + path, headers={"X-API-Key": key}, timeout=60)


def _ask(server, key, **body):
    return httpx.post(server.url + "/api/ask", json={"question": "Can I text a student individually?", **body},
                      headers={"X-API-Key": key}, timeout=60)


def _districts_named(answer: dict) -> set[str]:
    found = {f["doc_id"] for f in answer["findings"] + answer["other_districts"]}
    found |= {c["doc_id"] for c in answer["citations"] + answer["related"]}
    return found | set(answer["not_addressed"])


def test_a_tenant_key_lists_reads_and_asks_only_its_districts(tenants, web_assistant):
    docs = _get(tenants, "/api/documents", D207)
    assert docs.status_code == 200 and [d["doc_id"] for d in docs.json()] == ["d207-guidelines"]
    other = _get(tenants, "/api/documents/ia-401-15", D207)
    missing = _get(tenants, "/api/documents/no-such-doc", D207)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == "No document 'ia-401-15'."  # the same answer as a document that does not exist
    iowa_clause = quote(web_assistant.clauses("ia-401-15")[0].clause_id, safe="/")
    assert _get(tenants, f"/api/clauses/{iowa_clause}", D207).status_code == 404
    assert _get(tenants, f"/api/clauses/{iowa_clause}", IOWA).status_code == 200

    answer = _ask(tenants, D207).json()
    assert _districts_named(answer) == {"d207-guidelines"} and answer["scope"]["districts"] == 1
    for body in ({"district": "ia-401-15"}, {"scope": "ia-401-15"}, {"scope": "state:Iowa"}):
        r = _ask(tenants, D207, **body)
        assert r.status_code in (404, 422), body
        assert "Iowa" not in r.text.replace("state:Iowa", "").replace("'Iowa'", "") and "401.15" not in r.text


def test_a_state_tenant_and_an_unlimited_key(tenants):
    iowa = _ask(tenants, IOWA).json()
    assert _districts_named(iowa) == {"ia-401-15"}
    full = _ask(tenants, ADMIN).json()
    assert full["scope"]["districts"] == 5 and len(_districts_named(full)) == 5
    assert [d["doc_id"] for d in _get(tenants, "/api/documents", IOWA).json()] == ["ia-401-15"]
    assert _get(tenants, "/api/documents", "not-a-key-0123456789").status_code == 401
