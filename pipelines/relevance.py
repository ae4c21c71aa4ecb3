"""Keep only what is about the topic; record which terms matched and where."""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from stationwatch.topic import excerpt_of, load_topic


class RelevancePipeline:
    def __init__(self, topic_path=None):
        self.topic = load_topic(topic_path)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("STATIONWATCH_TOPIC"))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        # An answer rarely repeats the topic's words: its question (context) does.
        parts = (adapter.get("title"), adapter.get("context"), adapter.get("text"))
        judgement = self.topic.judge("\n\n".join(p for p in parts if p))
        if not judgement.relevant:
            raise DropItem(f"off topic ({judgement.reason}): {adapter.get('url')}", log_level="DEBUG")
        adapter["matched_terms"] = judgement.matched_terms
        # The excerpt quotes the statement itself, not its title or question.
        adapter["excerpt"] = excerpt_of(self.topic, adapter.get("text") or "") or judgement.excerpt
        return item
