"""Mappings: the packaged groups and kinds, lookups by key or Thai name, overrides, validation.

Expected Thai names are typed from DESIGN.md §2 and seed §1, not read from the TOML files.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cms_bridge.errors import CmsBridgeError
from cms_bridge.mappings import MappingError, UnknownMappingError, load_mappings

# DESIGN.md §2, in the order of order no. 138/2562.
TEN_GROUPS = [
    "กลุ่มอำนวยการ",
    "กลุ่มนโยบายและแผน",
    "กลุ่มบริหารการเงินและสินทรัพย์",
    "กลุ่มบริหารงานบุคคล",
    "กลุ่มพัฒนาครูและบุคลากรทางการศึกษา",
    "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา",
    "กลุ่มส่งเสริมการจัดการศึกษา",
    "หน่วยตรวจสอบภายใน",
    "กลุ่มกฎหมายและคดี",
    "กลุ่มส่งเสริมการศึกษาทางไกล เทคโนโลยีสารสนเทศและการสื่อสาร",
]
PROCUREMENT = "ข้อมูลการจัดซื้อจัดจ้าง และรายงานผลการจัดซื้อจัดจ้าง"  # seed §1.9
INNOVATION = "นวัตกรรมทางการศึกษา"  # seed §1.15

def tone_before_vowel(text: str) -> str:
    """*text* with mai ek typed before sara u, as keyboards allow: NFC puts the vowel first again."""
    swapped = text.replace("\u0e38\u0e48", "\u0e48\u0e38")
    assert swapped != text and unicodedata.normalize("NFC", swapped) == text
    return swapped


GROUP = '[groups.{key}]\nname = "{name}"\n'
KIND = '[kinds.{key}]\nnumber = "{number}"\nname = "{name}"\ncategory = "{category}"\nwithdrawal = "{withdrawal}"\n'


def kind(key: str = "news", number: str = "1.17", name: str = "ข่าว", category: str = "ข่าว / กิจกรรม",
         withdrawal: str = "draft") -> str:  # fmt: skip
    return KIND.format(key=key, number=number, name=name, category=category, withdrawal=withdrawal)


def write(folder: Path, groups: str | None = GROUP.format(key="admin", name="กลุ่มอำนวยการ"),
          kinds: str | None = None) -> Path:  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    if groups is not None:
        (folder / "groups.toml").write_text(groups, encoding="utf-8")
    if kinds is not None:
        (folder / "kinds.toml").write_text(kinds, encoding="utf-8")
    return folder


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return write(tmp_path / "base", kinds=kind())


# --- the packaged files ------------------------------------------------------------------------


def test_packaged_groups_are_the_ten_of_the_order() -> None:
    mappings = load_mappings()
    assert sorted(g.name for g in mappings.groups.values()) == sorted(TEN_GROUPS)
    assert all(key.isascii() for key in mappings.groups)


def test_packaged_kinds_are_numbered_1_1_to_1_17_with_valid_defaults() -> None:
    kinds = load_mappings().kinds.values()
    assert sorted(k.number for k in kinds) == sorted(f"1.{n}" for n in range(1, 18))
    assert {k.withdrawal for k in kinds} <= {"draft", "private", "trash", "archive"}
    assert all(k.category and k.key.isascii() for k in kinds)


def test_packaged_procurement_is_archived_and_news_like_other_goes_back_to_draft() -> None:
    mappings = load_mappings()
    assert mappings.kind("1.9").name == PROCUREMENT
    assert mappings.kind("1.9").withdrawal == "archive"
    assert mappings.kind("1.17").withdrawal == "draft"


# --- lookups --------------------------------------------------------------------------------


def test_group_lookup_by_key_and_by_thai_name_gives_the_same_entry() -> None:
    mappings = load_mappings()
    by_name = mappings.group("กลุ่มบริหารการเงินและสินทรัพย์")
    assert mappings.group(by_name.key) == by_name
    assert by_name.name == "กลุ่มบริหารการเงินและสินทรัพย์"


def test_thai_name_lookup_ignores_spacing_zero_width_space_and_mark_order() -> None:
    mappings = load_mappings()
    expected = mappings.group("กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา")
    messy = "  กลุ่มนิเทศ \u00a0 ติดตาม\u200bและประเมินผลการจัดการศึกษา\n"
    assert mappings.group(messy) == expected
    assert mappings.group(tone_before_vowel("กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา")) == expected


def test_kind_lookup_by_key_number_thai_number_and_name() -> None:
    mappings = load_mappings()
    innovation = mappings.kind("1.15")
    assert innovation.name == INNOVATION
    assert mappings.kind("๑.๑๕") == innovation
    assert mappings.kind(INNOVATION) == innovation
    assert mappings.kind(innovation.key) == innovation


def test_unknown_lookup_lists_the_valid_keys() -> None:
    mappings = load_mappings()
    with pytest.raises(UnknownMappingError) as info:
        mappings.group("กลุ่มที่ไม่มีอยู่จริง")
    for key in mappings.groups:
        assert key in str(info.value)
    with pytest.raises(UnknownMappingError, match="procurement"):
        mappings.kind("1.99")
    assert isinstance(info.value, CmsBridgeError)


# --- overrides -------------------------------------------------------------------------------


def test_override_replaces_an_entry_by_key_and_adds_new_ones(base: Path, tmp_path: Path) -> None:
    office = write(
        tmp_path / "office",
        groups='[groups.admin]\nname = "กลุ่มอำนวยการ"\ncategory = "หน่วยงาน / อำนวยการ"\nauthor = "admin-desk"\n'
        '[groups.pr]\nname = "งานประชาสัมพันธ์"\n',
        kinds=None,
    )
    mappings = load_mappings(base, office)
    assert mappings.group("admin").category == "หน่วยงาน / อำนวยการ"
    assert mappings.group("admin").author == "admin-desk"
    assert mappings.group("งานประชาสัมพันธ์").key == "pr"
    assert mappings.kind("news").name == "ข่าว"  # kinds.toml absent from the override: base kept
    assert load_mappings(base).group("admin").category is None


def test_override_reusing_a_thai_name_under_another_key_is_refused(base: Path, tmp_path: Path) -> None:
    office = write(tmp_path / "office", groups=GROUP.format(key="general", name="กลุ่มอำนวยการ"))
    with pytest.raises(MappingError) as info:
        load_mappings(base, office)
    message = str(info.value)
    assert "general" in message and "admin" in message and "กลุ่มอำนวยการ" in message


def test_missing_override_folder_is_an_error(base: Path, tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        load_mappings(base, tmp_path / "no-such-folder")


def test_missing_base_file_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "base", kinds=None)
    with pytest.raises(MappingError, match="kinds.toml"):
        load_mappings(folder)


# --- validation --------------------------------------------------------------------------------


def test_unknown_field_names_file_key_and_field(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", kinds=kind() + 'colour = "blue"\n')
    with pytest.raises(MappingError) as info:
        load_mappings(folder)
    message = str(info.value)
    assert "kinds.toml" in message and "news" in message and "colour" in message


def test_duplicate_table_names_the_key_and_both_lines(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", kinds=kind() + "\n" + kind(number="1.16", name="อื่น"))
    with pytest.raises(MappingError) as info:
        load_mappings(folder)
    message = str(info.value)
    assert "kinds.toml" in message and "[kinds.news]" in message and "lines 1 and 7" in message


def test_duplicate_thai_name_within_one_file(tmp_path: Path) -> None:
    kinds = kind() + kind(key="notices", number="1.16")  # same name "ข่าว"
    with pytest.raises(MappingError, match="notices.*ข่าว|ข่าว.*notices"):
        load_mappings(write(tmp_path / "m", kinds=kinds))


def test_duplicate_kind_number_is_refused(tmp_path: Path) -> None:
    kinds = kind() + kind(key="notices", name="ประกาศ")  # same number 1.17
    with pytest.raises(MappingError, match="1.17"):
        load_mappings(write(tmp_path / "m", kinds=kinds))


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", kinds=kind() + "\n\nwithdrawal = = 'x'\n")
    with pytest.raises(MappingError) as info:
        load_mappings(folder)
    assert "kinds.toml" in str(info.value) and "line 8" in str(info.value)


@pytest.mark.parametrize(
    "category",
    [" / ข่าว", "ข่าว / ", "ข่าว /  / กิจกรรม", "ข่าว / / กิจกรรม", "/ข่าว", "ข่าว/ / กิจกรรม"],
)
def test_malformed_category_path_is_refused(tmp_path: Path, category: str) -> None:
    folder = write(tmp_path / "m", kinds=kind(category=category))
    with pytest.raises(MappingError) as info:
        load_mappings(folder)
    assert "kinds.toml" in str(info.value) and "news" in str(info.value) and "category" in str(info.value)


def test_slash_inside_a_segment_is_part_of_its_name(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", kinds=kind(category="ข้อมูลสารสนเทศ / การจัดเก็บ/รายงานข้อมูลออนไลน์"))
    segments = load_mappings(folder).kind("news").category.split(" / ")
    assert segments == ["ข้อมูลสารสนเทศ", "การจัดเก็บ/รายงานข้อมูลออนไลน์"]


def test_bad_withdrawal_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as info:
        load_mappings(write(tmp_path / "m", kinds=kind(withdrawal="delete")))
    assert "withdrawal" in str(info.value) and "archive" in str(info.value)


@pytest.mark.parametrize("key", ["Admin", "1admin", "ad-min", '"กลุ่ม"'])
def test_non_ascii_or_badly_formed_key_is_refused(tmp_path: Path, key: str) -> None:
    folder = write(tmp_path / "m", groups=f'[groups.{key}]\nname = "กลุ่มทดสอบ"\n', kinds=kind())
    with pytest.raises(MappingError, match="groups.toml"):
        load_mappings(folder)


def test_unknown_top_level_table_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", kinds=kind() + '[groups.admin]\nname = "กลุ่มอำนวยการ"\n')
    with pytest.raises(MappingError, match="unknown top-level.*groups"):
        load_mappings(folder)


def test_names_are_stored_nfc(tmp_path: Path) -> None:
    typed = tone_before_vowel("กลุ่มอำนวยการ")
    folder = write(tmp_path / "m", groups=GROUP.format(key="admin", name=typed), kinds=kind())
    assert load_mappings(folder).group("admin").name == "กลุ่มอำนวยการ"
