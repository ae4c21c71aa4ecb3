"""Leaf modules every part of stationwatch shares: run health, text folding
and fingerprints, the statement vocabularies.

Nothing here imports the rest of the project (tests/test_structure.py checks
it), so db/, pipelines/, spiders/ and stationwatch/ can all import it without
a cycle.
"""
