"""The reranking stage: chosen by name, the identity keeps the hybrid ranking, an unknown name is refused."""

import pytest

from assistant.errors import ConfigError
from assistant.retrieval.rerank import RERANKERS, IdentityReranker, make_reranker
from tests.conftest import make_assistant


def test_the_identity_reranker_is_the_default_and_keeps_the_ranking(demo):
    assert demo.settings.reranker == "identity"
    assert isinstance(demo.pipeline.reranker, IdentityReranker)
    p = demo.pipeline
    analysis = p.analyse("why did Türkiye buy the S-400?")
    found = p.hybrid.search(analysis)
    assert p.reranker.rerank(analysis, found) == found == demo.search("why did Türkiye buy the S-400?")


def test_an_unknown_reranker_lists_the_valid_names(tmp_path, embeddings):
    with pytest.raises(ValueError, match="unknown reranker 'cross-encoder'; choose one of: identity"):
        make_reranker("cross-encoder")
    # through the settings it is a configuration error naming the variable (CLI: one line, exit 2)
    with pytest.raises(ConfigError, match="CITEWISE_RERANKER: .*choose one of: " + ", ".join(RERANKERS)):
        make_assistant(tmp_path / "h", embeddings, reranker="nope", seed_demo=False)
