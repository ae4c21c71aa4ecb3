"""Item pipelines: each does one thing to every item, whatever the source.

Order (stationwatch/settings.py): normalize -> relevance -> store. Relevance
runs on normalised text, so that markup and entities cannot hide a term.
"""
