"""One contract, two adapters: REST and XML-RPC behave the same against the real WordPress.

The contract itself lives in tests/contract.py (the unit tier runs it on the fake site too).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from cms_bridge.config import Config
from cms_bridge.wordpress import RestAdapter, XmlRpcAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import Category, Post, PostQuery, PostStatus
from cms_bridge.wordpress.protocol import Cms

from ..contract import *  # noqa: F403 - the shared contract tests, collected here
from ..contract import draft


@pytest.fixture(params=["rest", "xmlrpc"])
def cms(request: pytest.FixtureRequest, clean_site: Config) -> Iterator[Cms]:
    http = HttpClient(clean_site)
    yield RestAdapter(http) if request.param == "rest" else XmlRpcAdapter(http)


class RestChecker:
    """The site seen through a REST adapter of its own, independent of the one under test."""

    def __init__(self, adapter: RestAdapter) -> None:
        self.adapter = adapter

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        return self.adapter.get_post(post_id, with_content=with_content)

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        return self.adapter.iter_posts(query)

    def count_posts(self, query: PostQuery) -> int:
        return self.adapter.count_posts(query)

    def ensure_category_path(self, path: str) -> Category:
        return self.adapter.ensure_category_path(path)

    def fresh_categories(self) -> list[Category]:
        return RestAdapter(self.adapter.http).list_categories()

    def add_post(self, *, title: str, slug: str, status: PostStatus) -> int:
        response = self.adapter.http.request("POST", self.adapter._url("/wp/v2/posts"),
                                             json={"title": title, "slug": slug, "status": status})
        return int(response.json()["id"])

    def add_category(self, name: str, parent: int = 0) -> int:
        body = {"name": name, **({"parent": parent} if parent else {})}
        return int(self.adapter._call("POST", "/wp/v2/categories", json=body)["id"])

    def make_posts(self, posts: Sequence[tuple[str, datetime]], category: int) -> list[int]:
        writes = [("POST", "/wp/v2/posts", {"title": title, "status": "publish", "categories": [category],
                                            "date_gmt": when.astimezone(timezone.utc).replace(tzinfo=None).isoformat()})
                  for title, when in posts]
        return [item["id"] for item in self.adapter.batch(writes)]

    def public_file(self, url: str) -> bytes | None:
        # As a visitor downloads it: no credentials, straight from the web server.
        answer = requests.get(url, timeout=30)
        return answer.content if answer.status_code == 200 else None

    def add_entry(self, *, title: str, content: str, status: PostStatus, post_type: str = "post") -> int:
        route = "/wp/v2/pages" if post_type == "page" else "/wp/v2/posts"
        return int(self.adapter._call("POST", route, json={"title": title, "content": content, "status": status})["id"])

    def add_media(self, path: Path, *, parent: int | None = None) -> int:
        # As the media library's uploader sends it: a multipart form, the name in UTF-8.
        import mimetypes

        from cms_bridge.wordpress.http import MultipartFile

        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        params = {"post": parent} if parent else {}
        with MultipartFile(path, field="file", filename=path.name, content_type=mime) as body:
            answer = self.adapter.http.request("POST", self.adapter._url("/wp/v2/media"), data=body, params=params,
                                               headers={"Content-Type": body.content_type,
                                                        "Content-Length": str(len(body))})
        return int(answer.json()["id"])


@pytest.fixture
def site(clean_site: Config) -> RestChecker:
    """A REST adapter on the same site, to arrange and check independently of the one under test."""
    return RestChecker(RestAdapter(HttpClient(clean_site)))


def test_connect_auto_prefers_rest_and_falls_back_to_xmlrpc(clean_site: Config, site_switch) -> None:
    from cms_bridge.wordpress import connect

    assert isinstance(connect(clean_site), RestAdapter)
    site_switch("rest-disabled")
    fallback = connect(clean_site)
    assert isinstance(fallback, XmlRpcAdapter)
    assert fallback.create_post(draft("pr-fallback")).key == "pr-fallback"

