"""Turn verified claims into the answer text and its citations, a piece at a time.

The same builder serves a whole reply and a stream: claims are taken in order,
each one's quote is verified as soon as it is complete, and only then is the
claim's sentence let out, so a stream never shows a claim whose quote failed.
Markers are the final citation numbers (1..n in order of first use), and the
pieces let out add up to the answer text.
"""

from __future__ import annotations

import re

from assistant.answer.llm.output import Claim
from assistant.answer.llm.quotes import Found, Verifier
from assistant.models import AlsoIn, Answer, Citation

_MARKER = re.compile(r"\s*\[\d+\]")
_PARTIAL_MARKER = re.compile(r"\s*\[\d*$")
_END = re.compile(r"^(.*?)([.!?…]*)$", re.S)
_HOLD = " \t\n.!?…"  # held back while a sentence is written: the marker goes before its full stop


def claim_body(text: str) -> str:
    """The claim's sentence without any markers the model wrote into it."""
    return " ".join(_MARKER.sub("", text).split())


class AnswerBuilder:
    """Feeds on the claims parsed so far; hands back the new answer text each time."""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier
        self.citations: list[Citation] = []
        self.parts: list[str] = []
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._next = 0  # the claim being worked on
        self._found: Found | None | bool = False  # False: its quote is not checked yet
        self._shown = ""  # what of its sentence is out
        self._opened = False  # some of it is out (after a space, when claims came before)

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
            body = claim_body(claim.text)
            if not claim.done:
                # the last word may be half written: it waits, so a cut never leaves half a word out
                self._show(_PARTIAL_MARKER.sub("", body).rpartition(" ")[0].rstrip(_HOLD), out)
                break
            self._finish(body or f"“{self._found.quote}”", self._found, out)
            self._advance()
        self.parts.extend(out)
        return out

    def close(self) -> list[str]:
        """End the claim a reply broke off in: when its quote verified, what is out of its sentence
        (or else the quote itself) gets an ellipsis and its marker."""
        out: list[str] = []
        if isinstance(self._found, Found):
            if self._shown:
                out.append(f"… [{self._number(self._found)}]")
            else:
                self._finish(f"“{self._found.quote}”", self._found, out)
            self._advance()
        self.parts.extend(out)
        return out

    def answer(self, question: str, model: str) -> Answer | None:
        """The answer of the claims kept, or None when no quote survived."""
        if not self.citations:
            return None
        return Answer(question=question, status="answered", answer=self.text, citations=self.citations,
                      backend="llm", model=model, verification=self.verifier.counts.as_dict())

    def _advance(self) -> None:
        self._next += 1
        self._found = False
        self._shown = ""
        self._opened = False

    def _open(self, out: list[str]) -> None:
        if not self._opened and (self.parts or out):
            out.append(" ")
        self._opened = True

    def _show(self, body: str, out: list[str]) -> None:
        if body.startswith(self._shown) and len(body) > len(self._shown):
            self._open(out)
            out.append(body[len(self._shown):])
            self._shown = body

    def _finish(self, body: str, found: Found, out: list[str]) -> None:
        m = _END.match(body.rstrip())
        core, stop = (m.group(1).rstrip(), m.group(2)) if m else (body, "")
        n = self._number(found)
        self._open(out)
        rest = core[len(self._shown):] if core.startswith(self._shown) else ""
        out.append(f"{rest} [{n}]{stop}")

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
