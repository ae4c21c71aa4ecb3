"""PRC embassies' spokesperson pages (spiders/china_embassies.py), and the
``host_country`` field they introduced: China's embassy in Chile speaks as
China (country CN) in Chile (host_country CL)."""

import pytest

from db.store import StatementStore, content_hash
from stationwatch.items import Statement


def stored_item(record_id, host_country, text):
    """A normalised candidate as the pipelines hand it to the store (made up here)."""
    item = {
        "source": "china_embassies", "source_kind": "embassy", "country": "CN",
        "body": "Embassy of the PRC in Chile", "kind": "statement", "published": "2022-11-01",
        "title": f"Test {record_id}", "text": text, "url": f"https://example.org/{record_id}",
        "language": "es", "record_id": record_id, "matched_terms": [], "host_country": host_country,
    }
    item["text_hash"] = content_hash(text)
    return item


def test_host_country_is_stored_and_filterable(db):
    store = StatementStore(db)
    with db.atomic():
        store.save(stored_item("cl-1", "CL", "Texto de prueba sobre las estaciones de policía."))
        store.save(stored_item("ca-1", "CA", "Test text about the police service stations."))
    rows = db.execute("SELECT record_id, country FROM statements WHERE host_country = 'CL'").fetchall()
    assert rows == [("cl-1", "CN")]
    plan = " ".join(str(r) for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM statements WHERE host_country = 'CL'").fetchall())
    assert "host_country" in plan  # the filter reads the index m012 added


def test_host_country_must_be_a_country_code():
    fields = dict(source="china_embassies", source_kind="embassy", country="CN", body="Embassy",
                  kind="statement", url="https://x", title="t", published="2022-11-01",
                  language="es", text="t", record_id="r")
    assert Statement(**fields, host_country="CL").host_country == "CL"
    assert Statement(**fields).host_country is None
    with pytest.raises(ValueError, match="host_country"):
        Statement(**fields, host_country="Chile")
