"""Finding the passages a question needs: the question analysed once (``analysis``), what its words
name (``question``), the hybrid ranker (``hybrid``), the reranking step (``rerank``) and the hard
filters of an API caller (``filters``). Import the modules themselves; this package re-exports nothing.
"""
