"""Answering from retrieved passages: the evidence filter every answerer reads (``evidence``), the
route for questions about an article rather than its story (``metadata``), the answerers
(``extractive``, ``llm``) behind one interface (``base``) chosen by name (``registry``), how an answer
reads (``render``) and the last gate before any user (``verify``). Import the modules themselves.
"""
