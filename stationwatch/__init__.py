"""stationwatch: track how governments answer a policy question.

Spiders (spiders/) fetch records from parliaments, ministries, police and the
press; pipelines (pipelines/) clean them, keep what is on topic and store it
through db/; the digest tells users what is new.
"""

__version__ = "0.1.0"
