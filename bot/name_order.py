"""The order people's names are listed in: a Chinese name by its pinyin, as a phone's
contact list has it (李雷 "li lei" before 张伟 "zhang wei", among the Latin names: Alice,
李雷, Sam), where ordering by code point put 张 before 李.

Other names keep their case-folded order. The readings come from pypinyin's table of
characters (MIT), read once and only when a name with Chinese characters is first ordered:
importing pypinyin itself takes ~0.4 s (its phrase tables), its character table ~30 ms.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: Surnames whose first reading in the table is not the surname's (曾 is céng there, and
#: zēng as a surname), as a contact list reads them.
_SURNAMES = {"曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao",
             "查": "zha", "乐": "yue", "覃": "qin", "盖": "ge", "缪": "miao", "尉": "yu",
             "翟": "zhai", "沈": "shen", "万": "wan", "员": "yun", "隗": "wei", "那": "na",
             "种": "chong", "秘": "bi", "燕": "yan", "華": "hua", "單": "shan"}


def name_key(name: str) -> str:
    """The key a list of names is sorted by: a Chinese name by its pinyin (ties, as 李 and
    黎 are both "li", by the characters, so the order is always the same), any other
    name case-folded, as before. Cheap for a name without Chinese characters."""
    if name.isascii() or _CJK.search(name) is None:
        return name.casefold()
    return _pinyin_key(name)


@lru_cache(maxsize=65536)
def _pinyin_key(name: str) -> str:
    table = _readings()
    parts: list[str] = []
    for i, ch in enumerate(name):
        reading = (_SURNAMES.get(ch) if i == 0 else None) or table.get(ord(ch))
        if reading is None:
            parts.append(ch.casefold())
            continue
        # ü as 'v', as a pinyin keyboard types it: 卢 "lu" before 吕 "lv".
        plain = unicodedata.normalize("NFD", reading.split(",")[0]).replace("u\u0308", "v")
        # A space after each syllable: all of 李… ("li ") before 梁 ("liang"), as a contact
        # list goes character by character.
        parts.append("".join(c for c in plain if not unicodedata.combining(c)) + " ")
    return "".join(parts).rstrip() + "\x00" + name


@lru_cache(maxsize=1)
def _readings() -> dict[int, str]:
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "pinyin_dict.json"
        if path.is_file():  # the table alone, without importing pypinyin's phrase tables
            return {int(k): v for k, v in json.loads(path.read_text("utf-8")).items()}
    from pypinyin.pinyin_dict import pinyin_dict  # (a layout without the JSON file)
    return dict(pinyin_dict)
