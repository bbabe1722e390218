"""The extractive answerer: the best sentences of the evidence, quoted verbatim, or ``no_answer``.

No model is needed. Sentences are scored by how much of the question they cover, by cues of the
answer type asked for and by their passage's rank (``scoring``); quotes are picked so that together
they cover the question, and near copies across articles merge into one citation (``selection``).
When the evidence does not cover the question, or misses a name the question asks about, the
answer is ``no_answer`` rather than quotes about something else.
"""

from __future__ import annotations

from assistant.answer.base import Answerer
from assistant.answer.evidence import Evidence
from assistant.answer.extractive.scoring import groups_less_outlets, idf_of, score
from assistant.answer.extractive.selection import citations, each_outlet, select
from assistant.answer.extractive.sentences import ExtractiveConfig, SentenceReader
from assistant.answer.render import NO_ANSWER, render
from assistant.cache import Memo
from assistant.index import Store
from assistant.models import Answer
from assistant.retrieval.analysis import QueryAnalysis
from assistant.text.cues import CUE_REQUIRED, cue
from assistant.text.terms import terms

CONTEXT_WEIGHT = 0.5
UNKNOWN_WORD_FACTOR = 0.85


class ExtractiveAnswerer(Answerer):
    """Compose an ``Answer`` from the evidence, with no model."""

    def __init__(self, store: Store, config: ExtractiveConfig | None = None) -> None:
        self.store = store
        self.config = config or ExtractiveConfig()
        self.reader = SentenceReader()
        # analysed terms of whole articles, for the names check
        self._terms_cache: Memo[tuple[str, str], frozenset[str]] = Memo(1024)  # ~30 kB each

    def compose(self, analysis: QueryAnalysis, evidence: Evidence) -> Answer:
        """Answer from the evidence; the analysis' context (earlier questions) lends a follow-up its subject."""
        abstain = Answer(question=analysis.question, status="no_answer", answer=NO_ANSWER)
        if not evidence.retrieved:
            return abstain
        groups = groups_less_outlets(analysis.terms, analysis.outlets)
        inherited = {g: alts for g, alts in groups_less_outlets(analysis.context_terms, analysis.context_outlets)
                     .items() if g not in groups}
        groups.update(inherited)
        # a year the passages were published in ("the 2025 article") is met by metadata, not text
        for year in {(p.published or "")[:4] for p in evidence.retrieved}:
            groups.pop(year, None)
        if not groups:
            return abstain
        idf, unknown = idf_of(self.store, groups)
        # the word for what is asked (a price, a company, a reply) must be in the evidence
        focus = {t for w in analysis.focus for t in terms(w) if t in groups}
        if focus & unknown:
            return abstain
        for g in inherited.keys() & idf.keys():  # the follow-up's own words matter more than its context's
            idf[g] *= CONTEXT_WEIGHT
        # words no article uses cannot tell one sentence from another: they leave the coverage
        # sum and only cost a little each ("why is Washington *worried*"), names excepted
        names = {g for g in analysis.entities if g in groups}
        for g in unknown - names:
            del groups[g], idf[g]
        unknown_penalty = UNKNOWN_WORD_FACTOR ** len(unknown - names)
        if not groups:
            return abstain
        kind, texts, cfg = analysis.kind, evidence.texts, self.config
        sents = self.reader.candidates(evidence)
        if not sents:
            return abstain
        score(sents, groups, idf, kind, texts, cfg.cue_weight)
        best = sents[0]
        # one sentence cannot cover a 20-term question: expect about `single_terms` of it
        single_needed = min(cfg.min_cover, cfg.single_terms / len(groups))
        if best.cover * unknown_penalty < single_needed or (kind in CUE_REQUIRED and cue(kind, best.text) == 0.0):
            return abstain
        picks = select(sents, kind, texts, idf, cfg)
        each_outlet(picks, sents, analysis.outlets, kind, texts, cfg)
        covered = set().union(*(p.sentence.matched | p.sentence.near for p in picks))
        union = sum(idf[g] for g in covered) / (sum(idf.values()) or 1.0)
        # every name or code the question asks about must stand in the quoted articles:
        # quotes about the S-400 do not answer a question about the F-35
        context = set().union(*(self._article_terms(p.sentence.article_id, texts) for p in picks))
        # ...and the asked-for thing must stand in one quote, not be pieced together from several
        # ("share" from one sentence, "price" from another does not give a share price)
        focus_held = any(focus <= p.sentence.matched | p.sentence.near for p in picks)
        if (union * unknown_penalty < min(cfg.min_cover, 2 * single_needed) or not focus_held
                or not all(groups[g] & context for g in names)):
            return abstain
        cites = citations(picks, texts)
        return Answer(question=analysis.question, status="answered", answer=render(cites), citations=cites)

    def _article_terms(self, article_id: str, texts: dict[str, str]) -> frozenset[str]:
        meta, text = self.store.get_meta(article_id), texts[article_id]
        # the content hash changes with the title or the text: an updated article is analysed anew
        return self._terms_cache.get((article_id, meta["content_hash"] or str(hash(text))),
                                     lambda: frozenset(terms(f"{meta['title'] or ''}\n{text}")))
