from __future__ import annotations

import os
from pathlib import Path

import pytest

from cms_bridge.config import load_config
from cms_bridge.errors import ConfigError

GOOD = '[site]\nurl = "https://www.example-office.go.th/"\nusername = "bridge"\n'


def write(tmp_path: Path, text: str, name: str = "cms-bridge.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def secret_file(tmp_path: Path, mode: int, text: str = "s3cr3t pass word\n") -> Path:
    path = tmp_path / "app-password"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_file_values_are_loaded_and_url_trailing_slash_dropped(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    assert config.site.url == "https://www.example-office.go.th"
    assert config.site.username == "bridge"
    assert config.site.verify_tls is True  # TLS verification is on unless turned off


def test_environment_overrides_file_and_is_typed(tmp_path: Path) -> None:
    env = {"CMS_BRIDGE_SITE_USERNAME": "ict-officer", "CMS_BRIDGE_RETRY_ATTEMPTS": "7",
           "CMS_BRIDGE_SITE_VERIFY_TLS": "false"}
    config = load_config(write(tmp_path, GOOD), environ=env)
    assert config.site.username == "ict-officer"
    assert config.retry.attempts == 7
    assert config.site.verify_tls is False


def test_config_path_from_environment_variable(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, "elsewhere.toml")
    assert load_config(environ={"CMS_BRIDGE_CONFIG": str(path)}).source == str(path)


def test_environment_alone_is_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./cms-bridge.toml here
    env = {"CMS_BRIDGE_SITE_URL": "http://127.0.0.1:8080", "CMS_BRIDGE_SITE_USERNAME": "a",
           "CMS_BRIDGE_SITE_APP_PASSWORD": "pw"}
    config = load_config(environ=env)
    assert config.source == "environment" and config.app_password() == "pw"


def test_default_file_in_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, GOOD)
    monkeypatch.chdir(tmp_path)
    assert load_config(environ={}).site.username == "bridge"


def test_password_from_owner_only_file_relative_to_config(tmp_path: Path) -> None:
    secret_file(tmp_path, 0o600)
    config = load_config(write(tmp_path, GOOD + 'app_password_file = "app-password"\n'), environ={})
    assert config.app_password() == "s3cr3t pass word"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_password_file_readable_by_others_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path, mode)
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + f'app_password_file = "{path}"\n'), environ={})
    assert f"chmod 600 {path}" in str(err.value)
    assert "s3cr3t" not in str(err.value)


def test_password_in_the_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must not be stored in the config file"):
        load_config(write(tmp_path, GOOD + 'app_password = "s3cr3t"\n'), environ={})


def test_missing_password_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope"):
        load_config(write(tmp_path, GOOD + 'app_password_file = "nope"\n'), environ={})


def test_unknown_key_and_missing_key_are_each_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nurl = "https://x.example"\nusernmae = "typo"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    text = str(err.value)
    assert "[site] usernmae: unknown setting" in text
    assert "[site] username: required setting is missing" in text
    assert str(path) in text


def test_bad_value_from_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CMS_BRIDGE_RETRY_ATTEMPTS"):
        load_config(write(tmp_path, GOOD), environ={"CMS_BRIDGE_RETRY_ATTEMPTS": "many"})


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nurl = "https://x.example"\nusername = \n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert str(path) in str(err.value) and "line 3" in str(err.value)


def test_invalid_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "cms-bridge.toml"
    path.write_bytes(b'[site]\nurl = "https://x.example"\nusername = "\xe0\xb8"\n')
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path, environ={})


def test_plain_http_to_a_remote_host_is_refused_unless_allowed(tmp_path: Path) -> None:
    text = '[site]\nurl = "http://www.example-office.go.th"\nusername = "bridge"\n'
    with pytest.raises(ConfigError, match="plain http"):
        load_config(write(tmp_path, text), environ={})
    allowed = load_config(write(tmp_path, text + "allow_insecure_http = true\n"), environ={})
    assert allowed.site.url.startswith("http://")
    for host in ("127.0.0.1:8080", "localhost", "[::1]:80"):
        assert load_config(write(tmp_path, text.replace("www.example-office.go.th", host)), environ={})


def test_url_with_credentials_is_refused_without_echoing_them(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nurl = "https://bridge:s3cr3t@x.example"\nusername = "bridge"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert "s3cr3t" not in str(err.value)


def test_secret_never_appears_in_repr_or_dump(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={"CMS_BRIDGE_SITE_APP_PASSWORD": "s3cr3t"})
    assert "s3cr3t" not in repr(config)
    assert "s3cr3t" not in str(config.model_dump())
    assert "s3cr3t" not in config.model_dump_json()


def test_missing_password_is_a_clear_error(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ={})
    with pytest.raises(ConfigError, match="CMS_BRIDGE_SITE_APP_PASSWORD"):
        config.app_password()


def test_example_config_is_valid_and_documents_every_key(tmp_path: Path) -> None:
    from cms_bridge.config import SECTIONS

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    config = load_config(example, environ={})
    text = example.read_text(encoding="utf-8")
    for section, model in SECTIONS.items():
        for key in model.model_fields:
            if key == "app_password":
                assert "CMS_BRIDGE_SITE_APP_PASSWORD" in text
                continue
            # Every setting appears in the example, preceded by a comment explaining it.
            lines = text.splitlines()
            hits = [i for i, line in enumerate(lines)
                    if line.lstrip("# ").startswith(f"{key} =") or line.strip() == f"[{section}.{key}]"]
            assert hits, f"[{section}] {key} is not in config.example.toml"
            assert lines[hits[0] - 1].lstrip().startswith("#"), f"[{section}] {key} has no comment"
    assert config.require_site().verify_tls


def test_malformed_archive_category_and_unknown_attachment_type_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "cms-bridge.toml"
    path.write_text('[sync]\narchive_category = "เอกสาร / &nbsp; / เก่า"\n\n[intake]\nallowed_types = ["pdf", "exe"]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "[sync] archive_category" in message and "malformed category path" in message
    assert "[intake] allowed_types" in message and "exe" in message
