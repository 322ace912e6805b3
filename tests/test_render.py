"""Templates: both locales say everything, and user text is escaped for each platform."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from jinja2 import nodes

from bot.render import (
    MARKUPS,
    TEMPLATE_DIR,
    Renderer,
    format_fixed,
    format_number,
    format_percent,
    message_files,
)

renderer = Renderer()


def test_both_locales_define_the_same_messages():
    assert renderer.message_names("en") == renderer.message_names("zh-CN")
    en = {p.relative_to(TEMPLATE_DIR / "en") for p in (TEMPLATE_DIR / "en").rglob("*.j2")}
    zh = {p.relative_to(TEMPLATE_DIR / "zh-CN") for p in (TEMPLATE_DIR / "zh-CN").rglob("*.j2")}
    assert en == zh


def _signatures(locale: str) -> dict[str, tuple[list[str], int]]:
    """Each public message of a locale: its arguments, and how many of them have a default."""
    env = renderer._envs["plain"]
    found = {}
    for name in message_files(TEMPLATE_DIR, locale):
        tree = env.parse((TEMPLATE_DIR / name).read_text(encoding="utf-8"))
        for macro in tree.find_all(nodes.Macro):
            if not macro.name.startswith("_"):
                found[macro.name] = ([a.name for a in macro.args], len(macro.defaults))
    return found


def test_every_message_takes_the_same_arguments_in_both_locales():
    """A message the code calls with arguments one locale does not take would fail (or say
    less) for the people reading that locale only."""
    en, zh = _signatures("en"), _signatures("zh-CN")
    assert en.keys() == zh.keys() == renderer.message_names("en")
    assert {n: s for n, s in en.items() if zh[n] != s} == {}


_CHINESE = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _literal_text(source: str) -> str:
    """What a macro says of itself: its source without comments, tags and expressions."""
    for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}"):
        source = re.sub(pattern, " ", source, flags=re.S)
    return source


def test_every_chinese_message_is_written_in_chinese():
    """A message copied into zh-CN and left in English would reach Chinese readers so."""
    english = []
    for name in message_files(TEMPLATE_DIR, "zh-CN"):
        source = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
        for macro in re.finditer(r"\{%-?\s*macro\s+(\w+)\(.*?%\}(.*?)\{%-?\s*endmacro",
                                 source, re.S):
            said = _literal_text(macro.group(2))
            if _WORD.search(said) and not _CHINESE.search(macro.group(2)):
                english.append(macro.group(1))
    assert english == []


def test_every_message_that_needs_no_arguments_renders_in_both_locales_and_markups():
    """Rendered, not only defined: in Chinese wherever the English says words."""
    bare = [n for n, (args, defaults) in _signatures("en").items() if len(args) == defaults]
    assert len(bare) > 50
    for name in bare:
        for markup in ("plain", "markdown", "slack", "telegram"):
            en = renderer.message("en", name, markup)
            zh = renderer.message("zh-CN", name, markup)
            assert en and zh, (name, markup)
            if _WORD.search(en):
                assert _CHINESE.search(zh), (name, markup, zh)


def test_a_feature_message_file_adds_its_macros(tmp_path):
    for locale in ("en", "zh-CN"):
        (tmp_path / locale / "messages").mkdir(parents=True)
        (tmp_path / locale / "messages.j2").write_text(
            "{% macro hello(name) %}Hello {{ name }}{% endmacro %}", encoding="utf-8")
        (tmp_path / locale / "messages" / "kudos.j2").write_text(
            "{% macro thanks(name) %}Thanks {{ name | b }}{% endmacro %}", encoding="utf-8")
    own = Renderer(tmp_path)
    assert own.message("en", "hello", "plain", name="a<b") == "Hello a<b"
    assert own.message("zh-CN", "thanks", "telegram", name="a<b") == "Thanks <b>a&lt;b</b>"
    assert own.message_names("en") == {"hello", "thanks"}


def test_a_message_defined_in_two_files_is_refused(tmp_path):
    (tmp_path / "en" / "messages").mkdir(parents=True)
    macro = "{% macro hello() %}hi{% endmacro %}"
    (tmp_path / "en" / "messages.j2").write_text(macro, encoding="utf-8")
    (tmp_path / "en" / "messages" / "other.j2").write_text(macro, encoding="utf-8")
    with pytest.raises(KeyError, match="defined twice"):
        Renderer(tmp_path).message("en", "hello")


def test_no_chinese_message_falls_back_to_english():
    en = Path(TEMPLATE_DIR / "en" / "messages.j2").read_text(encoding="utf-8")
    zh = Path(TEMPLATE_DIR / "zh-CN" / "messages.j2").read_text(encoding="utf-8")
    assert "Usage:" in en and "Usage:" not in zh


def test_user_text_is_escaped_per_platform():
    text = "Q1 <b>wins</b> & more"
    args = {"week": "2026-W48", "items": [{"prompt": "Wins?", "answer": text}]}
    assert text in renderer.message("en", "checkin_done", "plain", **args)
    slack = renderer.message("en", "checkin_done", "slack", **args)
    assert "Q1 &lt;b&gt;wins&lt;/b&gt; &amp; more" in slack
    assert "*Thanks — your check-in for 2026-W48 is in.*" in slack
    telegram = renderer.message("en", "checkin_done", "telegram", **args)
    assert "Q1 &lt;b&gt;wins&lt;/b&gt; &amp; more" in telegram
    assert "<b>Thanks — your check-in for 2026-W48 is in.</b>" in telegram
    markdown = renderer.message("en", "checkin_done", "markdown", **args)
    assert "Q1 \\<b\\>wins\\</b\\> \\& more" in markdown  # "&amp;" would be an entity


def test_bold_wraps_escaped_text():
    out = renderer.message("en", "question", "telegram", prompt="p", position=1, total=2,
                           kind="number", unit="<USD>")
    assert "<i>Reply with a number in &lt;USD&gt;, e.g. 45000 or 45k.</i>" in out


def test_mentions_per_platform():
    class P:
        name = "Alice & Co"
        slack_id = "U0ALICE"
        telegram_id = 1002

    env_slack = renderer._envs["slack"]
    env_tg = renderer._envs["telegram"]
    env_plain = renderer._envs["plain"]
    tpl = "{{ p | mention }}"
    assert env_slack.from_string(tpl).render(p=P()) == "<@U0ALICE>"
    assert env_tg.from_string(tpl).render(p=P()) == '<a href="tg://user?id=1002">Alice &amp; Co</a>'
    assert env_plain.from_string(tpl).render(p=P()) == "Alice & Co"


def test_number_formats():
    assert format_number(52000.0) == "52,000"
    assert format_number(1234.5) == "1,234.5"
    assert format_number(None) == "—"
    assert format_percent(1.04) == "104%"


def test_a_figure_in_rupees_is_grouped_in_lakhs_and_crores():
    """As India writes it (41 lakh, 5.2 crore); every other unit as before."""
    assert format_number(4_100_000, unit="INR") == "41,00,000"
    assert format_number(52_000_000.0, unit="₹") == "5,20,00,000"
    assert format_number(12_345_678.126, unit="印度卢比") == "1,23,45,678.13"
    assert format_number(-1_000_000, unit="Rs") == "-10,00,000"
    assert format_number(999, unit="INR") == "999"
    assert format_number(4_100_000, unit="USD") == format_number(4_100_000) == "4,100,000"
    assert format_number(None, unit="INR") == "—"


def test_the_rupee_units_are_the_check_ins_own_names_of_the_rupee():
    """bot.numbers may not import the check-in's currency names: every name it reads as
    the rupee is grouped so, and no other currency's."""
    from bot.numbers import in_rupees
    from handlers.answers import _CURRENCY_NAMES, unit_codes

    for name, codes in _CURRENCY_NAMES.items():
        assert in_rupees(name) == (codes == {"INR"}), name
    assert in_rupees("INR") and unit_codes("INR") == {"INR"}
    assert not in_rupees("IDR") and not in_rupees("万元") and not in_rupees(None)


def test_a_half_rounds_up_on_the_decimal_a_figure_stands_for():
    """As a spreadsheet shows it: 57.5% reads 58%, not round()'s 57% (0.575 is stored a
    hair under, and round() sends a half to the even number: 90.5% read 90%)."""
    assert format_percent(0.575) == "58%"
    assert format_percent(23 / 40) == "58%"
    assert format_percent((1.33 + 0.48) / 2) == "91%"  # 0.9049999999999999 in a float
    assert format_percent(0.905) == "91%" and format_percent(0.125) == "13%"
    assert format_percent(-0.005) == "-1%" and format_percent(0.014999) == "1%"
    assert format_number(0.125) == "0.13" and format_number(2.675) == "2.68"
    assert format_number(1234.565) == "1,234.57" and format_number(1_000_000.5, 0) == "1,000,001"
    assert format_fixed(3.25) == "3.3" and format_fixed(3.0) == "3.0"
    assert format_fixed(13 / 4) == "3.3" and format_fixed(3.2449) == "3.2"
    env = renderer._envs["plain"]
    assert env.from_string("{{ 1234.5 | round | num }} {{ 2.25 | round(1) }}").render() \
        == "1,235 2.3"


@pytest.mark.parametrize(("ratio", "shown"), [
    (0, "0%"), (0.0, "0%"), (-0.0, "0%"),
    (0.0001, "<1%"), (0.00499, "<1%"), (40 / 10_000, "<1%"), (5e-324, "<1%"),
    (-0.0001, "<0%"), (-0.00499, "<0%"), (-5e-324, "<0%"), (-0.005, "-1%"),
    (0.005, "1%"), (0.994, "99%"), (0.995, "99%"), (9_960 / 10_000, "99%"), (0.9999, "99%"),
    (1.0, "100%"), (1, "100%"), (1.004, "100%"), (1.005, "101%"), (1.37, "137%"),
    (5_000.0, "500,000%"),
    (None, "—"), (math.nan, "—"), (math.inf, "—"),
])
def test_a_share_never_reads_0_percent_for_something_nor_100_for_a_miss(ratio, shown):
    """40 of a 10,000 target (0.4%) read '0%', as nothing booked does; 99.6% must not read
    '100%', as met does. Exactly 0 and 1, and beyond, read as before."""
    assert format_percent(ratio) == shown


def test_less_than_one_percent_reaches_each_platform_as_text():
    """'<' opens a link in Slack and a tag in Telegram's HTML: '<1%' is escaped for each."""
    shown = {m: renderer._envs[m].from_string("{{ x | pct }}").render(x=0.004) for m in MARKUPS}
    assert shown == {"plain": "<1%", "markdown": "\\<1%", "slack": "&lt;1%",
                     "telegram": "&lt;1%"}


def test_no_template_formats_a_percentage_by_hand():
    """Every percentage a template shows goes through `pct`, whose edges (<1%, 99%) a
    hand-made '{{ x * 100 }}%' would lose, in either locale."""
    by_hand = re.compile(r"\}\}\s*[%％]|\*\s*100\b|\b100\s*\*")
    for path in TEMPLATE_DIR.rglob("*.j2"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = re.sub(r"\{#.*?#\}|\{%.*?%\}", "", line)  # tags: their '%' is syntax
            assert not by_hand.search(text), f"{path.relative_to(TEMPLATE_DIR)}:{number}: {line}"


def test_commands_are_spelled_for_each_platform():
    slack = renderer.message("en", "help", "slack", checks_in=True, can_view_summary=True)
    assert "/teampulse away YYYY-MM-DD" in slack and "/teampulse help" in slack
    assert "/summary &lt;person&gt;" in slack  # no stray Slack link markup
    telegram = renderer.message("en", "help", "telegram", checks_in=True, can_view_summary=True)
    assert "\n/away YYYY-MM-DD" in telegram and "/summary &lt;person&gt;" in telegram
    assert "/summary <person>" in renderer.message("en", "help", "plain", can_view_summary=True)


def test_a_rendered_template_lets_go_of_what_it_was_given(tmp_path):
    # The GM's view handed to a template is freed as soon as the text is made, not left
    # for the cyclic collector (which would then walk every object of it).
    import gc
    import weakref

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "page.j2").write_text(
        "{% macro name(row) %}{{ row.name }}{{ mark }}{% endmacro %}"
        "{% for row in rows %}{{ name(row) }}{% endfor %} of {{ rows | length }}",
        encoding="utf-8")
    own = Renderer(tmp_path)

    class Row:
        name = "Alice"

    row = Row()
    gone = weakref.ref(row)
    gc.disable()
    try:
        assert own.template("en", "page", rows=[row], mark="!") == "Alice! of 1"
        del row
        assert gone() is None
    finally:
        gc.enable()


def test_an_error_in_a_template_is_raised_as_itself(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "bad.j2").write_text("{{ 1 // n }}", encoding="utf-8")
    with pytest.raises(ZeroDivisionError):
        Renderer(tmp_path).template("en", "bad", n=0)


def _messages(folder: Path, text: str) -> Path:
    for locale in ("en", "zh-CN"):
        (folder / locale).mkdir(parents=True, exist_ok=True)
        (folder / locale / "messages.j2").write_text(text, encoding="utf-8")
    return folder


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from here on."""
    from jinja2 import Environment

    compiled: list[str] = []
    real = Environment.compile

    def compile_(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", compile_)
    return compiled


def test_a_restart_reads_the_compiled_templates_and_an_edited_one_anew(tmp_path, monkeypatch):
    """The first message after a start loads what the last run compiled; a template
    edited since is compiled again, and its new text is what people get."""
    templates = _messages(tmp_path / "t", "{% macro hello(name) %}Hello {{ name }}{% endmacro %}")
    kept = tmp_path / "compiled"
    kept.mkdir()
    compiled = _compiles(monkeypatch)
    assert Renderer(templates, kept).message("en", "hello", "slack", name="a<b") == \
        "Hello a&lt;b"
    assert compiled == ["en/messages.j2"] and any(kept.iterdir())
    compiled.clear()
    assert Renderer(templates, kept).message("en", "hello", "slack", name="a<b") == \
        "Hello a&lt;b"
    assert compiled == []  # loaded, not compiled
    _messages(templates, "{% macro hello(name) %}Hi {{ name }}{% endmacro %}")
    assert Renderer(templates, kept).message("en", "hello", "slack", name="a<b") == \
        "Hi a&lt;b"
    assert compiled == ["en/messages.j2"]


def test_each_platform_keeps_its_own_compiled_templates(tmp_path):
    """A start that finds every platform's compiled templates kept renders each platform's
    text its own way, as a start that compiled them did."""
    templates = _messages(tmp_path / "t", "{% macro sign(name) %}{{ name | b }} from "
                                          "{{ 'R&D' }} {{ arg('team') }}{% endmacro %}")
    kept = tmp_path / "compiled"
    kept.mkdir()
    markups = ("plain", "markdown", "slack", "telegram")
    fresh = {m: Renderer(templates, kept).message("en", "sign", m, name="a<b*")
             for m in markups}
    assert fresh["telegram"] == "<b>a&lt;b*</b> from R&amp;D &lt;team&gt;"
    assert fresh["markdown"] == "**a\\<b\\*** from R&amp;D \\<team\\>"
    assert len(set(fresh.values())) == 4
    assert len(list(kept.iterdir())) == 4  # one compiled file per platform
    again = Renderer(templates, kept)
    assert {m: again.message("en", "sign", m, name="a<b*") for m in markups} == fresh


def test_a_place_that_cannot_keep_compiled_templates_costs_only_the_compiling(tmp_path):
    templates = _messages(tmp_path / "t", "{% macro hello() %}Hello{% endmacro %}")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    for _ in range(2):
        assert Renderer(templates, not_a_folder).message("en", "hello") == "Hello"


def test_kept_files_deleted_or_from_another_version_are_compiled_anew(tmp_path, monkeypatch):
    """What README promises of the kept files: deleting them is harmless, and one another
    Jinja wrote (another version's header, or any bytes at all) is not trusted."""
    templates = _messages(tmp_path / "t", "{% macro hello(name) %}Hello {{ name }}{% endmacro %}")
    kept = tmp_path / "compiled"
    kept.mkdir()
    Renderer(templates, kept).message("en", "hello", "slack", name="a")
    compiled = _compiles(monkeypatch)
    for damage in ("other version", "garbage", "deleted"):
        for path in kept.iterdir():
            if damage == "deleted":
                path.unlink()
            else:
                data = path.read_bytes()
                path.write_bytes(b"j2\x00\x00\x00\x00" + data[6:] if damage == "other version"
                                 else b"\x00not a compiled template")
        assert Renderer(templates, kept).message("en", "hello", "slack", name="a<b") == \
            "Hello a&lt;b"
        assert compiled == ["en/messages.j2"], damage
        compiled.clear()


def _template_shape(path: Path) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """A template file's public macros with their parameters, the names it reads from its
    caller, and the keys its macros read from `kwargs`."""
    from jinja2 import meta, nodes

    ast = renderer._envs["plain"].parse(path.read_text(encoding="utf-8"))
    macros = {m.name: [a.name for a in m.args] for m in ast.find_all(nodes.Macro)
              if not m.name.startswith("_")}
    kwargs = {g.attr for g in ast.find_all(nodes.Getattr)
              if isinstance(g.node, nodes.Name) and g.node.name == "kwargs"}
    return macros, meta.find_undeclared_variables(ast), kwargs


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATE_DIR / "en"))
                                        for p in (TEMPLATE_DIR / "en").rglob("*.j2")))
def test_every_english_template_has_a_chinese_twin_taking_the_same_parameters(name):
    # A twin missing, a macro missing in one language, or a parameter the other language
    # does not take would fail only when that message is sent to someone of that language.
    twin = TEMPLATE_DIR / "zh-CN" / name
    assert twin.is_file(), f"templates/zh-CN/{name} is missing"
    en_macros, en_reads, en_kwargs = _template_shape(TEMPLATE_DIR / "en" / name)
    zh_macros, zh_reads, zh_kwargs = _template_shape(twin)
    assert set(en_macros) == set(zh_macros), f"{name}: macros in one language only"
    for macro, params in en_macros.items():
        assert params == zh_macros[macro], f"{name}: {macro} takes {params} in en, " \
                                           f"{zh_macros[macro]} in zh-CN"
    assert en_reads == zh_reads, f"{name}: reads {sorted(en_reads ^ zh_reads)} in one language"
    assert en_kwargs == zh_kwargs, f"{name}: kwargs {sorted(en_kwargs ^ zh_kwargs)}"


def test_kept_compiled_templates_follow_an_edit_and_an_unwritable_cache_costs_nothing(
        tmp_path):
    """README (*Files outside the database*): an edited template is compiled anew, and
    where the compiled files cannot be written teampulse renders as before."""
    import shutil

    from bot.render import TEMPLATE_DIR, Renderer

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATE_DIR, templates)
    kept = tmp_path / "compiled"
    kept.mkdir()
    first = Renderer(templates, kept).message("en", "usage", "plain", command="pause")
    assert first == "Usage: /pause" and any(kept.iterdir())
    messages = templates / "en" / "messages.j2"
    messages.write_text(messages.read_text(encoding="utf-8").replace(
        "{%- else %}Usage: /{{ command }}", "{%- else %}How to use: /{{ command }}"),
        encoding="utf-8")
    assert Renderer(templates, kept).message("en", "usage", "plain",
                                             command="pause") == "How to use: /pause"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    assert Renderer(templates, blocked / "compiled").message(
        "en", "usage", "plain", command="pause") == "How to use: /pause"


@pytest.mark.parametrize("kept", [0, 3, 40])
def test_a_compiled_template_cut_short_is_compiled_again_not_a_failure(tmp_path, kept):
    """The compiled templates kept between runs (README: Files outside the database) are
    renamed into place whole, but a power cut can leave one cut short on disk. Past its
    header, Jinja's reading of such a file raised UnpicklingError, and every message of
    that language and platform failed at every start until someone found and deleted it.
    It is read as no file: compiled again, and written anew."""
    from jinja2.bccache import bc_magic

    Renderer(compiled_dir=tmp_path).message("en", "answer_empty")
    kept_files = list(tmp_path.iterdir())
    assert kept_files
    for file in kept_files:
        file.write_bytes(file.read_bytes()[:len(bc_magic) + kept])

    again = Renderer(compiled_dir=tmp_path)
    assert again.message("en", "answer_empty") == renderer.message("en", "answer_empty")
    assert all(len(f.read_bytes()) > len(bc_magic) + kept for f in kept_files)
