"""The REST adapter's request economy and error paths, counted against faked responses."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from cms_bridge.config import Config
from cms_bridge.errors import AuthenticationError, ServerError
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import CategoryChange, PostInput, PostQuery
from cms_bridge.wordpress.rest import RestAdapter

from .conftest import SITE

ROOT = f"{SITE}/wp-json/"
POSTS = re.compile(re.escape(f"{SITE}/wp-json/wp/v2/posts") + r"(\?.*)?$")


def post_item(post_id: int, slug: str, status: str = "publish") -> dict:
    return {"id": post_id, "slug": slug, "title": {"raw": f"t{post_id}"}, "status": status,
            "date_gmt": "2024-05-01T03:00:00", "modified_gmt": "2024-05-01T03:00:00",
            "categories": [1], "tags": [], "featured_media": 0, "link": f"{SITE}/?p={post_id}", "author": 1}


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@pytest.fixture
def adapter(config: Config) -> RestAdapter:
    return RestAdapter(HttpClient(config, sleep=lambda s: None), rest_root=ROOT)


def site_info_responses(mock: responses.RequestsMock, batch_limit: int = 25) -> None:
    mock.get(ROOT, json={"name": "สพม. ทดสอบ", "namespaces": ["wp/v2"], "timezone_string": "Asia/Bangkok",
                         "gmt_offset": 7})
    mock.get(f"{ROOT}wp/v2/users/me", json={"capabilities": {"publish_posts": True}})
    mock.add("OPTIONS", f"{ROOT}batch/v1",
             json={"endpoints": [{"args": {"requests": {"maxItems": batch_limit}}}]})


@pytest.mark.parametrize("n", [1, 100, 101, 250])
def test_finding_n_keys_costs_ceil_n_over_100_requests(http_mock, adapter, n) -> None:
    def reply(request):
        slugs = parse_qs(urlsplit(request.url).query)["slug"][0].split(",")
        live = [s for s in slugs if not s.endswith("__trashed")]
        items = [post_item(i, s) for i, s in enumerate(live, 1)]
        return 200, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": "1"}, json.dumps(items)

    http_mock.add_callback(responses.GET, POSTS, callback=reply)
    keys = [f"pr-k-{i}" for i in range(n)]
    found = adapter.find_by_keys(keys)
    assert set(found) == set(keys)
    assert adapter.http.requests_sent == math.ceil(n / 100)
    # Each lookup asks for the trashed variant too, and for every status.
    first = query_of(http_mock.calls[0])
    assert "pr-k-0__trashed" in first["slug"][0].split(",")
    assert set(first["status"][0].split(",")) >= {"publish", "future", "draft", "private", "trash"}


def test_find_prefers_a_live_post_over_a_trashed_one(http_mock, adapter) -> None:
    items = [post_item(7, "pr-x__trashed", "trash"), post_item(9, "pr-x", "draft")]
    http_mock.get(POSTS, json=items, headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"})
    assert adapter.find_by_keys(["pr-x"])["pr-x"].id == 9


def test_count_is_one_request_however_many_match(http_mock, adapter) -> None:
    site_info_responses(http_mock)
    http_mock.get(POSTS, json=[{"id": 1}], headers={"X-WP-Total": "12345", "X-WP-TotalPages": "12345"})
    assert adapter.count_posts(PostQuery(category=3, after=datetime(2024, 3, 31, 17, tzinfo=timezone.utc))) == 12345
    count_call = http_mock.calls[-1]
    q = query_of(count_call)
    assert q["per_page"] == ["1"] and q["_fields"] == ["id"]
    # 31 Mar 17:00 UTC is 1 Apr 00:00 in Bangkok; WordPress's "after" is exclusive, to the second.
    assert q["after"] == ["2024-03-31T23:59:59"]
    assert adapter.count_posts(PostQuery()) == 12345
    assert adapter.http.requests_sent == 3 + 2  # site info once, then one request per count


def test_warm_category_lookup_costs_nothing(http_mock, adapter) -> None:
    http_mock.get(f"{ROOT}wp/v2/categories", json=[
        {"id": 2, "name": "ITA 2567", "parent": 0, "slug": "ita-2567", "count": 0},
        {"id": 3, "name": "ประกาศ &amp; คำสั่ง", "parent": 2, "slug": "x", "count": 4},
    ], headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"})
    assert adapter.ensure_category_path("ITA 2567 / ประกาศ & คำสั่ง").id == 3
    sent = adapter.http.requests_sent
    assert adapter.ensure_category_path("ITA  2567 / ประกาศ & คำสั่ง").id == 3
    assert adapter.http.requests_sent == sent == 1


def test_term_exists_resolves_to_the_existing_term(http_mock, adapter) -> None:
    http_mock.get(f"{ROOT}wp/v2/categories", json=[], headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})
    http_mock.post(f"{ROOT}wp/v2/categories", status=400, json={
        "code": "term_exists", "message": "A term with the name provided already exists.",
        "data": {"status": 400, "term_id": 44}})
    http_mock.get(f"{ROOT}wp/v2/categories/44", json={"id": 44, "name": "ข่าว", "parent": 0})
    assert adapter.ensure_category_path("ข่าว").id == 44


@pytest.mark.parametrize(("n", "limit"), [(25, 25), (26, 25), (60, 10), (7, 1)])
def test_n_bulk_writes_cost_ceil_n_over_batch_limit(http_mock, adapter, n, limit) -> None:
    site_info_responses(http_mock, batch_limit=limit)
    if limit == 1:
        http_mock.replace("OPTIONS", f"{ROOT}batch/v1", status=404, json={"code": "rest_no_route"})
        http_mock.add_callback(responses.POST, re.compile(re.escape(f"{ROOT}wp/v2/posts/") + r"\d+"),
                               callback=lambda r: (200, {}, json.dumps({"id": 1})))
    else:
        def reply(request):
            body = json.loads(request.body)
            assert len(body["requests"]) <= limit
            return 207, {}, json.dumps({"responses": [{"status": 200, "body": {"id": 1}}
                                                      for _ in body["requests"]]})
        http_mock.add_callback(responses.POST, f"{ROOT}batch/v1", callback=reply)
    changes = [CategoryChange(post_id=i, add=(5,), remove=(1,)) for i in range(n)]
    assert adapter.change_categories(changes, current={i: [1] for i in range(n)}) == n
    writes = [c for c in http_mock.calls if c.request.method == "POST"]
    assert len(writes) == math.ceil(n / limit)


def test_create_is_retried_only_when_the_key_shows_it_did_not_happen(http_mock, adapter) -> None:
    # First POST: the server fails after creating nothing; the lookup finds nothing; retry works.
    http_mock.post(POSTS, status=503, body="busy")
    http_mock.get(POSTS, json=[], headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})
    http_mock.post(POSTS, status=201, json=post_item(5, "pr-new"))
    assert adapter.create_post(PostInput(key="pr-new", title="ก")).id == 5
    assert [c.request.method for c in http_mock.calls] == ["POST", "GET", "POST"]


def test_create_that_happened_despite_the_error_is_not_repeated(http_mock, adapter) -> None:
    http_mock.post(POSTS, body=requests.exceptions.ReadTimeout("timed out"))
    http_mock.get(POSTS, json=[post_item(8, "pr-new", "draft")], headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"})
    assert adapter.create_post(PostInput(key="pr-new", title="ก")).id == 8
    assert [c.request.method for c in http_mock.calls] == ["POST", "GET"]


def test_create_is_not_retried_on_a_500(http_mock, adapter) -> None:
    http_mock.post(POSTS, status=500, json={"code": "db_insert_error", "message": "Could not insert"})
    with pytest.raises(ServerError):
        adapter.create_post(PostInput(key="pr-new", title="ก"))
    assert adapter.http.requests_sent == 1


def test_iterating_reads_every_page_once(http_mock, adapter) -> None:
    site_info_responses(http_mock)
    for page in (1, 2, 3):
        items = [post_item(i, f"s{i}") for i in range((page - 1) * 100, min(page * 100, 250))]
        http_mock.get(POSTS, json=items, headers={"X-WP-Total": "250", "X-WP-TotalPages": "3"},
                      match=[responses.matchers.query_param_matcher({"page": str(page)}, strict_match=False)])
    assert len(list(adapter.iter_posts(PostQuery()))) == 250
    assert adapter.http.requests_sent == 3 + 3


def test_wrong_password_is_an_authentication_error_naming_the_fix(http_mock, adapter) -> None:
    http_mock.get(POSTS, status=401, json={"code": "rest_not_logged_in", "message": "You are not currently logged in."})
    with pytest.raises(AuthenticationError) as err:
        adapter.find_by_keys(["pr-a"])
    assert "Application Passwords" in str(err.value) and "Authorization header" in str(err.value)


def test_discovers_the_api_root_from_the_link_header(http_mock, config) -> None:
    http_mock.head(f"{SITE}/", headers={"Link": f'<{SITE}/index.php?rest_route=/>; rel="https://api.w.org/"'})
    http_mock.get(re.compile(re.escape(f"{SITE}/index.php?rest_route=/wp/v2/posts")), json=[],
                  headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})
    adapter = RestAdapter(HttpClient(config))
    adapter.find_by_keys(["pr-a"])
    adapter.find_by_keys(["pr-b"])
    assert [c.request.method for c in http_mock.calls] == ["HEAD", "GET", "GET"]


def test_delete_media_skips_the_trash_and_is_counted(http_mock, adapter) -> None:
    http_mock.delete(f"{ROOT}wp/v2/media/31", json={"deleted": True, "previous": {"id": 31}})
    adapter.delete_media(31)
    assert query_of(http_mock.calls[-1]) == {"force": ["true"]}
    assert adapter.requests_sent == adapter.http.requests_sent == 1
