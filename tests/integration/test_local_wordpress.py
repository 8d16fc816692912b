"""The local WordPress the project starts is real, and both APIs work with its credentials."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import unicodedata
from pathlib import Path

from wordpress_xmlrpc import WordPressPost
from wordpress_xmlrpc.methods.posts import GetPost, GetPosts, NewPost
from wordpress_xmlrpc.methods.users import GetUsersBlogs

from cms_bridge.config import Config, load_config
from cms_bridge.errors import NotFoundError
from cms_bridge.wordpress.check import run_check
from cms_bridge.wordpress.http import HttpClient, json_body
from cms_bridge.wordpress.xmlrpc_compat import XmlRpcClient

from ..conftest import ROOT
from .conftest import SCRIPT, declared_version, run_script, wordpress_tree

API = "/?rest_route=/wp/v2"
THAI_TITLE = "ประกาศผู้ชนะการเสนอราคา จ้างซ่อมแซมอาคาร ๑ หลัง & \"ครุภัณฑ์\""


def test_start_twice_leaves_one_running_site(wordpress_site: Path) -> None:
    pid_file = ROOT / ".local" / "wordpress" / "run" / "php.pid"
    before = pid_file.read_text()
    assert run_script("start").returncode == 0
    assert pid_file.read_text() == before
    status = run_script("status")
    assert status.returncode == 0 and "running" in status.stderr


def test_env_prints_exports_and_password_file_is_private(wordpress_site: Path) -> None:
    out = run_script("env")
    assert out.returncode == 0
    names = {line.split("=", 1)[0].removeprefix("export ") for line in out.stdout.splitlines()}
    assert {"CMS_BRIDGE_SITE_URL", "CMS_BRIDGE_SITE_USERNAME", "CMS_BRIDGE_SITE_APP_PASSWORD"} <= names
    secret = ROOT / ".local" / "wordpress" / "app-password"
    assert secret.stat().st_mode & 0o077 == 0


def test_rest_users_me_is_the_admin(http: HttpClient) -> None:
    me = json_body(http.request("GET", f"{API}/users/me", params={"context": "edit"}))
    assert me["roles"] == ["administrator"]


def test_site_timezone_is_bangkok(http: HttpClient) -> None:
    index = json_body(http.request("GET", "/?rest_route=/", params={"_fields": "timezone_string"}))
    assert index["timezone_string"] == "Asia/Bangkok"


def test_rest_round_trip_keeps_thai_text(http: HttpClient) -> None:
    created = json_body(http.request("POST", f"{API}/posts", json={"title": THAI_TITLE, "status": "draft"}))
    read = json_body(http.request("GET", f"{API}/posts/{created['id']}", params={"context": "edit"}))
    assert read["title"]["raw"] == THAI_TITLE
    assert unicodedata.is_normalized("NFC", read["title"]["raw"])


def test_xmlrpc_round_trip_with_the_same_application_password(clean_site: Config) -> None:
    client = XmlRpcClient(HttpClient(clean_site), clean_site.site.url + "/xmlrpc.php")
    blogs = client.call(GetUsersBlogs())
    assert blogs[0].is_admin
    post = WordPressPost()
    post.title = THAI_TITLE
    post.content = "<p>เนื้อหา</p>"
    post.post_status = "draft"
    post_id = client.call(NewPost(post), retry=False)
    assert client.call(GetPost(post_id)).title == THAI_TITLE
    # A list result: this is the call that breaks on Python >= 3.10 without the compat fix.
    assert [p.id for p in client.call(GetPosts({"post_status": "draft"}))] == [post_id]


def test_reset_removes_posts_categories_and_media(http: HttpClient) -> None:
    post = json_body(http.request("POST", f"{API}/posts", json={"title": "ทดสอบ", "status": "publish"}))
    term = json_body(http.request("POST", f"{API}/categories", json={"name": "หมวดทดสอบ"}))
    media = json_body(http.request(
        "POST", f"{API}/media", data=b"%PDF-1.4\n%%EOF\n",
        headers={"Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="a.pdf"'},
    ))
    upload = ROOT / ".local" / "wordpress" / "wp-content" / "uploads"
    assert any(upload.rglob("a.pdf"))
    assert run_script("reset").returncode == 0
    for kind, item in (("posts", post), ("categories", term), ("media", media)):
        assert _gone(http, kind, item["id"]), f"{kind} {item['id']} survived the reset"
    assert not any(p.is_file() for p in upload.rglob("*"))
    # The credentials survive a reset.
    assert json_body(http.request("GET", f"{API}/users/me"))["id"] == 1


def _gone(http: HttpClient, kind: str, item_id: int) -> bool:
    try:
        http.request("GET", f"{API}/{kind}/{item_id}", params={"context": "edit"})
    except NotFoundError:
        return True
    return False


def test_wp_tree_serves_another_tree_and_switches_a_running_site(tmp_path: Path, wordpress_site: Path) -> None:
    # Two "other releases": copies of the usual tree declaring versions no real release has. A
    # second site of its own (state folder, ports), so the session's site is untouched.
    home = tmp_path / "home"
    env = {**os.environ, "CMS_BRIDGE_WP_HOME": str(home),
           "CMS_BRIDGE_WP_PORT": str(_free_port(int(os.environ.get("CMS_BRIDGE_WP_PORT", "28080")) + 1)),
           "CMS_BRIDGE_DB_PORT": str(_free_port(int(os.environ.get("CMS_BRIDGE_DB_PORT", "23306")) + 1))}
    try:
        for name, version in (("tree-a", "9.8.7"), ("tree-b", "9.8.8-local")):
            tree = _tree_declaring(tmp_path / name, version)
            started = subprocess.run([str(SCRIPT), "start"], capture_output=True, text=True, timeout=600,
                                     env={**env, "CMS_BRIDGE_WP_TREE": str(tree)})
            assert started.returncode == 0, started.stderr
            report = run_check(load_config(home / "config.toml", environ={}))
            assert report.usable
            assert report.wordpress_version == declared_version(tree) == version
        # The second start found the site running on tree-a: it moved it to tree-b and upgraded it.
        assert "switching the site to the WordPress tree" in started.stderr
        assert "upgrading the site's database" in started.stderr
        assert (home / "site-tree").read_text(encoding="utf-8").strip() == str((tmp_path / "tree-b").resolve())
    finally:
        subprocess.run([str(SCRIPT), "stop"], capture_output=True, text=True, timeout=120, env=env)


def _tree_declaring(target: Path, version: str) -> Path:
    shutil.copytree(wordpress_tree(), target, symlinks=True)
    version_php = target / "wp-includes" / "version.php"
    text, count = re.subn(r"^\$wp_version\s*=\s*'[^']+'\s*;", f"$wp_version = '{version}';",
                          version_php.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    assert count == 1
    version_php.write_text(text, encoding="utf-8")
    return target


def _free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port from {start}")
