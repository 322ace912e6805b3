"""The GM's /summary in chat for an org larger than a page: the headline and what needs
attention first, lists of names cut short, directors a page at a time with a footer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.app import prepare
from tests.support import TEST_ORG, RecordingAdapter, say
from tests.test_checkin import answer_all
from tests.test_summary_gm import blocks

EXTRA = 42  # with Alice, Bruno and Li: 45 directors
ANSWERS = ["41000", "Signed Rome", "none", "1", "Keep going", "3"]  # as Bruno answers
SILENT = 12  # of the extra directors, these do not answer: 15 missing with the three


def grown_org(path: Path, locale: str, people: list[dict], **sections: object) -> Path:
    """The test org written to `path` with more `people`, the GM reading in `locale`, and
    any top-level `sections` set (such as oneonones)."""
    data = yaml.safe_load(TEST_ORG.read_text(encoding="utf-8"))
    for person in data["people"]:
        if person["key"] == "grace":
            person["locale"] = locale
    data["people"] += people
    data.update(sections)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def director(i: int, team: str) -> dict:
    """Director i (d01 ...) under Grace, in New York, with a revenue target."""
    return {"key": f"d{i:02d}", "name": f"Director {i:02d}", "role": "director",
            "manager": "grace", "team": team, "timezone": "America/New_York", "locale": "en",
            "kpis": [{"metric": "revenue", "unit": "USD", "weekly_target": 40000}]}


def big_org(tmp_path: Path, locale: str = "en") -> Path:
    """The test org with 42 more directors (d01 ... d42) under Grace."""
    return grown_org(tmp_path / "big.yaml", locale,
                     [director(i, f"T{i % 3}") for i in range(1, EXTRA + 1)])


@pytest.fixture
def big(request, settings, clock, tmp_path) -> Iterator[tuple]:
    """A bot on the 45-director org (the GM reading in English, or the locale the test
    passes as the fixture's parameter) and a recording chat."""
    locale = getattr(request, "param", "en")
    bot, engine = prepare(replace(settings, org_file=big_org(tmp_path, locale)), clock)
    chat = RecordingAdapter()
    bot.register(chat)
    yield bot, chat
    engine.dispose()


async def answered(bot) -> None:
    await bot.run_checkins()
    for i in range(SILENT + 1, EXTRA + 1):
        await answer_all(bot, f"d{i:02d}", ANSWERS)


def directors(text: str) -> list[str]:
    return [t for t in blocks(text) if t.startswith(("Director ", "Alice", "Bruno", "李雷"))]


async def test_page_one_puts_attention_first_and_says_where_the_rest_are(big):
    bot, chat = big
    await answered(bot)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    # The headline names ten of the fifteen missing, then how many more.
    assert "Check-ins: 30 of 45 · missing: " in text
    line = next(x for x in text.splitlines() if "Check-ins: 30 of 45" in x)
    assert line.endswith(" and 5 more") and line.count(", ") == 9
    assert "not reported: " in text and " and 5 more" in text
    assert "Needs your attention" in text
    shown = directors(text)
    assert len(shown) == 20
    # The fifteen who did not check in come first, then five who did.
    assert all("not checked in" in blocks(text)[t] for t in shown[:15])
    assert all("— checked in" in blocks(text)[t] for t in shown[15:])
    assert text.rstrip().endswith(
        "Directors 1–20 of 45 · next page: /summary page 2 · "
        "/summary <person> for one director")
    assert len(text) < 40_000  # one Slack message


async def test_the_last_page_shows_the_last_five_and_past_it_says_so(big):
    bot, chat = big
    await answered(bot)
    await say(bot, "grace", "/summary")
    first = set(directors(chat.last("grace")))
    await say(bot, "grace", "/summary page 2")
    second = directors(chat.last("grace"))
    await say(bot, "grace", "/summary page 3")
    text = chat.last("grace")
    third = directors(text)
    assert len(second) == 20 and len(third) == 5
    # Every director exactly once over the three pages; the headline on page 1 only.
    assert len(first | set(second) | set(third)) == 45
    assert "Needs your attention" not in text and "Check-ins:" not in text
    assert text.rstrip().endswith(
        "Directors 41–45 of 45 · /summary <person> for one director")
    await say(bot, "grace", "/summary page 4")
    assert chat.last("grace") == ("There is no page 4: the summary's directors fill 3 pages. "
                                  "The last one is /summary page 3.")


async def test_a_director_behind_and_n_more_is_reachable_by_name(big):
    bot, chat = big
    await answered(bot)
    await say(bot, "grace", "/summary")
    line = next(x for x in chat.last("grace").splitlines() if "Check-ins: 30 of 45" in x)
    hidden = [f"Director {i:02d}" for i in range(1, SILENT + 1) if f"Director {i:02d}" not in line]
    assert hidden  # some of the missing are only counted
    key = "d" + hidden[0].split()[-1]
    await say(bot, "grace", f"/summary {key}")
    text = chat.last("grace")
    assert f"Full picture — {hidden[0]}" in text
    assert "not checked in" in text


async def test_pages_keep_the_period_asked_for(big):
    bot, chat = big
    await answered(bot)
    await say(bot, "grace", "/summary last 4w page 2")
    text = chat.last("grace")
    assert "Summary of the last 4 weeks" in text
    assert "Directors 21–40 of 45 · next page: /summary last 4w page 3" in text
    await say(bot, "grace", "/summary page two")
    assert 'I didn\'t understand "page two"' in chat.last("grace")


@pytest.mark.parametrize("big", ["zh-CN"], indirect=True)
async def test_pages_in_chinese(big):
    bot, chat = big
    await answered(bot)
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "签到：30 / 45 · 未签到：" in text and " 等另外 5 人" in text
    assert text.rstrip().endswith(
        "总监 1–20，共 45 位 · 下一页：/summary page 2 · 查看单个总监：/summary <成员>")
    await say(bot, "grace", "/summary page 9")
    assert chat.last("grace") == \
        "没有第 9 页：概况中的总监共 3 页，最后一页是 /summary page 3。"


async def test_an_org_of_one_page_reads_as_before(bot, chat):
    await bot.run_checkins()
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    assert "Directors 1–" not in text
    assert "missing: Alice Martin, Bruno Rossi, 李雷" in text
    await say(bot, "grace", "/summary page 2")
    assert chat.last("grace") == ("There is no page 2: the summary's directors fill 1 page. "
                                  "The last one is /summary.")


async def test_help_tells_the_gm_about_pages(bot, chat):
    await say(bot, "grace", "/help")
    assert "/summary page 2 (more than 20 directors: 20 a page" in chat.last("grace")


async def test_the_gms_digest_of_a_large_org_is_page_one(big):
    from handlers.digest import build_digest

    bot, _chat = big
    await answered(bot)
    with bot.unit() as ctx:
        grace = ctx.people.by_key("grace")
        digest = build_digest(ctx, grace, "2026-W48", "plain")
    assert "Needs your attention" in digest.text
    assert len(directors(digest.text)) == 20
    assert "Directors 1–20 of 45 · next page: /summary 2026-W48 page 2" in digest.text
    # Its header names ten of those who did not answer, then how many more (at 10,000
    # people it had listed every one of them: 45,000 characters before the summary).
    line = next(x for x in digest.text.splitlines() if " answered. Not answered: " in x)
    asked, _, names = line.partition(" answered. Not answered: ")
    answered_n, expected_n = (int(n) for n in asked.split(" of "))
    assert expected_n - answered_n > 10
    assert names.count(" (no answer)") == 10
    assert names.endswith(f" and {expected_n - answered_n - 10} more.")


@pytest.mark.parametrize("big", ["zh-CN"], indirect=True)
async def test_the_gms_digest_header_in_chinese_names_ten_then_how_many_more(big):
    from handlers.digest import build_digest

    bot, _chat = big
    await answered(bot)
    with bot.unit() as ctx:
        digest = build_digest(ctx, ctx.people.by_key("grace"), "2026-W48", "plain")
    line = next(x for x in digest.text.splitlines() if "人。未回答：" in x)
    missing = int(line.split(" / ")[1].split(" ")[0]) - int(line.split(" / ")[0].split(" ")[-1])
    assert line.count("（未回答）") == 10
    assert line.endswith(f" 等另外 {missing - 10} 人。")


async def test_every_page_shows_its_directors_wins_plans_and_confidence(big):
    # Each page reads the texts of its own directors: a director on page 2 or 3 must not
    # lose this week's wins, plan or confidence, or month and quarter to date, because
    # page 1 was worked out first.
    bot, chat = big
    await answered(bot)
    shown: dict[str, str] = {}
    for page in (1, 2, 3):
        await say(bot, "grace", f"/summary page {page}")
        text = chat.last("grace")
        shown |= {title.split(" · ")[0]: blocks(text)[title] for title in directors(text)}
    answering = [f"Director {i:02d}" for i in range(SILENT + 1, EXTRA + 1)]
    assert len(shown) == 45
    assert all("this week's wins: Signed Rome" in shown[name] for name in answering)
    assert all("confidence 3" in shown[name] for name in answering)
    # 41,000 of 40,000 (102.5%: 103%, a half up) this week, the month and the quarter so
    # far (the only week).
    assert all("(103%) · month 103% · quarter 103%" in shown[name] for name in answering)
    silent = [f"Director {i:02d}" for i in range(1, SILENT + 1)]
    assert not any("Signed Rome" in shown[name] for name in silent)


async def test_a_view_built_for_one_page_is_never_shown_as_another_or_exported(big):
    # A page's view holds the texts of its own directors only: shown as another page or
    # exported whole it would say they wrote nothing, so it refuses instead.
    from handlers.summary_gm import build_gm_summary, render_gm, to_csv

    bot, _chat = big
    await answered(bot)
    with bot.unit() as ctx:
        view = build_gm_summary(ctx, "en", "2026-W48", 1, "UTC", page=2)
        assert "Directors 21–40 of 45" in render_gm(ctx.renderer, "en", "plain", view, page=2)
        for wrong in (1, 3, None):
            with pytest.raises(ValueError, match="page 2"):
                render_gm(ctx.renderer, "en", "plain", view, page=wrong)
        with pytest.raises(ValueError, match="one chat page"):
            view.to_dict()
        with pytest.raises(ValueError, match="one chat page"):
            view.for_json()  # (what the CLI writes)
        with pytest.raises(ValueError, match="one chat page"):
            to_csv(view)


async def test_each_page_reads_as_the_same_page_of_the_whole_view(big, clock):
    # Two weeks, so last week's plan and the confidence trend are there to be read.
    from datetime import timedelta

    from handlers.summary_gm import build_gm_summary, render_gm

    bot, _chat = big
    clock.set(clock.now() - timedelta(weeks=1))
    await answered(bot)
    clock.set(clock.now() + timedelta(weeks=1))
    await answered(bot)
    with bot.unit() as ctx:
        whole = build_gm_summary(ctx, "en", "2026-W48", 1, "UTC")
        for page in (1, 2, 3):
            view = build_gm_summary(ctx, "en", "2026-W48", 1, "UTC", page=page)
            text = render_gm(ctx.renderer, "en", "plain", view, page=page)
            assert text == render_gm(ctx.renderer, "en", "plain", whole, page=page)
    assert "last week's plan: Keep going" in text


async def test_page_one_lists_twenty_things_needing_attention_then_how_many_more(big, settings):
    """README, *A large org in chat comes in pages*: page 1's attention list stops after
    twenty items and says where the rest are; the CLI's export lists every one."""
    from tests.support import run_cli

    bot, chat = big
    await bot.run_checkins()  # nobody answers: 45 directors "not checked in this week"
    await say(bot, "grace", "/summary")
    text = chat.last("grace")
    attention = text.split("Needs your attention\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(attention) == 21, attention
    assert all("not checked in" in line for line in attention[:20])
    assert attention[20] == ("and 25 more: each director's block below and on the next pages "
                             "lists what needs attention.")
    await say(bot, "grace", "/summary page 2")
    assert "Needs your attention" not in chat.last("grace")
    _, out = run_cli(replace(settings, org_file=bot.settings.org_file), "summary")
    listed = out.split("## Needs your attention\n\n", 1)[1].split("\n\n", 1)[0]
    assert listed.count("not checked in") == 45 and "more:" not in listed, listed


async def test_the_gms_digest_header_names_ten_of_those_away_then_how_many_more(big):
    """README: a digest's header names at most ten of those away, then how many more (it
    had named every one, as it had every one who did not answer)."""
    from handlers.digest import build_digest

    bot, _chat = big
    for i in range(1, 13):  # twelve directors away over the check-in
        await say(bot, f"d{i:02d}", "/away 2026-12-10")
    await answered(bot)
    with bot.unit() as ctx:
        digest = build_digest(ctx, ctx.people.by_key("grace"), "2026-W48", "plain")
    line = next(x for x in digest.text.splitlines() if " answered. " in x)
    away = line.split(" Away: ", 1)[1]
    assert away.count(", ") == 9 and away.endswith(" and 2 more."), line
    assert all(f"Director {i:02d}" in digest.text for i in range(1, 13))  # below, in full
