"""The replay server answers recorded responses by URL, as its docstring says."""

from urllib.request import urlopen

from stationwatch.replay import Entry, ReplayServer, from_replay_url, to_replay_url


def entry(path, query=(), body=b"x"):
    return Entry("https", "api.example.gov", path, list(query), body)


def test_most_specific_entry_wins_and_extra_parameters_are_allowed():
    server = ReplayServer(manifests=[], entries=[
        entry("/search", body=b"any page"),
        entry("/search", [("page", "2")], body=b"page two"),
        entry("/collections/*/items", body=b"any date"),
        entry("/collections/2022-09-01/items", body=b"first run"),
    ])
    lookup = lambda url: (server.lookup(url) or Entry("", "", "", [], b"404")).body  # noqa: E731
    assert lookup("/https/api.example.gov/search?q=police&page=2") == b"page two"
    assert lookup("/https/api.example.gov/search?q=police&page=3") == b"any page"
    assert lookup("/https/api.example.gov/collections/2026-11-20/items") == b"any date"
    assert lookup("/https/api.example.gov/collections/2022-09-01/items") == b"first run"
    assert lookup("/https/api.example.gov/collections/2026-11-20/other") == b"404"
    assert lookup("/https/other.example.gov/search") == b"404"


def test_served_over_http_on_loopback_and_logged():
    with ReplayServer(manifests=[], entries=[entry("/a", body=b"hello")]) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urlopen(f"{server.url}/https/api.example.gov/a?x=1") as response:
            assert response.read() == b"hello"
        assert server.requests[0][0] == "/https/api.example.gov/a?x=1"


def test_replay_urls_round_trip():
    base = "http://127.0.0.1:8000"
    url = "https://api.example.gov/path/x?q=a%20b&y=1"
    assert from_replay_url(base, to_replay_url(base, url)) == url


def test_a_json_post_is_matched_by_its_body_fields_as_query_parameters():
    """APIs asked by POST (Parlament Österreich's Filter API) replay from the
    same replay.yml: the entry names the body's fields in its URL."""
    import json as json_module
    import urllib.request

    entry = Entry("https", "api.example.org", "/filter", [("GP_CODE", "XXVIII"), ("NRBR", "NR")], b'{"rows": []}')
    with ReplayServer(manifests=[], entries=[entry]) as server:
        def post(body):
            request = urllib.request.Request(server.url + "/https/api.example.org/filter", method="POST",
                                             data=json_module.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, b""

        assert post({"GP_CODE": ["XXVIII"], "NRBR": "NR", "VHG": ["J"]}) == (200, b'{"rows": []}')
        assert post({"GP_CODE": ["XXVII"], "NRBR": "NR"})[0] == 404
