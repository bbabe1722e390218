"""The HTTP API fuzzed from its own OpenAPI schema (schemathesis): whatever the body, path or query,
never a 500, and every response stays within what the schema says."""

from __future__ import annotations

import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from assistant.config import Settings
from assistant.embeddings import MiniLMEmbeddings
from assistant.web import create_app

# schemathesis reads the schema when the module is collected, so the app is built here, on its own data dir
_HOME = tempfile.mkdtemp(prefix="citewise-fuzz-")
APP = create_app(Settings(home=_HOME, llm="extractive"), embeddings=MiniLMEmbeddings())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail(case):
    response = case.call(headers={"X-Citewise": "1"})  # past the CSRF check (sitecheck.py): fuzz the routes
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:300])
    case.validate_response(response, checks=[not_a_server_error])
