"""``cms-bridge check``: can the bridge work with this site, and if not, what to fix.

Each probe is one cheap request; the report lists what works and one actionable line per problem.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urljoin

from pydantic import BaseModel
from wordpress_xmlrpc.methods.options import GetOptions

from cms_bridge.config import Config
from cms_bridge.errors import ApiUnavailableError, AuthenticationError, SiteError
from cms_bridge.wordpress.http import HttpClient, json_body
from cms_bridge.wordpress.rest import API_LINK, RestAdapter
from cms_bridge.wordpress.upload_probe import probe_uploads as probe_uploads_on
from cms_bridge.wordpress.xmlrpc_compat import XmlRpcClient

#: Capabilities the bridge needs, with what they allow.
NEEDED_CAPABILITIES = {
    "publish_posts": "publish posts",
    "edit_others_posts": "update posts made by others (re-filing during migrations)",
    "upload_files": "upload attachments",
    "manage_categories": "create categories",
}


class CheckItem(BaseModel):
    """One line of the report."""

    name: str
    status: Literal["ok", "problem", "warning", "info"]
    detail: str
    fix: str | None = None


class CheckReport(BaseModel):
    """The result of :func:`run_check`."""

    site: str
    username: str
    usable: bool
    rest_root: str | None = None
    wordpress_version: str | None = None
    timezone: str | None = None
    batch_limit: int | None = None
    upload_types: dict[str, bool] | None = None
    #: Whether uploads can go 25 to a request through XML-RPC ``system.multicall``.
    multicall: bool | None = None
    findings: list[CheckItem]


def run_check(config: Config, http: HttpClient | None = None, *, probe_uploads: bool = False) -> CheckReport:
    """Probe the configured site and report what works.

    Args:
        config: the loaded configuration.
        http: an HTTP client to use (default: one built from *config*).
        probe_uploads: also upload (and at once delete) one tiny file of each attachment type, the
            only way to learn which types the site really accepts.

    Returns:
        The report; ``usable`` is False when the bridge cannot publish with this configuration.
    """
    http = http or HttpClient(config)
    probe = _Probe(config, http)
    probe.run()
    if probe_uploads:
        probe.check_uploads()
    return CheckReport(
        site=config.require_site().url,
        username=config.require_site().username,
        usable=probe.usable(),
        rest_root=probe.rest_root,
        wordpress_version=probe.version,
        timezone=probe.timezone,
        batch_limit=probe.batch_limit,
        upload_types=probe.upload_types,
        multicall=probe.multicall,
        findings=probe.findings,
    )


class _Probe:
    def __init__(self, config: Config, http: HttpClient) -> None:
        self.config = config
        self.site = config.require_site()
        self.http = http
        self.findings: list[CheckItem] = []
        self.reachable = False
        self.rest_root: str | None = None
        self.rest_auth = False
        self.xmlrpc_auth = False
        self.capabilities: dict[str, bool] = {}
        self.version: str | None = None
        self.timezone: str | None = None
        self.batch_limit: int | None = None
        self.upload_types: dict[str, bool] | None = None
        self.multicall: bool | None = None

    def ok(self, name: str, detail: str) -> None:
        self.findings.append(CheckItem(name=name, status="ok", detail=detail))

    def problem(self, name: str, detail: str, fix: str) -> None:
        self.findings.append(CheckItem(name=name, status="problem", detail=detail, fix=fix))

    def info(self, name: str, detail: str) -> None:
        self.findings.append(CheckItem(name=name, status="info", detail=detail))

    def run(self) -> None:
        self.discover()
        if not self.reachable:
            return
        if self.site.api in ("auto", "rest"):
            self.check_rest()
        if self.site.api in ("auto", "xmlrpc") or not self.rest_auth:
            self.check_xmlrpc()
        self.explain_authentication()
        self.check_capabilities()
        if self.version is None:
            self.version_from_feed()
        if self.site.api == "auto" and self.xmlrpc_auth and not self.rest_auth:
            # Not fatal: connect() falls back to XML-RPC, which works but costs more requests.
            self.findings = [
                f.model_copy(update={"status": "warning",
                                     "detail": f.detail.rstrip(".") + "; the bridge will use XML-RPC (slower)"})
                if f.status == "problem" and f.name.startswith(("REST", "authenticated (REST)")) else f
                for f in self.findings
            ]
        if self.timezone:
            self.info("site timezone", self.timezone)

    def usable(self) -> bool:
        api = self.site.api
        authenticated = {"rest": self.rest_auth, "xmlrpc": self.xmlrpc_auth}.get(api, self.rest_auth or self.xmlrpc_auth)
        return bool(authenticated and self.capabilities.get("publish_posts", not self.rest_auth))

    def discover(self) -> None:
        # Any page carries a Link header naming the REST root (/wp-json/ or ?rest_route=), so one
        # request both proves the site is there and finds the API without guessing.
        try:
            response = self.http.request("GET", self.site.url + "/", authenticated=False, retry=False)
        except SiteError as exc:
            if exc.status is None:
                self.problem("reachable", exc.message, "check [site] url and that the site is up")
                return
            response = None
            self.info("home page", f"answered HTTP {exc.status}")
        self.reachable = True
        link = API_LINK.search(response.headers.get("Link", "")) if response is not None else None
        self.rest_root = link.group(1) if link else urljoin(self.site.url + "/", "?rest_route=/")
        self.ok("reachable", f"{self.site.url} answers")

    def check_rest(self) -> None:
        assert self.rest_root is not None
        try:
            index = json_body(self.http.request(
                "GET", self.rest_root, authenticated=False, retry=False,
                params={"_fields": "name,namespaces,timezone_string,gmt_offset"},
            ))
        except SiteError as exc:
            self.problem("REST API", f"not available: {exc.message}",
                         "enable the REST API, or set [site] api = \"xmlrpc\"")
            return
        if "wp/v2" not in index.get("namespaces", []):
            self.problem("REST API", "the wp/v2 namespace is missing", "enable the WordPress REST API")
            return
        self.ok("REST API", f"available at {self.rest_root}")
        self.timezone = index.get("timezone_string") or f"UTC{float(index.get('gmt_offset') or 0):+g}"
        try:
            me = json_body(self.http.request(
                "GET", self.rest_url("/wp/v2/users/me"), retry=False,
                params={"context": "edit", "_fields": "id,name,roles,capabilities"},
            ))
        except AuthenticationError:
            return  # explained once both APIs were tried
        except SiteError as exc:
            self.problem("authenticated (REST)", exc.message, "see the error above")
            return
        self.rest_auth = True
        self.ok("authenticated (REST)", f"as {me.get('name')} ({', '.join(me.get('roles', []))})")
        caps = me.get("capabilities", {})
        self.capabilities = {cap: bool(caps.get(cap)) for cap in NEEDED_CAPABILITIES}
        self.check_batch()

    def check_batch(self) -> None:
        try:
            route = json_body(self.http.request("OPTIONS", self.rest_url("/batch/v1"), retry=False))
            limit = route["endpoints"][0]["args"]["requests"]["maxItems"]
            self.batch_limit = int(limit)
            self.ok("batch requests", f"up to {self.batch_limit} writes per request")
        except (SiteError, KeyError, IndexError, TypeError, ValueError):
            self.info("batch requests", "not available (WordPress < 5.6); writes go one by one")

    def version_from_feed(self) -> None:
        # Without XML-RPC, the public feed's <generator> still names the version (unless a
        # security plugin hides it, in which case it stays unknown).
        try:
            feed = self.http.request("GET", self.site.url + "/", params={"feed": "rss2"},
                                     authenticated=False, retry=False).text
        except SiteError:
            return
        found = re.search(r"<generator>https?://wordpress\.org/\?v=([\w.\-]+)</generator>", feed)
        if found:
            self.version = found.group(1)
            self.info("WordPress version", f"{self.version} (from the feed)")

    def check_xmlrpc(self) -> None:
        client = XmlRpcClient(self.http, self.site.url + "/xmlrpc.php")
        try:
            options = client.call(GetOptions(["software_version", "time_zone"]), retry=False)
        except AuthenticationError:
            self.info("XML-RPC", "available, but the credentials were refused")
            return
        except ApiUnavailableError:
            self.info("XML-RPC", "switched off on this site")
            return
        except SiteError as exc:
            self.info("XML-RPC", f"not available: {exc.message}")
            return
        values = {option.name: option.value for option in options}
        self.xmlrpc_auth = True
        self.version = values.get("software_version")
        self.ok("XML-RPC", f"available and authenticated; WordPress {self.version}")
        if not self.timezone and values.get("time_zone") is not None:
            # XML-RPC knows only the current offset, not the zone's name.
            self.timezone = f"UTC{float(values['time_zone']):+g}"
        self.check_multicall(client)

    def check_multicall(self, client: XmlRpcClient) -> None:
        # The same probe sync makes with [site] multicall = "auto": a multicall of one cheap call.
        try:
            answer = client.multicall([GetOptions(["software_version"])], retry=False)
            self.multicall = not isinstance(answer[0], SiteError)
        except SiteError:
            self.multicall = False
        if self.multicall:
            self.ok("uploads in multicalls", f"system.multicall works: up to {self.site.multicall_files} files "
                    "a request ([site] multicall = \"on\" skips sync's probe)")
        else:
            self.info("uploads in multicalls", "system.multicall refused: uploads go one file a request")

    def explain_authentication(self) -> None:
        if self.rest_auth or self.rest_root is None or self.site.api == "xmlrpc":
            return
        if not any(f.name == "REST API" and f.status == "ok" for f in self.findings):
            return
        if self.xmlrpc_auth:
            self.problem(
                "authenticated (REST)",
                "XML-RPC accepts the credentials but REST sees an anonymous request: the web server "
                "strips the Authorization header",
                "Apache: add 'SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1' (or "
                "'CGIPassAuth On'); or set [site] api = \"xmlrpc\"",
            )
        else:
            self.problem(
                "authenticated (REST)",
                f"the site did not accept user {self.site.username!r} with this application password",
                "create a new application password (Users -> Profile -> Application Passwords) and "
                "put it in CMS_BRIDGE_SITE_APP_PASSWORD or the app_password_file",
            )

    def check_capabilities(self) -> None:
        for cap, what in NEEDED_CAPABILITIES.items():
            if cap not in self.capabilities:
                continue
            if self.capabilities[cap]:
                self.ok(f"may {what.split(' (')[0]}", cap)
            else:
                self.problem(f"may {what.split(' (')[0]}", f"the user lacks {cap}",
                             "give the bridge's user the Editor role")

    def check_uploads(self) -> None:
        if not (self.rest_auth and self.capabilities.get("upload_files")):
            self.info("upload types", "not probed: needs REST with a user that may upload files")
            return
        results = probe_uploads_on(RestAdapter(self.http, rest_root=self.rest_root))
        self.upload_types = {r.extension: r.accepted for r in results}
        accepted = [f".{r.extension}" for r in results if r.accepted]
        self.ok("upload types accepted", " ".join(accepted) or "none")
        for r in results:
            if r.accepted:
                continue
            fix = ("WordPress expects application/rar but PHP's fileinfo reports application/x-rar: map "
                   "'rar' => 'application/x-rar' with an upload_mimes filter, or send .zip instead"
                   if r.extension == "rar" else f"allow .{r.extension} uploads (upload_mimes filter)")
            self.problem(f"upload .{r.extension}", r.reason, fix)

    def rest_url(self, route: str) -> str:
        # Works for both root styles: ".../wp-json/" and ".../index.php?rest_route=/".
        assert self.rest_root is not None
        return self.rest_root.rstrip("/") + route


def render_text(report: CheckReport) -> str:
    """The report as lines for a terminal."""
    lines = [f"cms-bridge check: {report.site} as {report.username}"]
    marks = {"ok": "ok     ", "problem": "PROBLEM", "warning": "warning", "info": "info   "}
    for f in report.findings:
        lines.append(f"  {marks[f.status]}  {f.name}: {f.detail}")
        if f.fix:
            lines.append(f"           fix: {f.fix}")
    lines.append("the bridge can work with this site" if report.usable else "the bridge cannot work with this site yet")
    return "\n".join(lines)


def as_json(report: CheckReport) -> dict[str, Any]:
    """The report as a JSON-safe dict."""
    return report.model_dump(mode="json")
