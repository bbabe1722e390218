"""The LLM answerer: any OpenAI-compatible model, every quote verified against the article.

Only this package imports ``openai`` and ``langchain_openai``. ``LLMComposer``
is what ``assistant.composers.make_composer("openai", ...)`` builds.
"""

from assistant.llm.composer import LLMComposer

__all__ = ["LLMComposer"]
