"""The extractive answerer: the best sentences of the evidence, quoted verbatim, with no model.

``sentences`` reads the candidate sentences, ``scoring`` weighs them against the question,
``selection`` picks the quotes and makes the citations, ``answerer`` decides between an answer and
``no_answer``. Import the modules themselves.
"""
