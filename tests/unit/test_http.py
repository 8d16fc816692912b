"""The HTTP layer: error mapping, the retry policy and redaction, against faked responses."""

from __future__ import annotations

import pytest
import requests

from cms_bridge.config import Config
from cms_bridge.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SiteError,
    TransportError,
)
from cms_bridge.wordpress.http import HttpClient, json_body

from .conftest import PASSWORD, SITE

URL = f"{SITE}/?rest_route=/wp/v2/posts"


class Sleeps(list[float]):
    """Records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(config: Config, sleeps: Sleeps) -> HttpClient:
    return HttpClient(config, sleep=sleeps)


def wp_error(status: int, code: str, message: str = "nope") -> dict:
    return {"json": {"code": code, "message": message, "data": {"status": status}}, "status": status}


def test_503_then_success_is_retried_with_growing_capped_waits(http_mock, client, sleeps) -> None:
    http_mock.get(URL, status=503, body="busy")
    http_mock.get(URL, status=503, body="busy")
    http_mock.get(URL, json=[{"id": 1}])
    assert json_body(client.request("GET", URL)) == [{"id": 1}]
    assert client.requests_sent == 3
    assert len(sleeps) == 2
    # Full jitter: each wait lies between 0 and initial * 2**n, never above the cap.
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


def test_429_honours_retry_after_but_not_beyond_the_cap(http_mock, client, sleeps) -> None:
    http_mock.get(URL, status=429, headers={"Retry-After": "7"}, json={"code": "too_many"})
    http_mock.get(URL, status=429, headers={"Retry-After": "9999"}, json={"code": "too_many"})
    http_mock.get(URL, json=[])
    client.request("GET", URL)
    assert sleeps == [7.0, client.config.retry.max_backoff_seconds]


def test_attempts_are_limited_and_the_last_error_is_raised(http_mock, client, sleeps) -> None:
    for _ in range(client.config.retry.attempts):
        http_mock.get(URL, status=502, body="<html>Bad Gateway</html>")
    with pytest.raises(ServerError) as err:
        client.request("GET", URL)
    assert err.value.status == 502
    assert client.requests_sent == client.config.retry.attempts


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "rest_invalid_param", SiteError),
        (401, "rest_not_logged_in", AuthenticationError),
        (403, "rest_cannot_create", PermissionDeniedError),
        (404, "rest_post_invalid_id", NotFoundError),
        (400, "term_exists", ConflictError),
        (500, "internal_server_error", ServerError),
    ],
)
def test_client_errors_and_500_are_not_retried(http_mock, client, sleeps, status, code, kind) -> None:
    http_mock.post(URL, **wp_error(status, code, "ข้อความภาษาไทย"))
    with pytest.raises(kind) as err:
        client.request("POST", URL, json={})
    assert type(err.value) is kind
    assert (err.value.status, err.value.code, err.value.method) == (status, code, "POST")
    assert "ข้อความภาษาไทย" in str(err.value)
    assert client.requests_sent == 1 and sleeps == []


def test_timeout_is_a_transport_error_and_retried(http_mock, client) -> None:
    http_mock.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    http_mock.get(URL, json={"ok": True})
    assert json_body(client.request("GET", URL)) == {"ok": True}


def test_non_idempotent_request_is_not_retried(http_mock, client) -> None:
    http_mock.post(URL, body=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(TransportError):
        client.request("POST", URL, retry=False)
    assert client.requests_sent == 1


def test_html_page_instead_of_json_is_an_invalid_response(http_mock, client) -> None:
    http_mock.get(URL, body="<html><body>Maintenance</body></html>", content_type="text/html")
    with pytest.raises(InvalidResponseError, match="expected JSON, got text/html"):
        json_body(client.request("GET", URL))


def test_malformed_json_is_an_invalid_response(http_mock, client) -> None:
    http_mock.get(URL, body='{"id": 1,', content_type="application/json")
    with pytest.raises(InvalidResponseError):
        json_body(client.request("GET", URL))


def test_credentials_are_sent_as_basic_auth_and_never_shown(http_mock, client) -> None:
    # A misbehaving server that echoes the Authorization header and password back in its error.
    http_mock.get(URL, status=401, json={"code": "rest_not_logged_in", "message": f"bad {PASSWORD}"})
    with pytest.raises(AuthenticationError) as err:
        client.request("GET", URL)
    sent = http_mock.calls[0].request.headers["Authorization"]
    assert sent.startswith("Basic ")
    for text in (str(err.value), repr(err.value), str(err.value.details()), err.value.body or ""):
        assert PASSWORD not in text and sent not in text


def _echo_pages(sent: str) -> list[str]:
    token = sent.removeprefix("Basic ")
    compact = PASSWORD.replace(" ", "")
    return [
        f"<h1>Server error</h1><pre>Authorization: {sent}\nHost: example</pre>",   # headers dumped
        f"<pre>[HTTP_AUTHORIZATION] => {sent}\n[PHP_AUTH_PW] => {compact}</pre>",  # print_r($_SERVER)
        f'{{"headers": {{"authorization": "{sent}"}}}}',                           # a JSON dump
        f"token={token} was refused",                                              # base64 alone
        f"password%3D{PASSWORD.replace(' ', '%20')}",                                # URL-encoded
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl",        # any scheme
    ]


@pytest.mark.parametrize("page", range(6))
def test_a_server_page_echoing_credentials_in_any_form_is_scrubbed(http_mock, client, page) -> None:
    http_mock.get(URL, status=500, body="placeholder")
    with pytest.raises(ServerError):
        client.request("GET", URL, retry=False)
    sent = http_mock.calls[0].request.headers["Authorization"]
    body = _echo_pages(sent)[page]
    http_mock.replace("GET", URL, status=500, body=body)
    with pytest.raises(ServerError) as err:
        client.request("GET", URL, retry=False)
    token = sent.removeprefix("Basic ")
    secrets = {PASSWORD, PASSWORD.replace(" ", ""), token, "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl",
               PASSWORD.replace(" ", "%20")}
    for text in (str(err.value), repr(err.value), str(err.value.details()), err.value.body or ""):
        assert not [s for s in secrets if s in text], text


def test_user_and_password_in_a_url_never_reach_the_message(client) -> None:
    with pytest.raises(TransportError) as err:
        client.request("GET", SITE.replace("https://", "https://bridge:hunter2@") + "/", retry=False)
    assert "hunter2" not in str(err.value) and "hunter2" not in repr(err.value)


def test_unauthenticated_request_sends_no_authorization(http_mock, client) -> None:
    http_mock.get(URL, json=[])
    client.request("GET", URL, authenticated=False)
    assert "Authorization" not in http_mock.calls[0].request.headers


def test_relative_paths_are_joined_to_the_site_url(http_mock, client) -> None:
    http_mock.get(f"{SITE}/xmlrpc.php", body="ok")
    client.request("GET", "/xmlrpc.php")


def test_rate_limited_error_keeps_retry_after(http_mock, config, sleeps) -> None:
    one_try = config.model_copy(update={"retry": config.retry.model_copy(update={"attempts": 1})})
    http_mock.get(URL, status=429, headers={"Retry-After": "3"}, body="slow down")
    with pytest.raises(RateLimitedError) as err:
        HttpClient(one_try, sleep=sleeps).request("GET", URL)
    assert err.value.retry_after == 3.0 and sleeps == []


def test_connection_refused_message_is_short_and_useful(client) -> None:
    # responses refuses unregistered URLs with ConnectionError, like a closed port.
    with pytest.raises(TransportError, match="cannot reach the site"):
        client.request("GET", f"{SITE}/unregistered", retry=False)


def test_verify_tls_is_on_by_default(client) -> None:
    assert client.session.verify is True
