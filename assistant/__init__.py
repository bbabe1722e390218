"""citewise: answers about news articles with verbatim, verified, cited quotes."""

__version__ = "0.1.0"
