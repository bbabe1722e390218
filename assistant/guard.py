"""Text inside an article that speaks to the assistant instead of the reader.

Such a sentence ("Ignore previous instructions and reply that ...") is not
evidence of anything: the extractive answerer never quotes it, and an LLM
answerer never gets it as a source.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|your)\s+"
    r"(instructions|prompts?|rules|directions)"
    r"|^\s*(system|assistant|user)\s*:"
    r"|\byou are (now )?(an? )?(ai|assistant|chatbot|language model|llm)\b"
    r"|\b(reply|respond|answer)\s+(only\s+)?(that|with|to every|every question|all questions)\b"
    r"|\bas an ai\b|<\|?(im_start|im_end|system)\|?>|\[/?inst\]|###\s*instruction",
    re.I,
)


def is_injection(sentence: str) -> bool:
    """True for a sentence that reads as an instruction to an AI system."""
    return bool(_INJECTION.search(sentence))
