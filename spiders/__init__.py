"""One spider per source, named after the body it reads (city-scrapers style)."""
