"""The CLI's languages: the choice, one Thai label for every state it prints, BE dates."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import get_args

import pytest

from cms_bridge import i18n
from cms_bridge.intake.request import DECISION_LABELS
from cms_bridge.ledger.schema import PUBLICATION_STATES
from cms_bridge.publishing.desired import DesiredState
from cms_bridge.publishing.reconciler import ActionKind


@pytest.mark.parametrize(("explicit", "env", "lang"), [
    (None, {}, "en"),
    (None, {"LANG": "th_TH.UTF-8"}, "th"),
    (None, {"LANG": "en_US.UTF-8", "LC_ALL": "th_TH.UTF-8"}, "th"),
    (None, {"LANG": "th_TH.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ("en", {"LANG": "th_TH.UTF-8"}, "en"),
    ("th", {"LANG": "C.UTF-8"}, "th"),
])
def test_the_language_is_the_option_else_the_locale_else_english(explicit: str | None, env: dict[str, str],
                                                                 lang: str) -> None:
    assert i18n.choose_language(explicit, env) == lang


def test_every_state_the_cli_prints_has_its_thai_label() -> None:
    states = {*get_args(DesiredState), *PUBLICATION_STATES, *get_args(ActionKind), *DECISION_LABELS,
              "amended, awaiting approval", "not recorded", "not on the site", "invalid", "error", "warning"}
    missing = sorted(s for s in states if s not in i18n.STATE_LABELS)
    assert missing == []
    thai = [th for _, th in i18n.STATE_LABELS.values()]
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in th) for th in thai)
    # The decision's Thai label is the request form's word, defined once.
    assert all(i18n.label(key, "th") == word for key, word in DECISION_LABELS.items())


def test_every_message_has_the_same_fields_in_both_languages() -> None:
    import string

    for key, (en, th) in i18n.MESSAGES.items():
        fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in (en, th)]
        if key.startswith("field."):  # pydantic's own English; the Thai names its error's context
            assert fields[0] == {"english"}, key
            continue
        # A field only one language needs is named for it (status_en, status_th: the word in each).
        assert {f for f in fields[0] if not f.endswith("_en")} == {f for f in fields[1] if not f.endswith("_th")}, key


def test_times_are_buddhist_era_in_thai_and_iso_in_english() -> None:
    moment = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
    assert i18n.when(moment, "th") == "24 พ.ย. 2569 10:00"
    assert i18n.when(moment, "en") == "2026-11-24 10:00"
    assert i18n.when(None, "th") == "-"
    assert i18n.detail("scheduled at 2026-11-01 00:00", "th") == "ตั้งเวลาเผยแพร่ เมื่อ 1 พ.ย. 2569 00:00"
    assert i18n.detail("scheduled at 2026-11-01 00:00", "en") == "scheduled at 2026-11-01 00:00"
