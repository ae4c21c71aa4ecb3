"""Keep only what is about a watched topic; record, per topic, which terms
matched and where.

Each topic (topics/*.yml) judges the statement with its own terms, windows
and exclusions. A statement no topic matches is dropped; one that several
match is one item, tagged with each (``topics``: one entry per topic with
that topic's matched terms and excerpt; db/store.py writes them to
statement_topics). ``matched_terms`` is the union, ``excerpt`` the first
matching topic's (in topic order), as before there were several.
"""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from stationwatch.items import UnattributedQuote
from stationwatch.topic import load_topics


class RelevancePipeline:
    def __init__(self, topic_path=None, topic_names=None, topics_dir=None):
        self.topics = load_topics(topic_path, topic_names, topics_dir)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("STATIONWATCH_TOPIC"), settings.get("STATIONWATCH_TOPICS"),
                   settings.get("STATIONWATCH_TOPICS_DIR"))

    def process_item(self, item):
        if isinstance(item, UnattributedQuote):  # its article was judged on topic
            return item
        adapter = ItemAdapter(item)
        # An answer rarely repeats the topic's words: its question (context) does.
        # The excerpt still quotes the statement itself, not its title or question.
        lead = "\n\n".join(p for p in (adapter.get("title"), adapter.get("context")) if p)
        text = adapter.get("text") or ""
        combined = f"{lead}\n\n{text}" if lead else text
        judgements = self.topics.judge_each(combined, excerpt_from=len(combined) - len(text))
        matched = [(name, j) for name, j in judgements.items() if j.relevant]
        if not matched:
            reasons = sorted({j.reason for j in judgements.values()})
            raise DropItem(f"off topic ({', '.join(reasons)}): {adapter.get('url')}", log_level="DEBUG")
        adapter["topics"] = [{"topic": name, "matched_terms": j.matched_terms, "excerpt": j.excerpt}
                             for name, j in matched]
        adapter["topics_judged"] = list(judgements)
        adapter["matched_terms"] = sorted({term for _, j in matched for term in j.matched_terms})
        adapter["excerpt"] = matched[0][1].excerpt
        return item
