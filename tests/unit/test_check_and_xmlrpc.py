"""check's reasoning and the XML-RPC error paths, against faked responses."""

from __future__ import annotations

import logging

import pytest

from cms_bridge.wordpress.check import run_check
from cms_bridge.config import Config
from cms_bridge.errors import AuthenticationError, InvalidResponseError, NotFoundError
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.xmlrpc import XmlRpcAdapter

from .conftest import PASSWORD, SITE

ROOT = f"{SITE}/wp-json/"
XMLRPC = f"{SITE}/xmlrpc.php"


def xml_fault(code: int, text: str) -> str:
    return (f"<?xml version='1.0'?><methodResponse><fault><value><struct>"
            f"<member><name>faultCode</name><value><int>{code}</int></value></member>"
            f"<member><name>faultString</name><value><string>{text}</string></value></member>"
            f"</struct></value></fault></methodResponse>")


OPTIONS_OK = ("<?xml version='1.0'?><methodResponse><params><param><value><struct>"
              "<member><name>software_version</name><value><struct><member><name>value</name>"
              "<value><string>6.1.9</string></value></member></struct></value></member>"
              "</struct></value></param></params></methodResponse>")


def fake_site(http_mock, *, rest_me_status: int) -> None:
    http_mock.get(f"{SITE}/", headers={"Link": f'<{ROOT}>; rel="https://api.w.org/"'}, body="<html></html>")
    http_mock.get(ROOT, json={"namespaces": ["wp/v2"], "timezone_string": "Asia/Bangkok"})
    http_mock.get(f"{ROOT}wp/v2/users/me", status=rest_me_status,
                  json={"code": "rest_not_logged_in", "message": "You are not currently logged in."})


def test_check_names_a_stripped_authorization_header(http_mock, config: Config) -> None:
    fake_site(http_mock, rest_me_status=401)
    http_mock.post(XMLRPC, body=OPTIONS_OK, content_type="text/xml")
    report = run_check(config)
    auth = next(f for f in report.findings if f.name == "authenticated (REST)")
    assert "strips the Authorization header" in auth.detail
    assert report.wordpress_version == "6.1.9"


def test_check_names_a_wrong_password_when_xmlrpc_refuses_it_too(http_mock, config: Config) -> None:
    fake_site(http_mock, rest_me_status=401)
    http_mock.post(XMLRPC, body=xml_fault(403, "Incorrect username or password."), content_type="text/xml")
    report = run_check(config)
    assert not report.usable
    auth = next(f for f in report.findings if f.name == "authenticated (REST)")
    assert auth.status == "problem" and "did not accept user 'bridge'" in auth.detail


def test_xmlrpc_html_error_page_is_an_invalid_response(http_mock, config: Config) -> None:
    http_mock.post(XMLRPC, body="<html><h1>502 Bad Gateway</h1></html>", status=200, content_type="text/html")
    with pytest.raises(InvalidResponseError, match="expected an XML-RPC response"):
        XmlRpcAdapter(HttpClient(config)).site_info()


def test_xmlrpc_faults_map_to_the_error_tree(http_mock, config: Config) -> None:
    adapter = XmlRpcAdapter(HttpClient(config))
    http_mock.post(XMLRPC, body=xml_fault(403, "Incorrect username or password."), content_type="text/xml")
    with pytest.raises(AuthenticationError):
        adapter.get_post(1)
    http_mock.replace("POST", XMLRPC, body=xml_fault(404, "Invalid post ID."), content_type="text/xml")
    with pytest.raises(NotFoundError) as err:
        adapter.get_post(1)
    assert err.value.code == "xmlrpc_404" and PASSWORD not in repr(err.value)


def test_xmlrpc_503_then_success_is_retried(http_mock, config: Config) -> None:
    http_mock.post(XMLRPC, status=503, body="busy")
    http_mock.post(XMLRPC, body=OPTIONS_OK, content_type="text/xml")
    adapter = XmlRpcAdapter(HttpClient(config, sleep=lambda s: None))
    assert adapter.site_info().version == "6.1.9"
    assert adapter.http.requests_sent == 2


def test_debug_log_names_requests_but_never_the_password(http_mock, config: Config,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    http_mock.post(XMLRPC, body=xml_fault(403, f"echo {PASSWORD}"), content_type="text/xml")
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(AuthenticationError) as err:
            XmlRpcAdapter(HttpClient(config)).site_info()
    assert "POST" in caplog.text and XMLRPC in caplog.text
    assert PASSWORD not in caplog.text and PASSWORD not in str(err.value)
