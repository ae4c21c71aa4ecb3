"""Press: article extraction (extract.py), the gazetteer of who speaks for a
state (gazetteer.py, data in config/gazetteer.yml), attributed quotes and
reported actions (quotes.py) and the Statements made from them (statements.py)."""
