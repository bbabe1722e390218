"""Fitted logistic models: the fit finds the signal in labelled rows, a weights file names its features
and is refused for others, and the shipped files load with their thresholds."""

import json

import numpy as np
import pytest

from assistant.answer.extractive import features
from assistant.answer.extractive.model import abstain_below, load_model, quote_floor
from assistant.learned import LogisticModel, fit_logistic
from assistant.retrieval import passage_model


def test_a_fit_ranks_rows_by_the_feature_that_carries_the_label():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2000, 3)).astype(np.float32)
    y = (x[:, 1] + 0.3 * rng.normal(size=2000) > 0).astype(float)
    model = fit_logistic(x, y, ("noise", "signal", "more noise"))
    assert abs(model.coef[1]) > 5 * max(abs(model.coef[0]), abs(model.coef[2]))
    p = model.prob(x)
    assert ((p > 0.5) == y.astype(bool)).mean() > 0.9


def test_weights_round_trip_through_json_and_refuse_other_features():
    model = fit_logistic(np.array([[0.0], [1.0], [0.2], [0.9]]), np.array([0.0, 1.0, 0.0, 1.0]), ("a",),
                         l2=0.1).with_extra(abstain_below=0.4)
    again = LogisticModel.from_dict(json.loads(json.dumps(model.to_dict())), ("a",))
    assert again.extra["abstain_below"] == 0.4
    assert np.allclose(again.prob(np.array([[0.5]])), model.prob(np.array([[0.5]])), atol=1e-5)
    with pytest.raises(ValueError, match="fit them again"):
        LogisticModel.from_dict(model.to_dict(), ("a", "b"))


def test_the_shipped_weights_load_with_their_thresholds():
    answer = load_model()
    assert answer.features == features.FEATURES and 0 < abstain_below(answer) < 1 and 0 <= quote_floor(answer) <= 1
    passages = passage_model.load_passage_model()
    assert passages.features == passage_model.FEATURES
    assert len(answer.prob(np.zeros((3, len(features.FEATURES)), dtype=np.float32))) == 3
