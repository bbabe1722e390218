"""Turn verified claims into the answer text and its citations, a piece at a time.

The same builder serves a whole reply and a stream: claims are taken in order,
each one's quote is verified as soon as it is complete, and the claim's
sentence is let out only once it is complete and its quote supports it
(``support.SupportCheck``), so a stream never shows a claim whose quote failed
or says something else. A claim its quote does not support gives way to the
quote itself, with the outlet and date before it as the extractive answer
writes it. Markers are the final citation numbers (1..n in order of first
use), and the pieces let out add up to the answer text.
"""

from __future__ import annotations

import logging
import re

from assistant.answer.llm.output import Claim
from assistant.answer.llm.quotes import Found, Verifier
from assistant.answer.render import when
from assistant.answer.support import SupportCheck, Verdict, paragraph
from assistant.models import AlsoIn, Answer, Citation

log = logging.getLogger("citewise.llm")

_MARKER = re.compile(r"\s*\[\d+(?:\.\d+)?\]")
_END = re.compile(r"^(.*?)([.!?…]*)$", re.S)


def claim_body(text: str) -> str:
    """The claim's sentence without any markers the model wrote into it."""
    return " ".join(_MARKER.sub("", text).split())


class AnswerBuilder:
    """Feeds on the claims parsed so far; hands back the new answer text each time."""

    def __init__(self, verifier: Verifier, support: SupportCheck | None = None) -> None:
        self.verifier = verifier
        self.support = support  # None: every claim is taken as supported (tests of the quotes alone)
        self.citations: list[Citation] = []
        self.parts: list[str] = []
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._next = 0  # the claim being worked on
        self._found: Found | None | bool = False  # False: its quote is not checked yet

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def feed(self, claims: list[Claim]) -> list[str]:
        """New text pieces, for the claims ready so far (call again with more claims as they come)."""
        out: list[str] = []
        while self._next < len(claims):
            claim = claims[self._next]
            if not claim.quote_done:
                break
            if self._found is False:
                self._found = self.verifier.check(claim)
            if self._found is None:
                self._advance()
                continue
            if not claim.done:
                break  # its sentence is checked whole: nothing of it is out before
            body = claim_body(claim.text)
            verdict = self.judge(body, self._found)
            if verdict.supported and body:
                self._finish(body, self._found, out)
            elif not self._cited(self._found):  # a quote already shown is not shown again on its own
                self._finish(lead(self._found), self._found, out)
            self._advance()
        self.parts.extend(out)
        return out

    def close(self) -> list[str]:
        """End the claim a reply broke off in: when its quote verified, the quote stands alone (its
        sentence was cut short: nothing of it is checked, so nothing of it is shown)."""
        out: list[str] = []
        if isinstance(self._found, Found):
            self.verifier.counts.unsupported += 1
            self._finish(lead(self._found), self._found, out)
            self._advance()
        self.parts.extend(out)
        return out

    def judge(self, body: str, found: Found) -> Verdict:
        """Does the quote support the claim's sentence? Counted either way."""
        verdict = Verdict(True)
        if self.support is not None and body:
            src = found.source
            context = paragraph(self.verifier.text(src), found.start, found.end)
            shown = [src.source or "", src.author or "", when(src.published), (src.published or "")[:10]]
            verdict = self.support.check(body, found.quote, context, shown)
        counts = self.verifier.counts
        if verdict.supported:
            counts.supported += 1
        else:
            counts.unsupported += 1
            log.info("held back a claim its quote does not support (%s): %.80r", verdict.reason, body)
        return verdict

    def answer(self, question: str, model: str) -> Answer | None:
        """The answer of the claims kept, or None when no quote survived."""
        if not self.citations:
            return None
        return Answer(question=question, status="answered", answer=self.text, citations=self.citations,
                      backend="llm", model=model, verification=self.verifier.counts.as_dict())

    def _advance(self) -> None:
        self._next += 1
        self._found = False

    def _finish(self, body: str, found: Found, out: list[str]) -> None:
        m = _END.match(body.rstrip())
        core, stop = (m.group(1).rstrip(), m.group(2)) if m else (body, "")
        n = self._number(found)
        if self.parts or out:
            out.append(" ")
        out.append(f"{core} [{n}]{stop}")

    def _cited(self, found: Found) -> bool:
        return (found.source.article_id, found.start, found.end) in self._numbers

    def _number(self, found: Found) -> int:
        key = (found.source.article_id, found.start, found.end)
        if key not in self._numbers:
            src = found.source
            self._numbers[key] = len(self.citations) + 1
            also = [AlsoIn(article_id=o.article_id, source=o.source, published=o.published, start=s, end=e,
                           title=o.title, quote=q) for o, s, e, q in found.also]
            self.citations.append(Citation(n=self._numbers[key], article_id=src.article_id, quote=found.quote,
                                           start=found.start, end=found.end, title=src.title, source=src.source,
                                           author=src.author, published=src.published, url=src.url, also_in=also))
        return self._numbers[key]


def lead(found: Found) -> str:
    """The quote standing alone, as the extractive answer writes it: outlet, date: “quote”."""
    src = found.source
    who = ", ".join(x for x in (src.source or src.title or "", when(src.published)) if x)
    return f"{who}: “{found.quote}”" if who else f"“{found.quote}”"
