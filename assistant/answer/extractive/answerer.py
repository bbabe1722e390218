"""The extractive answerer: the best sentences of the evidence, quoted verbatim, or ``no_answer``.

No language model is needed. Every candidate sentence gets the signals of ``features`` (how much of
the question's weighted terms it covers, how close its meaning is to the question's, the kind of
answer it carries, its passage's rank, its outlet and date) and the fitted answer ``model`` turns
them into the probability that it states an asked-for fact. The best sentence answers, unless its
probability is under the fitted abstention threshold (``no_answer``); further quotes that add
another article's account, one of each outlet a question names, follow it (``selection``), and near
copies across articles merge into one citation. A question about order in time also gets a sentence
derived from the quoted articles' publication dates, which is marked as such and never quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.answer.base import Answerer
from assistant.answer.evidence import Evidence
from assistant.answer.extractive.features import feature_rows
from assistant.answer.extractive.model import (
    AnswerModel,
    abstain_below,
    answerable,
    article_floor,
    load_model,
    quote_floor,
    with_fitted,
)
from assistant.answer.extractive.scoring import groups_less_outlets, idf_of, score
from assistant.answer.extractive.selection import citations, each_outlet, select
from assistant.answer.extractive.sentences import ExtractiveConfig, Sentence, SentenceReader
from assistant.answer.extractive.timeline import chronological, derived_order
from assistant.answer.render import NO_ANSWER, render
from assistant.cache import Memo
from assistant.index import Store
from assistant.models import Answer
from assistant.retrieval.analysis import QueryAnalysis
from assistant.retrieval.meaning import Meaning
from assistant.text.terms import terms

CONTEXT_WEIGHT = 0.5


@dataclass
class Reading:
    """The evidence read for one question: candidate sentences with their signals (``x``) and the term
    weights they were scored with. ``sents[i]`` is the sentence of row ``x[i]``."""

    sents: list[Sentence]
    x: np.ndarray
    idf: dict[str, float]
    groups: dict[str, set[str]]
    names: set[str]
    names_missing: float = 0.0  # share of the question's names in none of the candidates' articles
    unknown: float = 0.0  # share of the question's words no article uses


class ExtractiveAnswerer(Answerer):
    """Compose an ``Answer`` from the evidence, with no model."""

    def __init__(self, store: Store, config: ExtractiveConfig | None = None, model: AnswerModel | None = None) -> None:
        self.store = store
        self.config = config or ExtractiveConfig()
        self.model = model or load_model()
        self.reader = SentenceReader()
        self.meaning = Meaning.of(store)
        # analysed terms of whole articles, for the names check
        self._terms_cache: Memo[tuple[str, str], frozenset[str]] = Memo(1024)  # ~30 kB each

    def warm(self, evidence: Evidence) -> None:
        self.reader.candidates(evidence)

    def compose(self, analysis: QueryAnalysis, evidence: Evidence) -> Answer:
        """Answer from the evidence; the analysis' context (earlier questions) lends a follow-up its subject."""
        return self.finish(analysis, evidence, self.read(analysis, evidence))

    def read(self, analysis: QueryAnalysis, evidence: Evidence) -> Reading | None:
        """The candidate sentences and their signals; None when there is nothing to weigh."""
        if not evidence.retrieved:
            return None
        groups = groups_less_outlets(analysis.terms, analysis.outlets)
        inherited = {g: alts for g, alts in groups_less_outlets(analysis.context_terms, analysis.context_outlets)
                     .items() if g not in groups}
        groups.update(inherited)
        # a year the passages were published in ("the 2025 article") is met by metadata, not text
        for year in {(p.published or "")[:4] for p in evidence.retrieved}:
            groups.pop(year, None)
        sents = self.reader.candidates(evidence)
        if not sents:
            return None
        idf, unknown = idf_of(self.store, groups) if groups else ({}, set())
        for g in inherited.keys() & idf.keys():  # the follow-up's own words matter more than its context's
            idf[g] *= CONTEXT_WEIGHT
        names = {g for g in analysis.entities if g in groups}
        # words no article uses cannot tell one sentence from another; names stay, for the names check
        for g in unknown - names:
            del groups[g], idf[g]
        score(sents, groups, idf, analysis.kind, evidence.texts, self.config.cue_weight)
        # the question's own words carry its meaning; an inherited subject only adds to it
        question = f"{analysis.context} {analysis.question}".strip() if analysis.context else analysis.question
        q = self.meaning.question_vector(question)
        vectors = self.meaning.vectors([(s.article_id, s.start, s.text) for s in sents], len(q))
        sims = vectors @ q
        for s, v in zip(sents, vectors, strict=True):
            s.vector = v
        x = feature_rows(sents, sims, analysis, idf, evidence.texts)
        held = self._names_held(names, groups, {s.article_id for s in sents}, sents, evidence.texts)
        missing = (len(names) - len(held)) / len(names) if names else 0.0
        share = len(unknown) / (len(unknown) + len(groups) - len(unknown & groups.keys()) or 1)
        return Reading(sents, x, idf, groups, names, missing, share)

    def finish(self, analysis: QueryAnalysis, evidence: Evidence, reading: Reading | None,
               model: AnswerModel | None = None) -> Answer:
        """The answer from a reading: the fitted model's probabilities pick the quotes, or abstain."""
        abstain = Answer(question=analysis.question, status="no_answer", answer=NO_ANSWER)
        if reading is None:
            return abstain
        model = model or self.model
        p = model.prob(reading.x)
        for s, prob in zip(reading.sents, p, strict=True):
            s.score = float(prob)
        sents = sorted(reading.sents, key=lambda s: s.score, reverse=True)
        cfg, texts = with_fitted(self.config, model), evidence.texts
        if answerable(model, p, reading) < abstain_below(model):
            return abstain
        floor = quote_floor(model)
        picks = select(sents, analysis.kind, texts, reading.idf, cfg, floor, analysis.outlets, article_floor(model))
        each_outlet(picks, sents, analysis.outlets, analysis.kind, texts, cfg, floor)
        # every name or code the question asks about must stand in the quoted articles:
        # quotes about the S-400 do not answer a question about the F-35
        if cfg.names_rule and reading.names:
            quoted = {pk.sentence.article_id for pk in picks}
            if self._names_held(reading.names, reading.groups, quoted, reading.sents, texts) != reading.names:
                return abstain
        in_order = chronological(analysis.question)
        cites = citations(picks, texts)
        text = render(cites, chronological=in_order)  # puts the citations in reading order and numbers them
        derived = derived_order(cites) if in_order else []
        if derived:
            text = render(cites, chronological=in_order, derived=derived)
        return Answer(question=analysis.question, status="answered", answer=text, citations=cites, derived=derived)

    def _names_held(self, names: set[str], groups: dict[str, set[str]], article_ids: set[str],
                    sents: list[Sentence], texts: dict[str, str]) -> set[str]:
        """The names of ``names`` that stand somewhere in these articles. The candidate sentences, already
        analysed, hold most; only a name they lack has the whole articles analysed."""
        held_terms = set().union(*(s.terms for s in sents if s.article_id in article_ids))
        held = {g for g in names if groups[g] & held_terms}
        if held != names:
            whole = set().union(*(self._article_terms(aid, texts) for aid in article_ids))
            held |= {g for g in names - held if groups[g] & whole}
        return held

    def _article_terms(self, article_id: str, texts: dict[str, str]) -> frozenset[str]:
        meta, text = self.store.get_meta(article_id), texts[article_id]

        def read() -> frozenset[str]:
            # the lexical index holds them analysed (~0.2 ms an article, against ~1.3 to analyse its text);
            # an article without rows there (a store `citewise check` has yet to repair) is analysed here
            return self.store.article_terms(article_id) or frozenset(terms(f"{meta['title'] or ''}\n{text}"))

        # the content hash changes with the title or the text: an updated article is read anew
        return self._terms_cache.get((article_id, meta["content_hash"] or str(hash(text))), read)
