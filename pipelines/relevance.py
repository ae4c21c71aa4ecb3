"""Keep only what is about the topic; record which terms matched and where."""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from stationwatch.topic import load_topic


class RelevancePipeline:
    def __init__(self, topic_path=None):
        self.topic = load_topic(topic_path)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("STATIONWATCH_TOPIC"))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        # An answer rarely repeats the topic's words: its question (context) does.
        # The excerpt still quotes the statement itself, not its title or question.
        lead = "\n\n".join(p for p in (adapter.get("title"), adapter.get("context")) if p)
        text = adapter.get("text") or ""
        combined = f"{lead}\n\n{text}" if lead else text
        judgement = self.topic.judge(combined, excerpt_from=len(combined) - len(text))
        if not judgement.relevant:
            raise DropItem(f"off topic ({judgement.reason}): {adapter.get('url')}", log_level="DEBUG")
        adapter["matched_terms"] = judgement.matched_terms
        adapter["excerpt"] = judgement.excerpt
        return item
