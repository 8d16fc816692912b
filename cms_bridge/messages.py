"""The one catalogue of sentences cms-bridge says, in English and Thai, and how the library says them.

:data:`MESSAGES` holds every sentence by id: the command line's own (``status.row``) and the
library's (``date.no_such_day``, ``window.ends_before_start``…), each ``(English, Thai)`` with
``str.format`` fields. A field only one language uses ends in ``_en`` or ``_th``; a sentence
whose English is pydantic's own (``field.<error type>``) has the field ``english``.

The library says a sentence with :func:`say`: a :class:`Said` is a ``str`` (its English, what
``str()``, logs, exceptions and JSON keep) that remembers its id and fields; :func:`find_said`
finds one again from its English text after it was copied into a plain string (a pydantic
field, an exception's message). :mod:`cms_bridge.i18n` says them in Thai.

This module imports nothing, so every module may say its sentences through it (``thaidate``
too, which :mod:`cms_bridge.i18n` needs for Buddhist Era dates).
"""

from __future__ import annotations

from typing import Any, Self

__all__ = ["MESSAGES", "Said", "find_said", "say"]

#: The CLI's own sentences, by key: (English, Thai), with ``str.format`` fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("cms-bridge: error: {message}", "cms-bridge: ข้อผิดพลาด: {message}"),
    "interrupted": ("cms-bridge: interrupted", "cms-bridge: ถูกขัดจังหวะ"),
    "row": ("row {row}", "แถว {row}"),
    "validate.summary": ("{valid} valid request(s), {errors} error(s), {warnings} warning(s)",
                         "คำขอที่ถูกต้อง {valid} รายการ ข้อผิดพลาด {errors} รายการ คำเตือน {warnings} รายการ"),
    "status.row": ("{id:<24} {decision:<9} should be {desired:<10} is {state:<17} next {when:<16} {url}",
                   "{id:<24} {decision} ควรเป็น {desired} บนเว็บไซต์ {state} เปลี่ยนครั้งถัดไป {when} {url}"),
    "status.held": ("{id:<24} {held}: {source}", "{id:<24} {held}: {source}"),
    "status.held_recorded": ("    {held}:", "    {held}:"),
    "status.held_newer": ("    {held}: its newest version, {source}:", "    {held}: ฉบับล่าสุด {source}:"),
    "status.reason": ("      {reason}", "      {reason}"),
    "status.none": ("no requests in the ledger", "ยังไม่มีคำขอในบัญชีคุม"),
    "plan.nothing": ("nothing to do as of {when}", "ไม่มีอะไรต้องทำ ณ {when}"),
    "plan.action": ("{mark}{id}: {kind} ({detail})", "{mark}{id}: {kind} ({detail})"),
    "plan.failed_mark": ("FAILED ", "ไม่สำเร็จ "),
    "plan.post": (" -> post {post}", " -> โพสต์ {post}"),
    "plan.summary": ("{n} action(s) {verb} run, {failed} failed", "{n} รายการ{verb} ไม่สำเร็จ {failed} รายการ"),
    "plan.would": ("would", "ที่จะทำ"),
    "plan.did": ("did", "ที่ทำแล้ว"),
    "plan.held": ("{n} request(s) held back, not on the site until fixed:",
                  "คำขอ {n} รายการถูกระงับ จะไม่ขึ้นเว็บไซต์จนกว่าจะแก้ไข:"),
    "template.written": ("wrote {path}: fill one row per request (row 2 is an example: replace it)",
                         "เขียน {path} แล้ว: กรอกคำขอหนึ่งแถวต่อหนึ่งคำขอ (แถวที่ 2 เป็นตัวอย่าง: แทนที่ด้วยคำขอจริง)"),
    "ledger.no_config": (
        "no configuration: the ledger's place is not set, and cms-bridge does not create a ledger in "
        "the current folder by accident. Give --config FILE, set CMS_BRIDGE_CONFIG=FILE, or put "
        "cms-bridge.toml here, with [sync] ledger = \"/path/to/ledger.sqlite3\" (or set "
        "CMS_BRIDGE_SYNC_LEDGER); for the local test site: eval \"$(scripts/wordpress-local env)\"",
        "ไม่พบการตั้งค่า: ยังไม่ได้กำหนดที่เก็บบัญชีคุม (ledger) และ cms-bridge จะไม่สร้างบัญชีคุมในโฟลเดอร์ปัจจุบันเอง "
        "ให้ระบุ --config FILE หรือตั้ง CMS_BRIDGE_CONFIG=FILE หรือวาง cms-bridge.toml ไว้ที่นี่ โดยมี "
        "[sync] ledger = \"/path/to/ledger.sqlite3\" (หรือตั้ง CMS_BRIDGE_SYNC_LEDGER) สำหรับเว็บทดสอบในเครื่อง: "
        "eval \"$(scripts/wordpress-local env)\""),
    "ledger.no_path": (
        "{source}: no [sync] ledger: set ledger = \"/path/to/ledger.sqlite3\" in its [sync] table (or "
        "CMS_BRIDGE_SYNC_LEDGER); cms-bridge does not create a ledger in the current folder by accident",
        "{source}: ไม่มี [sync] ledger: ให้ใส่ ledger = \"/path/to/ledger.sqlite3\" ในตาราง [sync] (หรือตั้ง "
        "CMS_BRIDGE_SYNC_LEDGER) cms-bridge จะไม่สร้างบัญชีคุมในโฟลเดอร์ปัจจุบันเอง"),
    "ledger.found_here": (" (there is a ledger {path} here: to keep using it, set ledger = \"{absolute}\")",
                          " (มีบัญชีคุม {path} อยู่ที่นี่: หากจะใช้ต่อ ให้ตั้ง ledger = \"{absolute}\")"),
    "decide.unknown": ("no request {id} in the ledger; run sync or validate first",
                       "ไม่มีคำขอ {id} ในบัญชีคุม ให้รัน sync หรือ validate ก่อน"),
    # --- the library's sentences (said with say(); English is what str() and JSON keep) -------
    # cms_bridge/validation.py: what pydantic found, by its error type ({english} is pydantic's own)
    "validation.missing": ("required, but missing", "ต้องกรอก แต่ยังไม่ได้กรอก"),
    "field.literal_error": ("{english}", "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}"),
    "field.enum": ("{english}", "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}"),
    "field.string_pattern_mismatch": ("{english}", "รูปแบบไม่ถูกต้อง: ต้องตรงกับรูปแบบ {pattern}"),
    "field.timezone_aware": ("{english}", "ต้องระบุเขตเวลา เช่น 2026-10-09T16:30:00+07:00"),
    "field.string_too_short": ("{english}", "ต้องยาวอย่างน้อย {min_length} ตัวอักษร"),
    "field.string_too_long": ("{english}", "ยาวเกิน {max_length} ตัวอักษร"),
    "field.too_short": ("{english}", "ต้องมีอย่างน้อย {min_length} รายการ"),
    "field.too_long": ("{english}", "มีได้ไม่เกิน {max_length} รายการ"),
    "field.string_type": ("{english}", "ต้องเป็นข้อความ"),
    "field.int_parsing": ("{english}", "ต้องเป็นจำนวนเต็ม"),
    "field.int_type": ("{english}", "ต้องเป็นจำนวนเต็ม"),
    "field.int_from_float": ("{english}", "ต้องเป็นจำนวนเต็ม ไม่มีทศนิยม"),
    "field.float_parsing": ("{english}", "ต้องเป็นตัวเลข"),
    "field.bool_parsing": ("{english}", "ต้องเป็น true หรือ false"),
    "field.bool_type": ("{english}", "ต้องเป็น true หรือ false"),
    "field.greater_than_equal": ("{english}", "ต้องไม่น้อยกว่า {ge}"),
    "field.greater_than": ("{english}", "ต้องมากกว่า {gt}"),
    "field.less_than_equal": ("{english}", "ต้องไม่เกิน {le}"),
    "field.less_than": ("{english}", "ต้องน้อยกว่า {lt}"),
    "field.list_type": ("{english}", "ต้องเป็นรายการ [ ... ]"),
    "field.dict_type": ("{english}", "ต้องเป็นตาราง (เช่น [window] หรือ {{ ... }})"),
    "field.model_type": ("{english}", "ต้องเป็นตาราง (เช่น [window] หรือ {{ ... }})"),
    "field.datetime_parsing": ("{english}", "ไม่ใช่วันเวลาที่อ่านได้ (เช่น 2026-10-09T16:30:00+07:00)"),
    "field.datetime_type": ("{english}", "ไม่ใช่วันเวลาที่อ่านได้ (เช่น 2026-10-09T16:30:00+07:00)"),
    "field.datetime_from_date_parsing": ("{english}", "ไม่ใช่วันเวลาที่อ่านได้ (เช่น 2026-10-09T16:30:00+07:00)"),
    "field.date_parsing": ("{english}", "ไม่ใช่วันที่ที่อ่านได้ (เช่น ๒๒ พฤษภาคม ๒๕๖๒)"),
    "field.date_type": ("{english}", "ไม่ใช่วันที่ที่อ่านได้ (เช่น ๒๒ พฤษภาคม ๒๕๖๒)"),
    "field.union_tag_invalid": ("{english}", "ชนิด {tag} ไม่มี ต้องเป็น {expected_tags}"),
    "field.url_parsing": ("{english}", "ไม่ใช่ที่อยู่เว็บ (URL) ที่ถูกต้อง"),
    "field.url_scheme": ("{english}", "ที่อยู่เว็บต้องขึ้นต้นด้วย {expected_schemes}"),
    # cms_bridge/thaidate.py: dates as staff write them
    "date.empty": ("empty date {text!r}", "ไม่ได้กรอกวันที่ ({text!r})"),
    "date.iso_be_year": ("{text!r}: ISO dates use the Christian Era, but {year} looks like a Buddhist Era year; "
                         "did you mean {suggestion}?",
                         "{text!r}: วันที่แบบ ISO ใช้ปี ค.ศ. แต่ {year} ดูเหมือนปี พ.ศ.: หมายถึง {suggestion} หรือไม่?"),
    "date.unknown_month": ("{text!r}: unknown Thai month name {name!r}", "{text!r}: ไม่รู้จักชื่อเดือน {name!r}"),
    "date.unrecognised": ("{text!r} is not a recognised date; expected e.g. '22 พฤษภาคม 2562', '22/05/2562' or "
                          "'2019-05-22'",
                          "{text!r} ไม่ใช่วันที่ที่อ่านได้ ให้เขียนเช่น '22 พฤษภาคม 2562', '22/05/2562' หรือ '2019-05-22'"),
    "date.ce_year": ("{text!r}: year {year} looks like a Christian Era (CE) year, but Thai dates use the Buddhist "
                     "Era (BE); did you mean {be_year}?",
                     "{text!r}: ปี {year} ดูเหมือนปี ค.ศ. แต่วันที่แบบไทยใช้ปี พ.ศ.: หมายถึง {be_year} หรือไม่?"),
    "date.be_year_out_of_range": ("{text!r}: Buddhist Era year {year} is out of the supported range",
                                  "{text!r}: ปี พ.ศ. {year} อยู่นอกช่วงที่รองรับ"),
    "date.year_out_of_range": ("{text!r}: year {year} is out of the supported range",
                               "{text!r}: ปี {year} อยู่นอกช่วงที่รองรับ"),
    "date.no_such_month": ("{text!r}: month {month} does not exist (months are 1-12)",
                           "{text!r}: ไม่มีเดือนที่ {month} (เดือนมี 1-12)"),
    "date.no_such_day": ("{text!r}: day {day} does not exist; {month_name} ({month_en}) {year_en} has only "
                         "{days} days",
                         "{text!r}: ไม่มีวันที่ {day} เดือน{month_name} พ.ศ. {be_year_th} มีเพียง {days} วัน"),
    "date.unquoted_be": ("{iso}: an unquoted date is read in the Christian Era, but {year} looks like a Buddhist Era "
                         "year; write {ce_date}, or the Thai date in quotes (\"{thai}\")",
                         "{iso}: วันที่ที่ไม่อยู่ในเครื่องหมายคำพูดอ่านเป็นปี ค.ศ. แต่ {year} ดูเหมือนปี พ.ศ.: ให้เขียน "
                         "{ce_date} หรือเขียนวันที่แบบไทยในเครื่องหมายคำพูด (\"{thai}\")"),
    # cms_bridge/windows.py: publication windows
    "window.fiscal_ce": ("fiscal_year {year} looks like a Christian Era (CE) year; fiscal years are Buddhist Era "
                         "(BE) years, did you mean {be_year}?",
                         "ปีงบประมาณ {year} ดูเหมือนปี ค.ศ. ปีงบประมาณเป็นปี พ.ศ.: หมายถึง {be_year} หรือไม่?"),
    "window.fiscal_implausible": ("fiscal_year {year} is not a plausible Buddhist Era year (expected {low}-{high})",
                                  "ปีงบประมาณ {year} ไม่ใช่ปี พ.ศ. ที่เป็นไปได้ (ควรอยู่ระหว่าง {low}-{high})"),
    "window.ends_before_start": ("range window ends on {end}, before it starts on {start}",
                                 "ช่วงวันที่สิ้นสุด {end} ก่อนวันเริ่ม {start}"),
    "window.unknown_kind": ("{text!r} is not a kind of window; write {choices}",
                            "{text!r} ไม่ใช่แบบของระยะเวลาในการเผยแพร่ ให้เขียน {choices}"),
    # cms_bridge/tomlfile.py: a TOML file that cannot be read ({error} is the system's or tomllib's own)
    "toml.unreadable": ("cannot read the file: {error}", "อ่านไฟล์ไม่ได้: {error}"),
    "toml.not_utf8": ("not valid UTF-8 at line {line} (byte {byte}); save the file as UTF-8",
                      "ไม่ใช่ UTF-8 ที่บรรทัด {line} (ไบต์ {byte}): ให้บันทึกไฟล์เป็น UTF-8"),
    "toml.duplicate_header": ("duplicate key [{table}.{key}] at lines {first} and {second}",
                              "หัวตาราง [{table}.{key}] ซ้ำกันที่บรรทัด {first} และ {second}"),
    "toml.invalid": ("not valid TOML: {error}", "เขียนผิดรูปแบบ TOML: {error}"),
    # cms_bridge/config.py: the configuration file and its environment variables
    "config.invalid": ("invalid configuration:", "การตั้งค่าไม่ถูกต้อง:"),
    "config.unknown_setting": ("unknown setting (check the spelling against config.example.toml)",
                               "ไม่มีการตั้งค่าชื่อนี้ (ตรวจการสะกดเทียบกับ config.example.toml)"),
    "config.missing_setting": ("required setting is missing", "ขาดการตั้งค่าที่ต้องมี"),
    "config.unreadable": ("cannot read the config file: {error}", "อ่านไฟล์การตั้งค่าไม่ได้: {error}"),
    "config.not_a_table": ("[{section}] must be a table", "[{section}] ต้องเป็นตาราง"),
    "config.url_not_http": ("must be an http:// or https:// URL, got {value!r}",
                            "ต้องเป็นที่อยู่เว็บที่ขึ้นต้นด้วย http:// หรือ https:// แต่ได้ {value!r}"),
    "config.url_credentials": ("must not contain a user name or password; use username and the app password",
                               "ห้ามใส่ชื่อผู้ใช้หรือรหัสผ่านในที่อยู่เว็บ ให้ใช้ username และรหัสผ่านแอป (app password)"),
    "config.unknown_types": ("unknown attachment type(s) {types}; known: {known}",
                             "ไม่รู้จักชนิดไฟล์แนบ {types} ชนิดที่รู้จัก: {known}"),
    "config.one_line": ("must be one line of text (no line break or control character)",
                        "ต้องเป็นข้อความบรรทัดเดียว (ไม่มีการขึ้นบรรทัดใหม่หรืออักขระควบคุม)"),
    "config.no_site": ("no WordPress site configured: add a [site] table (url, username) or set "
                       "CMS_BRIDGE_SITE_URL and CMS_BRIDGE_SITE_USERNAME",
                       "ยังไม่ได้ตั้งค่าเว็บไซต์ WordPress: ให้เพิ่มตาราง [site] (url, username) หรือตั้ง "
                       "CMS_BRIDGE_SITE_URL และ CMS_BRIDGE_SITE_USERNAME"),
    "config.no_password": ("no application password: set CMS_BRIDGE_SITE_APP_PASSWORD or "
                           "[site] app_password_file (a file only you can read)",
                           "ไม่มีรหัสผ่านแอป (application password): ให้ตั้ง CMS_BRIDGE_SITE_APP_PASSWORD หรือ "
                           "[site] app_password_file (ไฟล์ที่อ่านได้เฉพาะคุณ)"),
    "config.password_in_file": ("[site] app_password must not be stored in the config file; use the environment "
                                "variable CMS_BRIDGE_SITE_APP_PASSWORD or app_password_file (chmod 600)",
                                "ห้ามเก็บ [site] app_password ไว้ในไฟล์การตั้งค่า ให้ใช้ตัวแปรสภาพแวดล้อม "
                                "CMS_BRIDGE_SITE_APP_PASSWORD หรือ app_password_file (chmod 600)"),
    "config.plain_http": ("[site] url {url} is plain http to another machine: the password would cross the "
                          "network unencrypted. Use https://, or set allow_insecure_http = true if you must",
                          "[site] url {url} เป็น http ธรรมดาไปยังเครื่องอื่น รหัสผ่านจะถูกส่งผ่านเครือข่ายโดยไม่เข้ารหัส "
                          "ให้ใช้ https:// หรือตั้ง allow_insecure_http = true หากจำเป็นจริง ๆ"),
    "config.secret_unreadable": ("cannot read the password file: {error}", "อ่านไฟล์รหัสผ่านไม่ได้: {error}"),
    "config.secret_not_regular": ("the password file is not a regular file", "ไฟล์รหัสผ่านไม่ใช่ไฟล์ปกติ"),
    "config.secret_owner": ("the password file belongs to another user; it must be owned by the user running "
                            "cms-bridge (chown $(id -un) {path})",
                            "ไฟล์รหัสผ่านเป็นของผู้ใช้อื่น เจ้าของไฟล์ต้องเป็นผู้ใช้ที่รัน cms-bridge "
                            "(chown $(id -un) {path})"),
    "config.secret_readable": ("the password file can be read by others (mode {mode}); run: chmod 600 {path}",
                               "ผู้อื่นอ่านไฟล์รหัสผ่านได้ (สิทธิ์ {mode}) ให้รัน: chmod 600 {path}"),
    "config.secret_empty": ("the password file is empty", "ไฟล์รหัสผ่านว่างเปล่า"),
    # cms_bridge/categories/plan.py and engine.py: a migration plan and its run
    "migrate.unreadable": ("cannot read the plan: {error}", "อ่านแผนไม่ได้: {error}"),
    "migrate.invalid": ("invalid plan:", "แผนไม่ถูกต้อง:"),
    "migrate.unknown_field": ("not a field of this step (docs/migrations.md lists them)",
                              "ไม่ใช่ช่องของขั้นนี้ (ดูรายการใน docs/migrations.md)"),
    "migrate.title_pattern": ("title_pattern is not a valid regular expression: {error}",
                              "title_pattern ไม่ใช่นิพจน์ปรกติ (regular expression) ที่ถูกต้อง: {error}"),
    "migrate.fiscal_or_range": ("give either fiscal_year or after/before, not both",
                                "ให้ระบุ fiscal_year หรือ after/before อย่างใดอย่างหนึ่ง ไม่ใช่ทั้งสองอย่าง"),
    "migrate.after_before": ("after ({after}) must be before before ({before})",
                             "วันที่ after ({after}) ต้องมาก่อนวันที่ before ({before})"),
    "migrate.needs_to": ("mode = {mode} needs 'to'", "mode = {mode} ต้องระบุ 'to' (หมวดหมู่ปลายทาง)"),
    "migrate.needs_category": ("mode = remove needs 'category' (or filter.category)",
                               "mode = remove ต้องระบุ 'category' (หรือ filter.category)"),
    "migrate.no_such_category": ("step {step}: the category {path!r} does not exist on the site (nor is it created "
                                 "earlier)",
                                 "ขั้นที่ {step}: ไม่มีหมวดหมู่ {path!r} บนเว็บไซต์ (และไม่ได้สร้างไว้ในขั้นก่อนหน้า)"),
    "migrate.ambiguous": ("step {step}: {path!r} matches {n} categories: {labels}{hint_en}",
                          "ขั้นที่ {step}: {path!r} ตรงกับหมวดหมู่ {n} หมวด: {labels}{hint_th}"),
    "migrate.merge_itself": ("step {step}: cannot merge {label} into itself",
                             "ขั้นที่ {step}: รวม {label} เข้ากับตัวเองไม่ได้"),
    "migrate.merge_children": ("step {step}: {label} has subcategories ({children}); reparent them first",
                               "ขั้นที่ {step}: {label} มีหมวดหมู่ย่อย ({children}) ให้ย้ายหมวดหมู่ย่อยไปไว้ที่อื่นก่อน"),
    "migrate.name_too_long": ("step {step}: the name {level!r} in {path!r} has {n} characters; WordPress stores at "
                              "most {max}",
                              "ขั้นที่ {step}: ชื่อ {level!r} ใน {path!r} ยาว {n} ตัวอักษร WordPress เก็บได้ไม่เกิน {max}"),
    "migrate.new_name_too_long": ("step {step}: the new name of {label} has {n} characters; WordPress stores at most "
                                  "{max}",
                                  "ขั้นที่ {step}: ชื่อใหม่ของ {label} ยาว {n} ตัวอักษร WordPress เก็บได้ไม่เกิน {max}"),
    "migrate.rename_clash": ("step {step}: cannot rename {label} to {name!r}: {other} has that name under the same "
                             "parent",
                             "ขั้นที่ {step}: เปลี่ยนชื่อ {label} เป็น {name!r} ไม่ได้ เพราะ {other} "
                             "ใช้ชื่อนี้อยู่แล้วภายใต้หมวดหมู่แม่เดียวกัน"),
    "migrate.delete_children": ("step {step}: {label} has subcategories ({children}) and cannot be deleted",
                                "ขั้นที่ {step}: {label} มีหมวดหมู่ย่อย ({children}) จึงลบไม่ได้"),
    "migrate.holds_posts": ("step {step}: {label} still holds {n} post(s) ({statuses}, e.g. {examples}); "
                            "move them first",
                            "ขั้นที่ {step}: {label} ยังมีโพสต์อยู่ {n} รายการ ({statuses} เช่น {examples}) "
                            "ให้ย้ายโพสต์ออกก่อน"),
    "migrate.post_gone": ("post #{post} {title!r} no longer exists; nothing to restore",
                          "โพสต์ #{post} {title!r} ไม่มีแล้ว จึงไม่มีอะไรให้คืนค่า"),
    "migrate.post_refiled": ("post #{post} {title!r} was re-filed since the run: now in {now}, the run left it "
                             "in {left}; left as it is",
                             "โพสต์ #{post} {title!r} ถูกย้ายหมวดหมู่หลังการรัน: ตอนนี้อยู่ใน {now} "
                             "การรันทิ้งไว้ใน {left} จึงคงไว้ตามเดิม"),
    # cms_bridge/cli.py: cms-bridge migrate
    "migrate.needs_plan": ("migrate {action} needs a plan file", "migrate {action} ต้องระบุไฟล์แผน"),
    "migrate.needs_run": ("migrate {action} needs a run id", "migrate {action} ต้องระบุรหัสการรัน (run id)"),
    "migrate.force_rollback_only": ("--force is for `migrate rollback` only",
                                    "--force ใช้ได้กับ `migrate rollback` เท่านั้น"),
    "migrate.undone": ("run {run}: {n} change(s) undone", "การรัน {run}: ย้อนกลับแล้ว {n} รายการ"),
    "migrate.conflict": ("  conflict: {conflict}", "  ขัดแย้ง: {conflict}"),
    "migrate.conflicts_left": ("{n} conflict(s) left as they are; `cms-bridge migrate rollback {run} --force` "
                               "undoes them anyway",
                               "คงรายการที่ขัดแย้ง {n} รายการไว้ตามเดิม หากจะย้อนกลับด้วย ให้รัน "
                               "`cms-bridge migrate rollback {run} --force`"),
    "migrate.done": ("run {run}: done (undo with: cms-bridge migrate rollback {run})",
                     "การรัน {run}: เสร็จแล้ว (ย้อนกลับได้ด้วย: cms-bridge migrate rollback {run})"),
    # cms_bridge/intake/request.py: the request's own rules
    "request.id_shape": ("request id {value!r} is not in the right form: use 3-64 lower-case letters, digits or "
                         "hyphens, starting with a letter or digit, e.g. 2569-fin-007",
                         "รหัสคำขอ {value!r} เขียนไม่ถูกแบบ: ให้ใช้ตัวอักษรภาษาอังกฤษตัวพิมพ์เล็ก ตัวเลข หรือขีดกลาง (-) "
                         "ยาว 3-64 ตัว ขึ้นต้นด้วยตัวอักษรหรือตัวเลข เช่น 2569-fin-007"),
    "request.control_character": ("contains the control character U+{code}; remove it",
                                  "มีอักขระควบคุม U+{code} ให้ลบออก"),
    "request.title_too_long": (
        "is too long for WordPress, which stores a title or excerpt of at most {max_bytes:,} bytes: about "
        "{max_chars:,} Thai characters (3 bytes each; each < > & \" ' [ ] takes 4-6); this one is {chars:,} "
        "characters, {size:,} bytes: shorten it by at least {shorten:,} Thai character(s)",
        "ยาวเกินกว่าที่ WordPress เก็บได้ (ชื่อเรื่องหรือคำโปรยเก็บได้ไม่เกิน {max_bytes:,} ไบต์ ประมาณ {max_chars:,} "
        "ตัวอักษรไทย) ข้อความนี้มี {chars:,} ตัวอักษร {size:,} ไบต์: ให้ตัดให้สั้นลงอย่างน้อย {shorten:,} ตัวอักษร"),
    "request.path_absolute": ("attachment path {path!r} is absolute; give it relative to the request file's folder",
                              "ที่อยู่ไฟล์แนบ {path!r} เป็นที่อยู่เต็ม ให้เขียนเทียบกับโฟลเดอร์ของไฟล์คำขอ"),
    "request.path_parent": ("attachment path {path!r} may not contain '..'; keep attachments beside the request",
                            "ที่อยู่ไฟล์แนบ {path!r} มี '..' ไม่ได้ ให้วางไฟล์แนบไว้กับคำขอ"),
    "request.path_empty": ("attachment path {path!r} names no file", "ที่อยู่ไฟล์แนบ {path!r} ไม่ได้ระบุไฟล์"),
    "request.decision_who_when": ("a decision '{status_en}' must say who made it and when; missing: {missing}",
                                  "คำสั่ง '{status_th}' ต้องระบุผู้สั่งและวันเวลาที่สั่ง: ยังขาด {missing}"),
    "request.pending_with_time": ("a pending decision has no decision time; set status, or remove 'at'",
                                  "คำขอที่ยังรอพิจารณาไม่มีวันเวลาที่สั่ง: ให้ระบุ status หรือลบ 'at'"),
    "request.not_a_key": ("{field} {value!r} is not a mapping key; pass mappings in the validation context to "
                          "resolve Thai names",
                          "{field} {value!r} ไม่ใช่คีย์ในตารางจับคู่ (mappings)"),
    "request.image_type": ("image {path!r} is not a .jpg or .png file", "รูปภาพ {path!r} ไม่ใช่ไฟล์ .jpg หรือ .png"),
    "request.listed_twice": ("attachment listed twice: {paths}", "ไฟล์แนบซ้ำกัน: {paths}"),
    "request.checked_stray": ("checked_by_hand names {paths}, which is not an attachment or image of this request",
                              "checked_by_hand ระบุ {paths} ซึ่งไม่ใช่ไฟล์แนบหรือรูปภาพของคำขอนี้"),
    "request.file_count": ("the form says {said} file(s) (จำนวน… ไฟล์) but {attached} are attached",
                           "แบบฟอร์มระบุ {said} ไฟล์ (จำนวน… ไฟล์) แต่แนบมา {attached} ไฟล์"),
    "request.endorsed_early": ("endorsed on {endorsed}, before the request date {requested}",
                               "ลงนามเห็นชอบเมื่อ {endorsed} ก่อนวันที่ของคำขอ {requested}"),
    "request.decided_early": ("decided at {decided_en}, before the request date {requested}",
                              "สั่งการเมื่อ {decided_th} ก่อนวันที่ของคำขอ {requested}"),
    "request.not_approved": ("request {id} is not approved (decision: {status_en})",
                             "คำขอ {id} ยังไม่ได้รับอนุญาต (คำสั่ง: {status_th})"),
    "mappings.unknown": ("unknown {what_en} {wanted!r}; use one of the keys {keys} or the Thai name",
                         "ไม่รู้จัก{what_th} {wanted!r}: ใช้คีย์ใดคีย์หนึ่งต่อไปนี้ {keys} หรือชื่อภาษาไทย{names_th}"),
    # cms_bridge/intake/idguard.py: what the scan found (the place stays as written)
    "id.finding": ("{where}: {what}{detail}", "{where}: {what}{detail}"),
    "id.id_number": ("Thai national ID number (เลขประจำตัวประชาชน)", "เลขประจำตัวประชาชน"),
    "id.phone": ("phone number", "หมายเลขโทรศัพท์"),
    "id.email": ("e-mail address", "ที่อยู่อีเมล"),
    "id.not_scanned": ("not checked for ID numbers", "ยังไม่ได้ตรวจหาเลขประจำตัวประชาชน"),
    "id.possible_id_number": ("possible Thai national ID number (read by OCR, its check digit does not hold: a digit "
                              "may be misread; look at it)",
                              "อาจเป็นเลขประจำตัวประชาชน (อ่านด้วย OCR เลขตรวจสอบไม่ตรง อาจอ่านตัวเลขผิด โปรดตรวจดู)"),
    # cms_bridge/intake/inbox.py: getting requests in
    "intake.id_blocked": ("{finding}: publishing it is blocked; remove the number, or add [id_number_acknowledgement] "
                          "with by and reason",
                          "{finding}: ระงับการเผยแพร่ ให้ลบเลขนั้นออก หรือเพิ่ม [id_number_acknowledgement] พร้อม by และ reason"),
    "intake.id_acknowledged": ("{finding} (acknowledged by {by})", "{finding} (รับทราบโดย {by})"),
    "intake.unread_blocked": ("{finding}: publishing it is blocked until a person looks at it; add [[checked_by_hand]] "
                              "with path = \"{path}\" and by",
                              "{finding}: ระงับการเผยแพร่จนกว่าจะมีผู้ตรวจดูด้วยตา ให้เพิ่ม [[checked_by_hand]] "
                              "โดยมี path = \"{path}\" และ by"),
    "intake.id_taken": ("{id!r} is already used by {other}", "{id!r} ถูกใช้แล้วโดย {other}"),
    "intake.unknown_field": ("not a field of a request (check the spelling against docs/request-format.md)",
                             "ไม่ใช่ช่องของคำขอ (ตรวจการสะกดกับ docs/request-format.md)"),
    "intake.not_of_window": ("not used by a {label} ({kind}) window; leave it empty, or choose the kind of window "
                             "that uses it",
                             "ไม่ใช้กับระยะเวลาแบบ{label} ({kind}): ให้เว้นว่าง หรือเลือกแบบของระยะเวลาที่ใช้ช่องนี้"),
    "intake.example_row": ("the template's example row: skipped (delete it, or give it a request id of its own)",
                           "แถวตัวอย่างของแบบฟอร์ม: ข้ามไป (ลบแถวนี้ หรือให้รหัสคำขอของตนเอง)"),
    "intake.no_request_columns": ("a spreadsheet in the inbox with none of the request columns: not read as requests "
                                  "(write one with: cms-bridge template)",
                                  "ตารางในกล่องรับคำขอไม่มีคอลัมน์ของคำขอเลย: ไม่อ่านเป็นคำขอ (สร้างแบบฟอร์มด้วย: "
                                  "cms-bridge template)"),
    "intake.special_in_folder": ("is {kind}, not a file: skipped without opening it (remove it from the inbox)",
                                 "เป็น {kind} ไม่ใช่ไฟล์: ข้ามไปโดยไม่เปิด (ให้นำออกจากกล่องรับคำขอ)"),
    "intake.special": ("is {kind}, not a file: skipped without opening it", "เป็น {kind} ไม่ใช่ไฟล์: ข้ามไปโดยไม่เปิด"),
    "intake.not_input": ("not a request file (.toml), export (.csv, .xlsx) or folder",
                         "ไม่ใช่ไฟล์คำขอ (.toml) ตารางส่งออก (.csv, .xlsx) หรือโฟลเดอร์"),
    "intake.no_such_path": ("no such file or folder", "ไม่มีไฟล์หรือโฟลเดอร์นี้"),
    # cms_bridge/intake/attachments.py: the files a request names
    "attachment.missing": ("{name}: no such file ({path})", "{name}: ไม่มีไฟล์นี้ ({path})"),
    "attachment.empty": ("{name}: the file is empty (0 bytes)", "{name}: ไฟล์ว่างเปล่า (0 ไบต์)"),
    "attachment.outside": ("{name}: resolves to {target}, outside the request folder {base}",
                           "{name}: ชี้ไปที่ {target} ซึ่งอยู่นอกโฟลเดอร์ของคำขอ {base}"),
    "attachment.special": ("{name}: is {kind}, not a file; it was not opened (attach a regular file)",
                           "{name}: เป็น {kind} ไม่ใช่ไฟล์ จึงไม่ได้เปิด (ให้แนบไฟล์ธรรมดา)"),
    "attachment.unreadable": ("{name}: cannot be read: {error}", "{name}: อ่านไฟล์ไม่ได้: {error}"),
    "attachment.bad_zip": ("{name}: starts like a zip archive but cannot be opened: {error}",
                           "{name}: ขึ้นต้นเหมือนไฟล์ zip แต่เปิดไม่ได้: {error}"),
    "attachment.not_regular": ("{name}: not a regular file", "{name}: ไม่ใช่ไฟล์ธรรมดา"),
    "attachment.too_large": ("{name}: {size} is larger than the limit of {limit}",
                             "{name}: ไฟล์ขนาด {size} ใหญ่เกินขนาดสูงสุด {limit}"),
    "attachment.mb": ("{mb} MB", "{mb} MB"),
    "attachment.bytes": ("{n} bytes", "{n} ไบต์"),
    "attachment.unknown_types": ("unknown attachment type(s) {types}; known: {known}",
                                 "ไม่รู้จักชนิดไฟล์แนบ {types} ชนิดที่รู้จัก: {known}"),
    "attachment.bad_extension": ("{name}: extension {extension} is not an attachment type; accepted: {accepted}",
                                 "{name}: นามสกุล {extension} ไม่ใช่ชนิดไฟล์แนบ ชนิดที่รับ: {accepted}"),
    "attachment.no_extension": ("{name}: extension (none) is not an attachment type; accepted: {accepted}",
                                "{name}: ไฟล์ไม่มีนามสกุล จึงไม่ใช่ชนิดไฟล์แนบ ชนิดที่รับ: {accepted}"),
    "attachment.not_accepted": ("{name}: {expected} files are not accepted here; accepted: {accepted}",
                                "{name}: ไม่รับไฟล์ชนิด {expected} ที่นี่ ชนิดที่รับ: {accepted}"),
    "attachment.content_not": ("{name}: the content is not {expected}{hint}",
                               "{name}: เนื้อไฟล์ไม่ใช่ {expected}{hint}"),
    "attachment.legacy_office": (" (it is an old Office .doc/.xls/.ppt file: save it as .docx/.xlsx/.pptx)",
                                 " (เป็นไฟล์ Office รุ่นเก่า .doc/.xls/.ppt ให้บันทึกใหม่เป็น .docx/.xlsx/.pptx)"),
    "attachment.content_other": ("{name}: the extension says {expected} but the content is {actual}",
                                 "{name}: นามสกุลระบุว่าเป็น {expected} แต่เนื้อไฟล์เป็น {actual}"),
    "attachment.changed": ("{name}: the file changed while it was read ({size} then {counted} bytes)",
                           "{name}: ไฟล์เปลี่ยนระหว่างที่อ่าน ({size} แล้วเป็น {counted} ไบต์)"),
    "attachment.pdf_password": ("{name}: the PDF is password-protected; publish an unprotected copy",
                                "{name}: ไฟล์ PDF ตั้งรหัสผ่านไว้ ให้ใช้ฉบับที่ไม่มีรหัสผ่าน"),
    "attachment.pdf_corrupt": ("{name}: the PDF is corrupt or unreadable: {error}",
                               "{name}: ไฟล์ PDF เสียหายหรืออ่านไม่ได้: {error}"),
    "attachment.pdf_no_pages": ("{name}: the PDF has no pages", "{name}: ไฟล์ PDF ไม่มีหน้าเลย"),
    # cms_bridge/intake/tables.py: CSV and XLSX exports
    "table.no_header": ("no header row", "ไม่มีแถวหัวตาราง"),
    "table.header_twice": ("the header names a column twice: {names}", "หัวตารางมีชื่อคอลัมน์ซ้ำ: {names}"),
    "table.no_configured_column": ("none of the configured columns is in this sheet (expected e.g. {example!r})",
                                   "ไม่มีคอลัมน์ที่ตั้งค่าไว้ในแผ่นงานนี้เลย (เช่น {example!r})"),
    "table.number_cell": ("cell {cell} holds the number {text}, read as the text {text!r}; if it was typed otherwise "
                          "(1.10, a leading 0), Excel changed it: format the column as Text and type it again",
                          "ช่อง {cell} เป็นตัวเลข {text} ใน Excel อ่านเป็นข้อความ {text!r} หากพิมพ์ไว้ต่างจากนี้ (เช่น 1.10 "
                          "หรือมี 0 นำหน้า) ให้ตั้งรูปแบบคอลัมน์เป็นข้อความ (Text) แล้วพิมพ์ใหม่"),
    "table.be_date_cell": ("cell {cell} is a date in the year {year}, read as the Buddhist Era year {year} "
                           "({ce_year} CE)",
                           "ช่อง {cell} เป็นวันที่ในปี {year} อ่านเป็นปี พ.ศ. {year} (ค.ศ. {ce_year})"),
    "table.encoding": ("neither UTF-8 nor TIS-620/cp874 (line {line}); save it as CSV UTF-8",
                       "ไม่ใช่ทั้ง UTF-8 และ TIS-620/cp874 (บรรทัด {line}) ให้บันทึกเป็น CSV UTF-8"),
    "table.not_xlsx": ("cannot be read as an XLSX workbook ({error})", "อ่านเป็นไฟล์ XLSX ไม่ได้ ({error})"),
    # cms_bridge/bridge.py: decisions and the desk's steps
    "decision.cannot_record": ("{id}: cannot record the decision: {reasons}{hint}",
                               "{id}: บันทึกคำสั่งไม่ได้: {reasons}{hint}"),
    "decision.give_by": (" (give --by the name of the person who decided)", " (ให้ระบุ --by ชื่อผู้สั่ง)"),
    "decision.unknown_part": ("not part of a decision", "ไม่ใช่ส่วนของคำสั่ง"),
    "decision.not_endorsed": ("{id}: the group director has not endorsed it yet",
                              "{id}: ผู้อำนวยการกลุ่มยังไม่ได้ลงนามเห็นชอบ"),
    "decision.no_reason": ("{id}: give the reason for not allowing it", "{id}: ให้ระบุเหตุผลที่ไม่อนุญาต"),
    # cms_bridge/cli.py: what record prints
    "record.done": ("recorded #{id}: {channel} {day} {title}", "บันทึกแล้ว #{id}: {channel} {day} {title}"),
    # Sentences the publish gate (cms_bridge/publishing/gate.py) writes as plain text: found
    # again by their English form (see _MATCHED), the parts in braces said in Thai when they can be.
    "gate.held": ("{id}: held back by the publish gate: {reasons}", "{id}: ระงับไว้ ไม่ผ่านการตรวจก่อนเผยแพร่: {reasons}"),
    "gate.not_approved": ("not approved", "ยังไม่ได้รับอนุญาต"),
    "gate.other_version": ("the approval is of another version of the request",
                           "การอนุญาตเป็นของคำขอฉบับอื่น (คำขอถูกแก้ไขหลังอนุญาต)"),
    "gate.unscannable": ("cannot be checked for ID numbers: {error}", "ตรวจหาเลขประจำตัวประชาชนไม่ได้: {error}"),
    "gate.id_number": ("{finding}: remove it, or acknowledge it in the request",
                       "{finding}: ให้ลบออก หรือระบุการรับทราบ [id_number_acknowledgement] ในคำขอ"),
    "gate.unread": ("{finding}: a person must look at it and say so in [[checked_by_hand]]",
                    "{finding}: ต้องมีผู้ตรวจดูด้วยตาและระบุไว้ใน [[checked_by_hand]]"),
    "gate.raw_markup": ("the {place} would carry raw {found}", "{place} จะมีอักขระ {found} ที่ไม่ได้แปลง"),
    "gate.not_kept": ("{paths}: not in the file store (a request must be taken in by intake, which keeps the bytes it "
                      "checked; run sync on the inbox, or Bridge.submit)",
                      "{paths}: ไม่มีในที่เก็บไฟล์ (คำขอต้องผ่านการรับเข้า ซึ่งเก็บไฟล์ที่ตรวจแล้วไว้ ให้รัน sync กับกล่องรับคำขอ "
                      "หรือ Bridge.submit)"),
    "gate.control_character": ("the body would carry a control character", "เนื้อหาจะมีอักขระควบคุม"),
}


class Said(str):
    """A sentence of :data:`MESSAGES` said in English, remembering its id and fields for Thai.

    It is a ``str`` (its English sentence), so it goes wherever a message goes; make one with
    :func:`say`. A field that is a list is said as its items joined with "; ".
    """

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Self:
        english = {name: "; ".join(map(str, v)) if isinstance(v, list) else v for name, v in fields.items()}
        said = super().__new__(cls, MESSAGES[key][0].format(**english))
        said.key, said.fields = key, fields
        return said


# Sentences said lately, by their English text: a Said copied into a pydantic model or an
# exception's message becomes a plain str, and is found again here. Bounded: only the
# messages of one run are ever looked up.
_SAID: dict[str, Said] = {}
_SAID_MAX = 20_000


def say(key: str, /, **fields: Any) -> Said:
    """The library's sentence *key* (an id of :data:`MESSAGES`) with *fields*, in English.

    Args:
        key: the message id, e.g. ``"date.no_such_day"``.
        **fields: the values its sentence names (dates stay dates: Thai says them in BE).

    Raises:
        KeyError: an unknown id (a programming error, found by the tests).
    """
    said = Said(key, **fields)
    if len(_SAID) >= _SAID_MAX:
        del _SAID[next(iter(_SAID))]
    _SAID[said] = said
    return said


def find_said(text: str) -> Said | None:
    """The sentence said lately whose English is *text*, if any."""
    return _SAID.get(text)
