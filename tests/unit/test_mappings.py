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


# --- ITA/OIT item lists ------------------------------------------------------------------------

# Typed from reference/ita-items.md and jobs/ita-2567-procurement.toml, not read from the TOML files.
O20_2567 = "ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ"
O21_2567 = "สรุปผลการจัดซื้อจัดจ้างหรือการจัดหาพัสดุรายเดือน"
O22_2565 = O20_2567  # the same item, numbered O22 in 2563-2565
HR_2565 = [
    "นโยบายการบริหารทรัพยากรบุคคล",
    "การดำเนินการตามนโยบายการบริหารทรัพยากรบุคคล",
    "หลักเกณฑ์การบริหารและพัฒนาทรัพยากรบุคคล",
    "รายงานผลการบริหารและพัฒนาทรัพยากรบุคคลประจำปี",
]


def item(number: str = "O20", name: str = "ประกาศจัดซื้อ", extra: str = "") -> str:
    return f'[items.{number}]\nname = "{name}"\n{extra}'


def write_ita(folder: Path, year: int | str, body: str, *, header: str | None = None) -> Path:
    (folder / "ita").mkdir(parents=True, exist_ok=True)
    path = folder / "ita" / f"{year}.toml"
    path.write_text((f"year = {year}\n" if header is None else header) + body, encoding="utf-8")
    return path


def test_packaged_ita_years_2563_to_2567_have_o1_to_o43() -> None:
    ita = load_mappings().ita
    assert sorted(ita) == [2563, 2564, 2565, 2566, 2567, 2568, 2569]
    for year in range(2563, 2568):
        assert list(ita[year].items) == [f"O{n}" for n in range(1, 44)], year
        assert ita[year].year == year and not ita[year].partial


def test_packaged_2563_to_2565_share_a_list_and_2566_2567_renumber_it() -> None:
    ita = load_mappings().ita
    names = {year: [i.name for i in ita[year].items.values()] for year in ita}
    assert names[2563] == names[2564] == names[2565]
    assert names[2566] == names[2567] != names[2565]
    assert ita[2565].item("O22").name == O22_2565
    assert ita[2567].item("O20").name == O20_2567
    assert ita[2567].item("O10").name == "นโยบายคุ้มครองข้อมูลส่วนบุคคล"


def test_packaged_default_categories_match_the_migration_plan_paths() -> None:
    ita = load_mappings().ita_year(2567)
    assert ita.item("O20").category == f"ITA 2567 / O20 {O20_2567}"
    assert ita.item("O21").category == f"ITA 2567 / O21 {O21_2567}"
    assert "procurement" in ita.item("O20").kinds
    assert load_mappings().ita_year(2565).item("O1").category == "ITA 2565 / O1 โครงสร้าง"


def test_packaged_grouped_hr_items_of_2567_take_the_2565_names() -> None:
    ita = load_mappings().ita
    assert [ita[2567].item(f"O{n}").name for n in range(23, 27)] == HR_2565
    assert [ita[2565].item(f"O{n}").name for n in range(25, 29)] == HR_2565
    # the reference abbreviates O43 "การดำเนินการตามมาตรการฯ"; the file writes it out
    assert ita[2567].item("O43").name == "การดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"


# Typed from reference/ita-2568-found.md and ita-2569-found.md, not read from the TOML files:
# O2, O6 and O7 were found in no source for either year.
FOUND = [f"O{n}" for n in (1, 3, 4, 5, *range(8, 27))]


def test_packaged_2568_is_partial_with_the_26_item_numbering_and_the_found_titles() -> None:
    ita = load_mappings().ita_year(2568)
    assert ita.partial and ita.year == 2568
    assert list(ita.items) == FOUND
    assert ita.item("O1").name == "โครงสร้างและอำนาจหน้าที่"
    assert ita.item("O4").kinds == ("other",)
    assert ita.item("O12").name == ("รายการการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ "
                                    "และความก้าวหน้าการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ")
    assert ita.item("O13").category == "ITA 2568 / O13 รายงานผลการจัดซื้อจัดจ้างหรือการจัดหาพัสดุประจำปี"
    assert "procurement" in ita.item("O13").kinds
    assert ita.item("O21").name == "ประกาศเจตนารมณ์และการสร้างวัฒนธรรม ตามนโยบาย No Gift Policy จากการปฏิบัติหน้าที่"
    assert ita.item("O26").name == "รายงานผลการดำเนินการตามแผนปฏิบัติการป้องกันการทุจริต"


def test_packaged_2569_is_partial_and_renumbers_procurement_and_hr() -> None:
    mappings = load_mappings()
    ita = mappings.ita_year(2569)
    assert ita.partial and ita.year == 2569
    assert list(ita.items) == FOUND
    assert ita.item("O1").name == "โครงสร้าง หน้าที่และอำนาจ"
    assert ita.item("O11").category == "ITA 2569 / O11 สรุปผลการจัดซื้อจัดจ้างหรือการจัดหาพัสดุรายเดือน"
    assert ita.item("O11").kinds == ita.item("O12").kinds == ("procurement",)
    assert ita.item("O23").name == "แผนปฏิบัติการป้องกันการทุจริต" == mappings.ita_year(2568).item("O25").name
    # the longest item still makes a category name within WordPress's 200 characters
    assert len(ita.item("O20").category.split(" / ")[-1]) <= 200
    # every kind an item links exists
    for year in (2568, 2569):
        for entry in mappings.ita_year(year).items.values():
            for kind in entry.kinds:
                mappings.kind(kind)


def test_office_completing_2568_and_2569_adds_the_missing_items_and_clears_partial(tmp_path: Path) -> None:
    office = tmp_path / "office"
    for year in (2568, 2569):
        write_ita(office, year, item("O2", "ข้อมูลผู้บริหาร") + item("O6", "แผนการดำเนินงาน") +
                  item("O7", "รายงานผลการดำเนินงาน"), header=f"year = {year}\npartial = false\n")
    merged = load_mappings(override_dir=office)
    for year in (2568, 2569):
        assert list(merged.ita_year(year).items) == [f"O{n}" for n in range(1, 27)]
        assert not merged.ita_year(year).partial
        assert merged.ita_year(year).item("O2").category == f"ITA {year} / O2 ข้อมูลผู้บริหาร"


def test_ita_year_accepts_int_text_and_thai_digits_and_lists_years_when_unknown() -> None:
    mappings = load_mappings()
    assert mappings.ita_year("๒๕๖๗") is mappings.ita_year(2567) is mappings.ita_year(" 2567 ")
    with pytest.raises(UnknownMappingError) as info:
        mappings.ita_year(2599)
    assert "2563, 2564, 2565, 2566, 2567, 2568, 2569" in str(info.value)
    with pytest.raises(UnknownMappingError, match="2024 CE is 2567"):
        mappings.ita_year(2024)


def test_ita_item_lookup_by_number_case_thai_digits_and_name() -> None:
    ita = load_mappings().ita_year(2567)
    o20 = ita.item("O20")
    assert ita.item("o20") == ita.item("O๒๐") == ita.item(f"  {O20_2567} ") == o20
    with pytest.raises(UnknownMappingError, match="O1, O2, O3"):
        ita.item("O99")


def test_items_are_ordered_by_number_not_by_text(base: Path) -> None:
    write_ita(base, 2567, item("O10", "สิบ") + item("O9", "เก้า") + item("O1", "หนึ่ง"))
    assert list(load_mappings(base).ita_year(2567).items) == ["O1", "O9", "O10"]


def test_no_ita_folder_means_no_ita_years(base: Path) -> None:
    mappings = load_mappings(base)
    assert mappings.ita == {}
    with pytest.raises(UnknownMappingError, match="available years: none"):
        mappings.ita_year(2567)


def test_explicit_category_and_kinds_are_kept(base: Path) -> None:
    write_ita(base, 2567, item(extra='category = "ITA 67 / จัดซื้อ / O20"\nkinds = ["news"]\n'))
    o20 = load_mappings(base).ita_year(2567).item("O20")
    assert o20.category == "ITA 67 / จัดซื้อ / O20" and o20.kinds == ("news",)


# --- ITA overrides -------------------------------------------------------------------------------


def test_office_ita_file_replaces_items_by_number_adds_new_ones_and_keeps_the_rest(
    base: Path, tmp_path: Path
) -> None:
    write_ita(base, 2567, item("O20", "ประกาศจัดซื้อ", 'kinds = ["news"]\n') + item("O21", "สรุปผลจัดซื้อ"))
    office = write(tmp_path / "office", groups=None)
    write_ita(office, 2567, item("O20", "ประกาศจัดซื้อจัดจ้าง") + item("O44", "รายการเพิ่ม"))
    ita = load_mappings(base, office).ita_year(2567)
    assert list(ita.items) == ["O20", "O21", "O44"]
    assert ita.item("O20").name == "ประกาศจัดซื้อจัดจ้าง"
    assert ita.item("O20").category == "ITA 2567 / O20 ประกาศจัดซื้อจัดจ้าง"  # default follows the new name
    assert ita.item("O20").kinds == ()  # replaced whole, not field by field
    assert ita.item("O21").name == "สรุปผลจัดซื้อ"
    assert load_mappings(base).ita_year(2567).item("O20").name == "ประกาศจัดซื้อ"


def test_office_may_add_a_year(base: Path, tmp_path: Path) -> None:
    office = write(tmp_path / "office", groups=None)
    write_ita(office, 2569, item("O1", "โครงสร้าง"))
    assert load_mappings(base, office).ita_year(2569).item("O1").category == "ITA 2569 / O1 โครงสร้าง"


def test_office_item_reusing_a_base_name_under_another_number_is_refused(base: Path, tmp_path: Path) -> None:
    base_file = write_ita(base, 2567, item("O20", "ประกาศ จัดซื้อ"))
    office = write(tmp_path / "office", groups=None)
    office_file = write_ita(office, 2567, item("O21", "ประกาศ\u00a0 จัดซื้อ"))  # spacing differs only
    with pytest.raises(MappingError) as info:
        load_mappings(base, office)
    message = str(info.value)
    assert "[items.O21]" in message and "[items.O20]" in message
    assert str(office_file) in message and str(base_file) in message


def test_partial_flag_stays_unless_the_office_file_says_otherwise(base: Path, tmp_path: Path) -> None:
    write_ita(base, 2568, item("O1", "โครงสร้าง"), header="year = 2568\npartial = true\n")
    office = write(tmp_path / "office", groups=None)
    write_ita(office, 2568, item("O2", "ผู้บริหาร"))
    assert load_mappings(base, office).ita_year(2568).partial
    write_ita(office, 2568, item("O2", "ผู้บริหาร"), header="year = 2568\npartial = false\n")
    assert not load_mappings(base, office).ita_year(2568).partial


# --- ITA validation ------------------------------------------------------------------------------


def ita_error(folder: Path, year: int | str, body: str, **kwargs: str) -> str:
    write_ita(folder, year, body, **kwargs)
    with pytest.raises(MappingError) as info:
        load_mappings(folder)
    return str(info.value)


def test_ita_unknown_item_field_names_file_item_and_field(base: Path) -> None:
    message = ita_error(base, 2567, item(extra='colour = "blue"\n'))
    assert "2567.toml" in message and "[items.O20]" in message and "colour" in message


def test_ita_unknown_top_level_key_is_refused(base: Path) -> None:
    message = ita_error(base, 2567, item(), header='year = 2567\nname = "ITA"\n')
    assert "2567.toml" in message and "unknown top-level" in message and "name" in message


@pytest.mark.parametrize("number", ["O01", "o20", "X20", "O", "O๒๐", "20"])
def test_ita_item_number_must_be_capital_o_and_a_number(base: Path, number: str) -> None:
    message = ita_error(base, 2567, item(number=f'"{number}"'))
    assert "2567.toml" in message and f"[items.{number}]" in message and "O20" in message


def test_ita_duplicate_number_names_both_lines(base: Path) -> None:
    message = ita_error(base, 2567, item("O20", "ประกาศ") + item("O20", "สรุปผล"))
    assert "2567.toml" in message and "[items.O20]" in message and "lines 2 and 4" in message


def test_ita_duplicate_name_within_a_year_despite_spacing_is_refused(base: Path) -> None:
    message = ita_error(base, 2567, item("O20", "ประกาศ จัดซื้อ") + item("O21", "ประกาศ   จัดซื้อ"))
    assert "[items.O21]" in message and "[items.O20]" in message and "Thai name" in message


def test_same_name_in_two_years_is_fine(base: Path) -> None:
    write_ita(base, 2566, item("O20", "ประกาศจัดซื้อ"))
    write_ita(base, 2567, item("O20", "ประกาศจัดซื้อ"))
    assert load_mappings(base).ita_year(2566).item("O20").name == load_mappings(base).ita_year(2567).item("O20").name


@pytest.mark.parametrize("category", ["ITA 2567 / ", " / O20", "ITA 2567 /  / O20", "ITA 2567 / / O20"])
def test_ita_malformed_category_path_is_refused(base: Path, category: str) -> None:
    message = ita_error(base, 2567, item(extra=f'category = "{category}"\n'))
    assert "2567.toml" in message and "[items.O20]" in message and "malformed category path" in message


def test_ita_name_with_the_separator_needs_an_explicit_category(base: Path) -> None:
    message = ita_error(base, 2567, item(name="ประกาศ / คำสั่ง"))
    assert "[items.O20]" in message and "give category explicitly" in message
    write_ita(base, 2567, item(name="ประกาศ / คำสั่ง", extra='category = "ITA 2567 / O20 ประกาศและคำสั่ง"\n'))
    assert load_mappings(base).ita_year(2567).item("O20").name == "ประกาศ / คำสั่ง"


def test_ita_kinds_entry_must_be_a_kind_key(base: Path) -> None:
    message = ita_error(base, 2567, item(extra='kinds = ["news", "procurement"]\n'))
    assert "2567.toml" in message and "[items.O20]" in message and "'procurement'" in message
    assert "news" in message  # the valid keys are listed


def test_ita_kinds_checked_against_the_merged_kinds(base: Path, tmp_path: Path) -> None:
    write_ita(base, 2567, item(extra='kinds = ["procurement"]\n'))
    office = write(tmp_path / "office", groups=None, kinds=kind(key="procurement", number="1.9", name="จัดซื้อ"))
    assert load_mappings(base, office).ita_year(2567).item("O20").kinds == ("procurement",)


def test_ita_year_must_match_the_file_name(base: Path) -> None:
    message = ita_error(base, 2567, item(), header="year = 2566\n")
    assert "2567.toml" in message and "2566" in message and "does not match the file name" in message


@pytest.mark.parametrize("header", ["", 'year = "2567"\n', "year = true\n"])
def test_ita_year_missing_or_not_an_integer_is_refused(base: Path, header: str) -> None:
    message = ita_error(base, 2567, item(), header=header)
    assert "2567.toml" in message and "year" in message


@pytest.mark.parametrize("name", ["ita2567.toml", "67.toml", "2567-office.toml"])
def test_ita_file_must_be_named_by_its_year(base: Path, name: str) -> None:
    (base / "ita").mkdir()
    (base / "ita" / name).write_text("year = 2567\n" + item(), encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_mappings(base)
    assert name in str(info.value) and "2567.toml" in str(info.value)


def test_ita_ce_year_is_refused_with_the_be_year(base: Path) -> None:
    message = ita_error(base, 2024, item())
    assert "2024.toml" in message and "not a BE" in message and "2567" in message


def test_ita_partial_must_be_boolean(base: Path) -> None:
    message = ita_error(base, 2568, item(), header='year = 2568\npartial = "yes"\n')
    assert "2568.toml" in message and "partial" in message


def test_ita_item_without_name_reports_only_the_name(base: Path) -> None:
    message = ita_error(base, 2567, "[items.O20]\nkinds = []\n")
    assert "[items.O20]" in message and "missing field 'name'" in message and "category" not in message
