"""Fixtures: a real store built from the bundled sample articles, with the real model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.embeddings import MiniLMEmbeddings
from assistant.models import Answer
from assistant.pipeline import Assistant


@pytest.fixture(scope="session")
def embeddings() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


def make_assistant(home: Path, embeddings, **overrides) -> Assistant:
    settings = Settings(home=home, **overrides)
    return Assistant(settings, embeddings=embeddings)


@pytest.fixture(scope="session")
def demo(tmp_path_factory, embeddings) -> Assistant:
    """A store seeded with the two sample articles, shared by read-only tests."""
    a = make_assistant(tmp_path_factory.mktemp("demo-home"), embeddings)
    a.ensure_seeded()
    return a


@pytest.fixture
def fresh(tmp_path, embeddings) -> Assistant:
    """An empty store of the test's own, not seeded."""
    return make_assistant(tmp_path / "home", embeddings, seed_demo=False)


def assert_contract(answer: Answer | dict, get_text) -> None:
    """The answer contract: quotes verbatim at their offsets, markers and citations one to one."""
    d = answer.to_dict() if isinstance(answer, Answer) else answer
    assert d["status"] in ("answered", "no_answer")
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", d["answer"])}
    assert markers == {c["n"] for c in d["citations"]}
    assert [c["n"] for c in d["citations"]] == list(range(1, len(d["citations"]) + 1))
    for c in d["citations"]:
        assert get_text(c["article_id"])[c["start"] : c["end"]] == c["quote"]
        for o in c["also_in"]:
            assert get_text(o["article_id"])[o["start"] : o["end"]] == o["quote"]
    if d["status"] == "no_answer":
        assert d["citations"] == []
    else:
        assert d["citations"]


@pytest.fixture(scope="session")
def web_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("web-home")


@pytest.fixture(scope="session")
def client(web_home, embeddings):
    """The real app (no keys, sample articles) through real HTTP (Starlette's TestClient), shared read-mostly."""
    from fastapi.testclient import TestClient

    from assistant.web import create_app

    with TestClient(create_app(Settings(home=web_home), embeddings=embeddings)) as c:
        yield c


@pytest.fixture
def make_client(tmp_path, embeddings):
    """A client on an app of the test's own: ``make_client(api_keys="k1", ...)`` with settings overrides."""
    from contextlib import ExitStack

    from fastapi.testclient import TestClient

    from assistant.web import create_app

    with ExitStack() as stack:
        def make(**overrides):
            overrides.setdefault("home", tmp_path / "web")
            app = create_app(Settings(**overrides), embeddings=embeddings)
            return stack.enter_context(TestClient(app))

        yield make


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster of the session's own (tests/pg.py); skips when PostgreSQL is not installed
    and CITEWISE_REQUIRE_POSTGRES is not 1."""
    from tests.pg import cluster

    with cluster() as c:
        if c is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        yield c


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A new empty database in the session's cluster; its pools are closed after the test."""
    from assistant.index import pg

    url = pg_cluster.new_database()
    yield url
    for db in [d for u, d in list(pg._pools.items()) if u == url]:
        db.close()
