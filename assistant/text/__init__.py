"""Language-level helpers shared by ingest, retrieval and composition: folding text for
matching (``fold``), analysed terms (``terms``) and how much of a question's weighted terms a text
holds (``coverage``), sentence spans (``sentences``), month and
weekday names with the dates and years a question names (``dates``), and the kind of answer a
question asks for (``cues``). Import the modules themselves; this package re-exports nothing.
"""
