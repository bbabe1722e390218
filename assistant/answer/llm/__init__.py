"""The LLM answerer: any OpenAI-compatible model, every quote verified against the article.

Only this package imports ``openai`` and ``langchain_openai``. ``LLMAnswerer``
is what ``assistant.answer.registry.make_answerer("openai", ...)`` builds.
"""

from assistant.answer.llm.answerer import LLMAnswerer

__all__ = ["LLMAnswerer"]
