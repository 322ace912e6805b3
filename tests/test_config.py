"""Settings: defaults, parsing with clear messages, and secrets that never print."""

from __future__ import annotations

import io
import logging
import re
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import CheckinSchedule, ConfigError, Settings, parse_duration, parse_schedule


def test_defaults_run_the_console_on_sqlite():
    settings = Settings.from_mapping({})
    assert settings.database_url == "sqlite:///data/teampulse.db"
    assert settings.checkin_schedule == CheckinSchedule(4, time(16, 0))
    assert settings.reminder_delay == timedelta(hours=2)
    assert settings.console_enabled and not settings.slack_enabled


def test_durations_and_schedules():
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_schedule("Monday 09:30") == CheckinSchedule(0, time(9, 30))
    with pytest.raises(ConfigError, match=r"CHECKIN_REMINDER_DELAY='soon': expected a duration"):
        Settings.from_mapping({"CHECKIN_REMINDER_DELAY": "soon"})
    with pytest.raises(ConfigError, match=r"CHECKIN_SCHEDULE='fri 25:00': 25:00 is not a time"):
        Settings.from_mapping({"CHECKIN_SCHEDULE": "fri 25:00"})
    with pytest.raises(ConfigError, match="expected a day and a time"):
        Settings.from_mapping({"CHECKIN_SCHEDULE": "someday"})


def test_platform_settings_need_their_partners():
    with pytest.raises(ConfigError, match=r"SLACK_APP_TOKEN .* SLACK_SIGNING_SECRET"):
        Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET is not"):
        Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://x"})
    for url in ("http://bot.example.com/hook", "https://bot.example.com:8080/hook"):
        with pytest.raises(ConfigError, match="HTTPS URL on port 443, 80, 88 or 8443"):
            Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": url,
                                   "TELEGRAM_WEBHOOK_SECRET": "s"})
    # A local Bot API server run with --local takes a plain HTTP webhook on any port.
    local = Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "s",
                                   "TELEGRAM_API_URL": "http://localhost:8081",
                                   "TELEGRAM_WEBHOOK_URL": "http://10.0.0.5:8080/hook"})
    assert local.telegram_webhook_url == "http://10.0.0.5:8080/hook"
    with pytest.raises(ConfigError, match=r"=https://relay:\*\*\*@bot\.example\.com:81/h"):
        Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "s",
                               "TELEGRAM_WEBHOOK_URL": "https://relay:pw@bot.example.com:81/h"})
    with pytest.raises(ConfigError, match="SLACK_HTTP_PORT='http': expected a port"):
        Settings.from_mapping({"SLACK_HTTP_PORT": "http"})
    settings = Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a"})
    assert settings.telegram_enabled and not settings.console_enabled
    assert Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a",
                                  "TEAMPULSE_CONSOLE": "yes"}).console_enabled


def test_secrets_never_show(caplog):
    settings = Settings.from_mapping({
        "SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_APP_TOKEN": "xapp-also-secret",
        "DATABASE_URL": "postgresql+psycopg://tp:hunter2@db/teampulse"})
    shown = repr(settings) + str(settings.describe())
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings: %s", settings)
    shown += caplog.text
    assert "very-secret" not in shown and "also-secret" not in shown and "hunter2" not in shown
    assert settings.slack_bot_token.get() == "xoxb-very-secret"
    assert settings.describe()["database_url"] == "postgresql+psycopg://tp:***@db/teampulse"


def test_environment_wins_over_env_file(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("CHECKIN_SCHEDULE=mon 09:00\nCHECKIN_GRACE_PERIOD=1h\n")
    settings = Settings.load({"CHECKIN_SCHEDULE": "tue 10:00"}, env_file)
    assert settings.checkin_schedule == CheckinSchedule(1, time(10, 0))
    assert settings.grace_period == timedelta(hours=1)


# --- a database URL with a password: never printed, whatever its form -------------------

@pytest.mark.parametrize("url", [
    "postgresql+psycopg://:hunter2@127.0.0.1:1/teampulse",  # a password without a user name
    "postgresql+psycopg://127.0.0.1:1/teampulse?user=tp&password=hunter2",  # libpq's form
    "postgresql+psycopg://tp@127.0.0.1:1/teampulse?sslmode=disable&PASSWORD=hunter2",
])
def test_teampulse_config_never_shows_a_database_password(url, monkeypatch, capsys):
    """`teampulse config` and the one line `--check-db` prints when it cannot connect show
    the URL with its password masked, whichever way the URL carries it."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["--env-file", "/dev/null", "config"]) == 0
    assert main(["--env-file", "/dev/null", "config", "--check-db"]) == 2
    shown = capsys.readouterr()
    assert "hunter2" not in shown.out + shown.err
    assert "127.0.0.1:1/teampulse" in shown.out and "***" in shown.out
    assert "cannot use the database at postgresql+psycopg://" in shown.err
    assert "***" in shown.err


def test_an_at_sign_left_in_a_database_password_is_named_not_half_printed(monkeypatch, capsys):
    """'p@ss' unencoded: the URL would be read as password 'hun' at host 'ter2@…', and the
    connection error quoted the rest of the password. It is refused, saying how to write it."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://tp:hun@ter2@127.0.0.1:1/teampulse")
    assert main(["--env-file", "/dev/null", "config", "--check-db"]) == 2
    shown = capsys.readouterr()
    assert "ter2" not in shown.out + shown.err and "hun@" not in shown.out + shown.err
    assert "DATABASE_URL" in shown.err and "%40" in shown.err


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://tp:Xk#9vQw2@127.0.0.1:1/teampulse",  # a generated password's '#'
    "postgresql+psycopg://tp:Xk?9vQw2@127.0.0.1:1/teampulse",
    "postgresql+psycopg://tp:Xk/9v#Qw2@127.0.0.1:1/teampulse",
])
def test_a_database_password_with_a_hash_or_question_mark_is_never_shown(url, monkeypatch,
                                                                         capsys):
    """SQLAlchemy reads everything between 'user:' and the '@' as the password, '#' and '?'
    included (a generated password has them, and the URL works); `teampulse config` and the
    line saying the database cannot be reached printed such a password whole, and the log
    was not told to leave it out."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["--env-file", "/dev/null", "config"]) == 0
    assert main(["--env-file", "/dev/null", "config", "--check-db"]) == 2
    shown = capsys.readouterr()
    assert "9v" not in shown.out + shown.err and "Qw2" not in shown.out + shown.err
    assert "DATABASE_URL = postgresql+psycopg://tp:***@127.0.0.1:1/teampulse" in shown.out
    assert "cannot use the database at postgresql+psycopg://tp:***@127.0.0.1:1/teampulse: " \
        in shown.err
    password = url.split("tp:", 1)[1].split("@", 1)[0]
    assert password in Settings.from_mapping({"DATABASE_URL": url}).secret_values()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://tp:hunter2@127.0.0.1:5432x/teampulse",  # a typo in the port
    "postgresql+psycopg://tp:hunter2/teampulse",  # '@host' left out: the password is the port
    "postgresql+psycopg://tp:hunter2@[::1/teampulse",  # an IPv6 host's ']' left out
])
def test_a_database_url_whose_port_is_no_number_is_one_line_not_a_traceback(url, monkeypatch,
                                                                           capsys):
    """SQLAlchemy's int() on the port raised a ValueError: every command stopped with
    'teampulse stopped on an unexpected error' and a traceback, exit code 1. It is named in
    one line (never the port as written: with '@host' left out, that is the password)."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", url)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 2
    assert main(["--env-file", "/dev/null", "summary"], stdout=out) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "teampulse: DATABASE_URL's port is not a number: write the host and port as "
        "host:5432, and a ':', '/' or '@' in the user name or password as %3A, %2F or %40"] * 2
    assert "hunter2" not in out.getvalue() + err


@pytest.mark.parametrize("path", ["/{token}", "/hook/{secret}"])
def test_a_secret_used_in_the_webhook_url_s_path_is_not_shown(path: str, monkeypatch,
                                                              capsys) -> None:
    """The bot token as the webhook's path (python-telegram-bot's examples do so), or the
    webhook secret: `teampulse config` masked the tokens' own lines and printed them whole
    in TELEGRAM_WEBHOOK_URL's. Every secret the settings hold is masked in every line."""
    from bot.cli import main

    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    token, secret = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "webhook-secret-42"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL",
                       "https://bot.example.com" + path.format(token=token, secret=secret))
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 0
    shown = out.getvalue() + capsys.readouterr().err
    assert "AAHdq" not in shown and secret not in shown
    assert "TELEGRAM_WEBHOOK_URL = https://bot.example.com/" in shown and "***" in shown
    # A database password that is also a word of the settings is masked where it stands.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://pulse77:pulse77@db/pulse77")
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 0
    assert "DATABASE_URL = postgresql+psycopg://pulse77:***@db/pulse77\n" in out.getvalue()


@pytest.mark.parametrize(("url", "shown"), [
    # a slash of '://' left out, or the scheme's colon, or the scheme itself: still a typo
    # an operator runs `teampulse config` about, and pastes its output into a ticket
    ("postgresql+psycopg:/tp:hunter2@127.0.0.1:1/teampulse",
     "postgresql+psycopg:***@127.0.0.1:1/teampulse"),
    ("postgresql+psycopg//tp:hunter2@127.0.0.1:1/teampulse",
     "***@127.0.0.1:1/teampulse"),
    ("postgresql+psycopg:tp:hunter2@127.0.0.1:1/teampulse",
     "postgresql+psycopg:***@127.0.0.1:1/teampulse"),
    ("tp:hunter2@127.0.0.1:1/teampulse", "tp:***@127.0.0.1:1/teampulse"),
])
def test_a_database_url_missing_its_slashes_never_shows_its_password(url, shown, monkeypatch,
                                                                     capsys):
    """A DATABASE_URL without '://' is no database URL, and every command says so in one
    line; but `teampulse config` first lists the settings, and printed such a URL whole,
    password and all. Its password is masked as a URL's, everything before the '@'."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", url)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in out.getvalue() + err
    assert f"DATABASE_URL = {shown}\n" in out.getvalue()
    assert err.startswith("teampulse: DATABASE_URL is not a database URL"), err
    assert "hunter2" in Settings.from_mapping({"DATABASE_URL": url}).secret_values()


@pytest.mark.parametrize(("name", "value"), [
    ("CHECKIN_SCHEDULE", "xoxb-1234-5678-hunter2secret"),
    ("SLACK_HTTP_PATH", "xapp-1-A0-hunter2secret"),
    ("DIGEST_GRACE_PERIOD", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("HEALTH_PORT", "postgresql+psycopg://tp:hunter2secret@db/teampulse"),
])
def test_a_secret_pasted_into_another_setting_is_not_quoted_in_its_refusal(
        name: str, value: str, monkeypatch, capsys) -> None:
    """A token pasted one line off in .env (into CHECKIN_SCHEDULE, say) was quoted whole in
    the line refusing it: a refusal quotes the value, and this one is a secret. What is
    shaped like a secret is masked there as in the log (`xoxb-***`), the rest still quoted."""
    from bot.cli import main

    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert err.startswith("teampulse: ") and "***" in err, err
    secret = value.rsplit(":", 1)[-1] if value[0].isdigit() else "hunter2secret"
    assert secret not in out.getvalue() + err, err


@pytest.mark.parametrize(("secret_name", "pasted_into"), [
    ("SLACK_SIGNING_SECRET", "SLACK_HTTP_PATH"),
    ("TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_PORT"),
    ("SLACK_SIGNING_SECRET", "CHECKIN_SCHEDULE"),
])
def test_a_settings_files_own_secret_on_a_neighbouring_line_is_not_quoted_either(
        secret_name: str, pasted_into: str, monkeypatch, capsys) -> None:
    """The signing secret (32 hex digits, shaped like nothing) or the webhook secret set,
    and the same value pasted one line off: the line refusing the other setting quoted it
    whole on every command's standard error (`SLACK_HTTP_PATH='8f74…': expected the path
    alone …`), though it is one of the settings' own secrets."""
    from bot.cli import main

    secret = "8f742231b10e4b7c9d1e0a3f5c6d7e80"
    partners = {"SLACK_SIGNING_SECRET": {"SLACK_BOT_TOKEN": "xoxb-1-2-botSecretValue"},
                "TELEGRAM_WEBHOOK_SECRET": {
                    "TELEGRAM_BOT_TOKEN": "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
                    "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/hook"}}
    env = {**partners[secret_name], secret_name: secret, pasted_into: secret}
    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert f"{pasted_into}='***': expected" in err, err  # still named, and what is wrong
    assert secret not in out.getvalue() + err, err


def test_other_urls_with_a_password_are_masked_too():
    """A proxy's user and password in SLACK_API_URL, TELEGRAM_API_URL or the webhook URL."""
    settings = Settings.from_mapping({
        "SLACK_API_URL": "https://relay:hunter2@slack.internal/api/",
        "TELEGRAM_API_URL": "https://relay:hunter2@tg.internal",
        "TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "s",
        "TELEGRAM_WEBHOOK_URL": "https://relay:hunter2@bot.example.com/hook"})
    shown = repr(settings) + str(settings.describe())
    assert "hunter2" not in shown
    assert settings.describe()["slack_api_url"] == "https://relay:***@slack.internal/api/"
    assert settings.telegram_api_url == "https://relay:hunter2@tg.internal"  # still used as is
    # A Bot API URL with its token, as a line naming the server's URL may quote it.
    from bot.config import mask_url

    assert mask_url("http://localhost:8081/bot123456:AAH-hunter2/getMe") == \
        "http://localhost:8081/bot123456:***/getMe"


@pytest.mark.parametrize("text", ["fribble 16:00", "monkey 08:00", "sunny 09:00", "satur 10:00x"])
def test_a_day_that_is_no_day_is_refused_not_read_as_its_first_three_letters(text):
    """'monkey 08:00' had been taken as Monday: a typo went unnoticed until the prompts came
    on the wrong day, or not at all."""
    with pytest.raises(ConfigError, match=r"CHECKIN_SCHEDULE=.*expected a day and a time"):
        Settings.from_mapping({"CHECKIN_SCHEDULE": text})
    with pytest.raises(ConfigError, match=r"DIGEST_SCHEDULE=.*expected a day and a time"):
        Settings.from_mapping({"DIGEST_SCHEDULE": text})


@pytest.mark.parametrize(("text", "shown"), [
    ("0.5s", "0.5s"), ("1.5s", "1.5s"), ("90.25s", "1m30.25s"), ("2.25m", "2m15s"),
    ("1.5h", "1h30m"), ("0.1d", "2h24m"), ("2h", "2h")])
def test_teampulse_config_shows_a_duration_as_it_was_given(text: str, shown: str, monkeypatch,
                                                           capsys) -> None:
    """README: durations as .env writes them. `CHECKIN_REMINDER_DELAY=0.5s` is accepted (it
    is more than 0s) but `teampulse config` read it `0s`, the value README says is refused."""
    from bot.cli import main

    monkeypatch.setenv("CHECKIN_REMINDER_DELAY", text)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 0
    assert f"CHECKIN_REMINDER_DELAY = {shown}\n" in out.getvalue()
    assert parse_duration(shown) == parse_duration(text)


def test_day_names_in_full_or_shortened_in_any_case():
    for text, day in [("FRIDAY 16:00", 4), ("Thurs 9:00", 3), ("tues 10:00", 1),
                      ("wed 10:00", 2), ("Sunday 08:30", 6)]:
        assert parse_schedule(text).day == day, text


@pytest.mark.parametrize(("name", "value"), [
    ("CHECKIN_GRACE_PERIOD", "99999999999d"), ("CHECKIN_REMINDER_DELAY", "9999999999w"),
    ("DIGEST_GRACE_PERIOD", "1000000000d"), ("HEALTH_PORT", "²"), ("SLACK_HTTP_PORT", "٣٠٠٠"),
])
def test_an_out_of_range_value_gets_the_one_line_not_a_traceback(name, value, monkeypatch,
                                                                  capsys):
    """A duration too large for a date, or a port in digits that are not 0-9, had ended
    `teampulse config` (and start-up) with an OverflowError or ValueError traceback."""
    from bot.cli import main

    monkeypatch.setenv(name, value)
    assert main(["--env-file", "/dev/null", "config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"teampulse: {name}={value!r}: expected ") and len(
        err.splitlines()) == 1, err


ROOT = Path(__file__).resolve().parent.parent
#: A value other than the default for each variable .env.example lists, to show the code
#: reads it (TEAMPULSE_CACHE_DIR is read from the environment by bot.org.cache_dir).
OTHER_VALUES = {
    "DATABASE_URL": "sqlite:///other.db",
    "TEAMPULSE_ORG_FILE": "other.yaml",
    "CHECKIN_SCHEDULE": "thu 09:00",
    "CHECKIN_REMINDER_DELAY": "off",
    "CHECKIN_GRACE_PERIOD": "1h",
    "DIGEST_SCHEDULE": "off",
    "DIGEST_GRACE_PERIOD": "1h",
    "LOG_LEVEL": "DEBUG",
    "LOG_FORMAT": "json",
    "HEALTH_PORT": "9000",
    "HEALTH_HOST": "127.0.0.1",
    "TEAMPULSE_CONSOLE": "true",
    "SLACK_BOT_TOKEN": "xoxb-2",
    "SLACK_APP_TOKEN": "xapp-1",
    "SLACK_SIGNING_SECRET": "s2",
    "SLACK_API_URL": "http://localhost:1/api/",
    "SLACK_HTTP_HOST": "127.0.0.1",
    "SLACK_HTTP_PORT": "3001",
    "SLACK_HTTP_PATH": "/x",
    "SLACK_MAX_POSTS_PER_SECOND": "5",
    "TELEGRAM_BOT_TOKEN": "2:b",
    "TELEGRAM_API_URL": "http://localhost:2",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/hook",
    "TELEGRAM_WEBHOOK_SECRET": "s2",
    "TELEGRAM_WEBHOOK_HOST": "127.0.0.1",
    "TELEGRAM_WEBHOOK_PORT": "8444",
}


def _env_example() -> dict[str, str | None]:
    """.env.example's variables: the value set, or None for a commented-out example."""
    found: dict[str, str | None] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"(# ?)?([A-Z][A-Z0-9_]+)=(.*)", line):
            found[match[2]] = None if match[1] else match[3].strip()
    return found


def _readme_defaults() -> dict[str, str]:
    """README's configuration table: each variable and its default column."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n### ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names_cell, default_cell = (cell.strip() for cell in line.strip("|").split("|")[:2])
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", names_cell)
        defaults = default_cell.split(",") if len(names) > 1 else [default_cell]
        assert len(defaults) == len(names), line
        rows.update(zip(names, (d.strip() for d in defaults), strict=True))
    return rows


def test_env_example_and_the_readme_list_the_same_variables():
    assert set(_env_example()) == set(_readme_defaults())


def test_copying_env_example_unchanged_keeps_every_default(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert Settings.load(environ={}, env_file=env_file) == Settings.from_mapping({})
    defaults = _readme_defaults()
    for name, value in _env_example().items():
        if value:  # the value .env.example sets is the one README calls the default
            assert f"`{value}`" == defaults[name], name


class _Asked(dict[str, str]):
    """An environment that notes every variable asked of it (all unset)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return default


def test_every_variable_the_code_reads_is_in_env_example():
    """The other direction: a variable bot/config.py (or the org cache) reads that neither
    .env.example nor README's table names is a setting an operator cannot find."""
    env = _Asked()
    Settings.from_mapping(env)
    assert env.asked, "Settings.from_mapping no longer reads through Mapping.get"
    assert env.asked | {"TEAMPULSE_CACHE_DIR"} == set(_env_example()), \
        (env.asked | {"TEAMPULSE_CACHE_DIR"}) ^ set(_env_example())


def test_every_variable_in_env_example_is_read():
    assert set(OTHER_VALUES) == set(_env_example()) - {"TEAMPULSE_CACHE_DIR"}
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s1",
            "TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "s1"}
    for name, value in OTHER_VALUES.items():
        assert Settings.from_mapping({**base, name: value}) != Settings.from_mapping(base), name


def test_env_file_option_names_the_settings_file(tmp_path: Path, monkeypatch, capsys):
    """`teampulse --env-file FILE config`: the settings in FILE are those in effect."""
    from bot.cli import main

    monkeypatch.delenv("CHECKIN_SCHEDULE", raising=False)
    settings_file = tmp_path / "prod.env"
    settings_file.write_text("CHECKIN_SCHEDULE=thu 09:30\n", encoding="utf-8")
    assert main(["--env-file", str(settings_file), "config"]) == 0
    assert "CHECKIN_SCHEDULE = thu 09:30" in capsys.readouterr().out


def test_an_env_file_named_but_missing_stops_before_anything_runs(tmp_path: Path, monkeypatch,
                                                                    capsys):
    """`teampulse --env-file prod.evn run` (a typo) ran the bot on the defaults — the console
    on a local SQLite file, not the production database meant — without a word. A file
    named must exist; without the option a missing ./.env is fine, and /dev/null reads
    none."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for command in (["run"], ["config"], ["summary"]):
        assert main(["--env-file", "prod.evn", *command]) == 2
        err = capsys.readouterr().err
        assert err == ("teampulse: --env-file prod.evn: no such file (nothing was run; without "
                       "--env-file, ./.env is read if there is one)\n")
    assert not (tmp_path / "data").exists()  # no database was made
    assert main(["config"]) == 0 and main(["--env-file", "/dev/null", "config"]) == 0


def test_an_env_file_that_is_a_folder_stops_before_anything_runs(tmp_path: Path, monkeypatch,
                                                                  capsys):
    """`teampulse --env-file /etc/teampulse run` (the folder, not the file in it) was read as
    no settings at all: the bot ran on the defaults without a word, as a typo did."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    for command in (["run"], ["config"]):
        assert main(["--env-file", "conf", *command]) == 2
        assert capsys.readouterr().err == (
            "teampulse: --env-file conf: a folder, not a settings file (nothing was run)\n")
    assert not (tmp_path / "data").exists()  # no database was made


def test_teampulse_config_names_each_variable_with_the_value_in_effect(monkeypatch, capsys):
    """README: `teampulse config` shows the settings in effect. It printed field names
    (reminder_delay = 2:00:00) and empty values where a default applied (log_level = ,
    console = ); now each variable of .env.example, as .env writes it, secrets masked."""
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHECKIN_REMINDER_DELAY", "1h30m")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "also-secret")
    assert main(["--env-file", "/dev/null", "config"]) == 0
    out = capsys.readouterr().out
    lines = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    assert set(_env_example()) <= set(lines)
    assert lines["CHECKIN_REMINDER_DELAY"] == "1h30m"
    assert lines["CHECKIN_GRACE_PERIOD"] == "6h"
    assert lines["LOG_LEVEL"] == "INFO (WARNING in the console chat)"
    assert lines["TEAMPULSE_CONSOLE"] == "off (a platform token is set)"
    assert lines["SLACK_BOT_TOKEN"] == "*** (set)" and lines["SLACK_APP_TOKEN"] == "(not set)"
    assert "very-secret" not in out and "also-secret" not in out


@pytest.mark.parametrize(("bot_token", "app_token", "expected"), [
    ("xoxp-1-user-secret", "xapp-1-app-secret",
     ["SLACK_BOT_TOKEN is a user token (xoxp-…): teampulse would post as that person; use "
      "the app's Bot User OAuth Token (xoxb-…) from its OAuth & Permissions page"]),
    ("xapp-1-app-secret", "xoxb-1-bot-secret",
     ["SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: SLACK_BOT_TOKEN holds the app-level "
      "token (xapp-…) and SLACK_APP_TOKEN the bot token (xoxb-…); exchange their values"]),
    ("bot-secret-without-prefix", None,
     ["SLACK_BOT_TOKEN does not start with xoxb-, so it is no bot token; use the app's Bot "
      "User OAuth Token (xoxb-…) from its OAuth & Permissions page"]),
    ("xapp-1-app-secret", None,
     ["SLACK_BOT_TOKEN is an app-level token (xapp-…), not a bot token; use the app's Bot "
      "User OAuth Token (xoxb-…) from its OAuth & Permissions page"]),
    ("xoxb-1-bot-secret", "xoxb-2-bot-secret",
     ["SLACK_APP_TOKEN is a bot token (xoxb-…), not an app-level token; use an app-level "
      "token (xapp-…) with the connections:write scope (Basic Information → App-Level "
      "Tokens)"]),
    ("xoxb-1-bot-secret", "app-secret-without-prefix",
     ["SLACK_APP_TOKEN does not start with xapp-, so it is no app-level token; use an "
      "app-level token (xapp-…) with the connections:write scope (Basic Information → "
      "App-Level Tokens)"]),
    ("xoxp-1-user-secret", "xoxp-2-user-secret",
     ["SLACK_BOT_TOKEN is a user token (xoxp-…)", "SLACK_APP_TOKEN is a user token (xoxp-…)"]),
    # Token rotation on: an access token that expires in 12 hours, or its refresh token.
    ("xoxe.xoxb-1-rotating-secret", "xapp-1-app-secret",
     ["SLACK_BOT_TOKEN is a rotating bot token (xoxe.xoxb-…): teampulse does not refresh "
      "tokens, and a rotating one stops working after 12 hours; create the app anew from "
      "slack-manifest.yaml (it sets token_rotation_enabled: false; Slack cannot turn rotation "
      "off once on) and use its Bot User OAuth Token (xoxb-…)"]),
    ("xoxe-1-refresh-secret", "xapp-1-app-secret",
     ["SLACK_BOT_TOKEN is a refresh token (xoxe-…): teampulse does not refresh tokens"]),
])
def test_teampulse_config_names_a_slack_token_of_the_wrong_kind(
        monkeypatch, capsys, bot_token: str, app_token: str | None, expected: list[str]):
    """`teampulse config` passed a user token pasted as the bot token (teampulse would post
    as that person), an app-level token that is no xapp-, the two swapped: the operator
    learnt at start-up, or never. Each is named, with the kind found, never the value."""
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", bot_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret")
    if app_token is not None:
        monkeypatch.setenv("SLACK_APP_TOKEN", app_token)
    assert main(["--env-file", "/dev/null", "config"]) == 2
    shown = capsys.readouterr()
    for problem in expected:
        assert problem in shown.err
    assert shown.err.count(" - ") == (len(expected) if len(expected) > 1 else 0)
    assert "secret" not in shown.out + shown.err.replace("SIGNING_SECRET", "")


def test_slack_tokens_of_the_right_kind_pass_teampulse_config(monkeypatch, capsys):
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-bot-secret")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-app-secret")
    assert main(["--env-file", "/dev/null", "config"]) == 0
    assert "SLACK_" not in capsys.readouterr().err


async def test_log_level_left_empty_is_info_for_a_platform_bot(tmp_path: Path, database_url):
    """README: LOG_LEVEL defaults to INFO (WARNING in the console, whose piped session
    writes nothing to stderr: tests/test_console.py). Empty, as .env.example leaves it."""
    import signal

    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.support import TEST_ORG
    from tests.telegram.conftest import TOKEN
    from tests.test_resilience_stop import signal_a_running_platform_bot

    async with FakeTelegramAPI(token=TOKEN, bot_username="TeamPulseBot") as fake:
        log = await signal_a_running_platform_bot(tmp_path, {
            "DATABASE_URL": database_url, "TEAMPULSE_ORG_FILE": str(TEST_ORG),
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url, "LOG_LEVEL": ""},
            signal.SIGTERM)
    assert "INFO bot.app: teampulse is running on telegram" in log


def test_a_platform_bot_never_runs_on_the_example_org(tmp_path: Path, monkeypatch,
                                                      capsys) -> None:
    """README: TEAMPULSE_ORG_FILE defaults to org.yaml, else org.example.yaml (the console's
    demo). A Slack or Telegram bot started where org.yaml is missing (a volume not mounted,
    the unit's TEAMPULSE_ORG_FILE left out) synced the example's sample people over the real
    ones: everyone in the database taken out of the org, their queued messages withdrawn.
    It is refused in one line, before the database is opened."""
    import shutil
    import sqlite3

    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "org.example.yaml", tmp_path / "org.example.yaml")
    database = tmp_path / "teampulse.db"
    with sqlite3.connect(database) as conn:  # the real org's database, as it was
        conn.execute("CREATE TABLE people (key TEXT, active BOOLEAN)")
        conn.execute("INSERT INTO people VALUES ('vera', 1)")
    before = database.read_bytes()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCdefGhIJKlmnoPQRstuVWxyz0123456789")
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("teampulse: no org file: there is no org.yaml here and "
                          "TEAMPULSE_ORG_FILE is not set, and a Slack or Telegram bot does "
                          "not run on org.example.yaml (its people are samples)")
    assert err.rstrip().endswith("(nothing was run)")
    assert database.read_bytes() == before  # not opened, not migrated, nobody removed
    # The console's demo still runs on it (TEAMPULSE_ORG_FILE's default, README).
    from bot.config import Settings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    demo = Settings.load(env_file=None)
    assert demo.org_file == Path("org.example.yaml") and demo.console_enabled


def test_run_with_the_console_off_and_no_token_says_no_platform_is_configured(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """TEAMPULSE_CONSOLE=false and no Slack or Telegram token: `teampulse run` started and
    sat there, listening on nothing. It says what is missing and how to set it, in one
    line, and runs nothing (exit 2, as every settings problem)."""
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEAMPULSE_CONSOLE", "false")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'teampulse.db'}")
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("teampulse: no chat platform is configured")
    assert "SLACK_BOT_TOKEN" in err and "TELEGRAM_BOT_TOKEN" in err
    assert "TEAMPULSE_CONSOLE" in err
    assert not (tmp_path / "teampulse.db").exists()  # nothing was started
    # The views and `config` need no platform.
    assert main(["--env-file", "/dev/null", "config"]) == 0


def test_teampulse_config_names_a_mistyped_setting_in_the_env_file(tmp_path: Path, monkeypatch,
                                                                   capsys):
    """`CHECKIN_SCHEDUL=fri 10:00` in .env was ignored without a word: `teampulse config`
    showed `CHECKIN_SCHEDULE = fri 16:00` and the operator could not see why. Names other
    tools read (PGPASSWORD) are left alone; .env.example copied unchanged names nothing."""
    from bot.cli import main

    monkeypatch.delenv("CHECKIN_SCHEDULE", raising=False)
    env = tmp_path / ".env"
    env.write_text("CHECKIN_SCHEDUL=fri 10:00\nSLACK_TOKEN=xoxb-1\nPGPASSWORD=x\n"
                   "LOG_LEVEL=INFO\n", encoding="utf-8")
    assert main(["--env-file", str(env), "config"]) == 0
    captured = capsys.readouterr()
    assert "CHECKIN_SCHEDULE = fri 16:00" in captured.out
    assert captured.err == (
        f"teampulse: {env}: CHECKIN_SCHEDUL is no teampulse setting (did you mean "
        "'CHECKIN_SCHEDULE'?), so it is ignored (the settings: teampulse config, or "
        ".env.example)\n"
        f"teampulse: {env}: SLACK_TOKEN is no teampulse setting (did you mean "
        "'SLACK_BOT_TOKEN'?), so it is ignored (the settings: teampulse config, or "
        ".env.example)\n")
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--env-file", str(env), "config"]) == 0
    assert capsys.readouterr().err == ""


def test_teampulse_config_names_a_setting_the_env_file_sets_twice(tmp_path: Path, monkeypatch,
                                                                 capsys):
    """A DATABASE_URL added at the end of a copied .env (the one above it left in place):
    the last is used, and nothing said which, nor that the other was unread. `teampulse
    config` names the lines (never the values, which may be secrets)."""
    from bot.cli import main

    monkeypatch.delenv("LOG_LEVEL", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=INFO\nTELEGRAM_BOT_TOKEN=123:old-secret\n# later\n"
                   "LOG_LEVEL=DEBUG\nTELEGRAM_BOT_TOKEN=123:new-secret\nLOG_LEVEL=WARNING\n",
                   encoding="utf-8")
    assert main(["--env-file", str(env), "config"]) == 0
    captured = capsys.readouterr()
    assert "LOG_LEVEL = WARNING" in captured.out
    assert captured.err == (
        f"teampulse: {env}: LOG_LEVEL is set on lines 1, 4 and 6: line 6's value is used, "
        "the others are ignored\n"
        f"teampulse: {env}: TELEGRAM_BOT_TOKEN is set on lines 2 and 5: line 5's value is "
        "used, the others are ignored\n")
    assert "secret" not in captured.err


def test_a_settings_file_with_three_bad_values_names_all_three_at_once(tmp_path: Path,
                                                                      capsys) -> None:
    """Loading stopped at the first bad value: the operator fixed it, started again and met
    the next, once per restart. All are named at once, one line each, the secret's value
    never (only what is wrong with it), and nothing is run (exit code 2)."""
    from bot.cli import main

    env_file = tmp_path / ".env"
    env_file.write_text("CHECKIN_SCHEDULE=fri 25:00\n"
                        "LOG_LEVEL=verbose\n"
                        "HEALTH_PORT=99999\n"
                        "TELEGRAM_BOT_TOKEN=123:tok-hunter2\n"
                        "TELEGRAM_WEBHOOK_SECRET=s3cret hunter2!\n")
    out = io.StringIO()
    assert main(["--env-file", str(env_file), "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert out.getvalue() == ""
    assert err.splitlines() == [
        "teampulse: 4 problems in the settings:",
        "  - CHECKIN_SCHEDULE='fri 25:00': 25:00 is not a time of day",
        "  - LOG_LEVEL='verbose': expected one of DEBUG, INFO, WARNING, ERROR",
        "  - HEALTH_PORT='99999': expected a port number from 1 to 65535",
        "  - TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -",
    ]
    assert "hunter2" not in err
    # One bad value is one line, as before.
    env_file.write_text("LOG_FORMAT=xml\n")
    assert main(["--env-file", str(env_file), "config"], stdout=out) == 2
    assert capsys.readouterr().err == "teampulse: LOG_FORMAT='xml': expected text or json\n"


def test_a_setting_on_a_line_the_settings_file_cannot_read_is_named_not_dropped(
        tmp_path: Path, capsys) -> None:
    """`HEALTH_PORT="9100` (a quote left open) or `CHECKIN_SCHEDULE thu 16:00` (no '='):
    python-dotenv skipped the line with a warning of its own ('could not parse statement
    starting at line 3') and the bot ran on the default, health off, Thursday's check-in
    on Friday. A line that names a setting is a problem like a bad value (exit 2, its line
    and name, never its value: it may be a secret); a line for another tool is left alone."""
    from bot.cli import main

    env_file = tmp_path / ".env"
    env_file.write_text("CHECKIN_SCHEDULE thu 16:00\n"
                        "export LOG_LEVEL=DEBUG\n"
                        'HEALTH_PORT="9100\n'
                        "SLACK_BOT_TOKEN xoxb-hunter2\n"
                        "SOME_OTHER TOOL'S LINE\n"
                        "TELEGRAM_BOT_TOKEN=123:tok\n")
    out = io.StringIO()
    assert main(["--env-file", str(env_file), "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert out.getvalue() == ""
    assert err.splitlines() == [
        "teampulse: 3 problems in the settings:",
        f"  - {env_file} line 1: CHECKIN_SCHEDULE cannot be read (NAME=value, with any "
        "quote closed on its line); nothing on that line is used",
        f"  - {env_file} line 3: HEALTH_PORT cannot be read (NAME=value, with any quote "
        "closed on its line); nothing on that line is used",
        f"  - {env_file} line 4: SLACK_BOT_TOKEN cannot be read (NAME=value, with any "
        "quote closed on its line); nothing on that line is used",
    ]
    assert "hunter2" not in err and "could not parse" not in err
    env_file.write_text("SOME_OTHER TOOL'S LINE\nTELEGRAM_BOT_TOKEN=123:tok\n")
    assert main(["--env-file", str(env_file), "config"], stdout=out) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("HEALTH_PORT", "nine-one-hundred", "HEALTH_PORT='nine-one-hundred': expected a port "
     "number from 1 to 65535"),
    ("SLACK_MAX_POSTS_PER_SECOND", "fast", "SLACK_MAX_POSTS_PER_SECOND='fast': expected a "
     "positive number of messages per second, e.g. 50"),
    ("CHECKIN_REMINDER_DELAY", "2", "CHECKIN_REMINDER_DELAY='2': expected a duration such as "
     "30m, 2h, 1d or 1h30m"),
    ("DATABASE_URL", "postgres-at-db-host", "DATABASE_URL is not a database URL; expected "
     "e.g. sqlite:///data/teampulse.db or postgresql+psycopg://user:password@host/dbname"),
    ("DATABASE_URL", "mysql://sales:db-secret@db/teampulse", "DATABASE_URL "
     "mysql://sales:***@db/teampulse: teampulse does not run on mysql"),
    ("TELEGRAM_BOT_TOKEN", "AAH-telegram-secret", "TELEGRAM_BOT_TOKEN does not look like a "
     "bot token (digits, a colon, then letters, digits, _ and -, such as 123456789:AAH…): "
     "copy it again from @BotFather (/mybots → your bot → API Token)"),
    ("TELEGRAM_BOT_TOKEN", "123:telegram secret", "TELEGRAM_BOT_TOKEN does not look like a "
     "bot token"),
    ("TELEGRAM_BOT_TOKEN", "bot123456:telegram-secret", "TELEGRAM_BOT_TOKEN starts with "
     "'bot', which belongs to the Bot API's URL, not to the token: set the token alone "
     "(digits, a colon, then the rest)"),
    ("TELEGRAM_API_URL", "localhost:8081", "TELEGRAM_API_URL=localhost:8081: expected an "
     "http:// or https:// URL with a host, such as http://localhost:8081 (leave it empty "
     "for the platform's own)"),
    ("SLACK_API_URL", "ftp://relay:relay-secret@slack.internal/", "SLACK_API_URL="
     "ftp://relay:***@slack.internal/: expected an http:// or https:// URL with a host"),
    # The whole Bot API URL pasted, token and all: `teampulse config` printed the token,
    # and every call went to …/bot<token>/bot<token>/getMe.
    ("TELEGRAM_API_URL", "https://api.telegram.org/bot123456789:telegram-secret",
     "TELEGRAM_API_URL holds a bot token (…/bot<token> in its path): give the Bot API "
     "server's address alone, such as https://api.telegram.org or http://localhost:8081 "
     "(teampulse adds /bot<token>/<method> itself)"),
])
def test_a_value_of_the_wrong_shape_is_one_line_naming_the_variable_never_its_secret(
        name: str, value: str, expected: str, monkeypatch, capsys) -> None:
    """An operator's typo in .env (a word for a number, a URL without its scheme, a Telegram
    token pasted with its URL's 'bot' or without its id) stops `teampulse config`, as every
    command, with exit code 2 and one line that names the variable: no traceback, and
    never the secret. A Telegram token or an API URL of the wrong shape was accepted and
    failed at start-up only (a 404 reported as a rejected token, or a network
    traceback)."""
    from bot.cli import main

    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value)
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"teampulse: {expected}") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err and "secret" not in out.getvalue() + err
    if name != "DATABASE_URL":  # config shows the settings, then checks the database's URL
        assert out.getvalue() == ""


@pytest.mark.parametrize("token", ["123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
                                   "1:a", "42:abc_DEF-123"])
def test_a_telegram_token_of_botfathers_shape_passes_teampulse_config(token: str, monkeypatch,
                                                                      capsys) -> None:
    from bot.cli import main

    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://localhost:8081")
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 0
    assert "TELEGRAM_BOT_TOKEN = *** (set)" in out.getvalue()
    assert token not in out.getvalue() + capsys.readouterr().err


def test_a_cache_dir_from_the_home_folder_is_the_home_folder_s(tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    """.env.example shows TEAMPULSE_CACHE_DIR=~/.cache/teampulse, and a systemd unit's
    Environment= passes the '~' as written: the cache (and the console's charts) went to a
    folder named '~' in the working directory. '~' is the home folder, as in DATABASE_URL."""
    from bot.cli import main
    from bot.org import cache_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TEAMPULSE_CACHE_DIR", "~/tp-cache")
    assert cache_dir() == tmp_path / "tp-cache"
    out = io.StringIO()
    assert main(["--env-file", "/dev/null", "config"], stdout=out) == 0
    assert f"TEAMPULSE_CACHE_DIR = {tmp_path}/tp-cache (from the environment only)\n" \
        in out.getvalue()


def test_teampulse_cache_dir_in_the_settings_file_is_named_as_ignored(tmp_path: Path,
                                                                      capsys) -> None:
    """.env.example and README say TEAMPULSE_CACHE_DIR is read from the environment only;
    an operator who put it in .env anyway saw `teampulse config` show the default folder
    without a word on why. It is named on standard error as ignored, like a mistyped
    setting; left empty (the example uncommented as it is) it names nothing."""
    from bot.cli import main

    env = tmp_path / ".env"
    env.write_text("TEAMPULSE_CACHE_DIR=/srv/teampulse-cache\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["--env-file", str(env), "config"], stdout=out) == 0
    assert "/srv/teampulse-cache" not in out.getvalue()
    assert capsys.readouterr().err == (
        f"teampulse: {env}: TEAMPULSE_CACHE_DIR is read from the environment only, so this "
        "line is ignored (export it, or set it in the service's environment)\n")
    env.write_text("TEAMPULSE_CACHE_DIR=\n", encoding="utf-8")
    assert main(["--env-file", str(env), "config"], stdout=out) == 0
    assert capsys.readouterr().err == ""


def test_a_user_and_password_in_slack_api_url_are_named_not_a_traceback_at_start(
        monkeypatch, capsys) -> None:
    """SLACK_API_URL=https://relay:pw@slack.internal/api/ with Slack on ended `teampulse
    run` in aiohttp's ValueError traceback ('Cannot combine AUTHORIZATION header with ...
    credentials encoded in URL'): Slack's client sends the token as that header, so such
    a URL can never work. Every command now names it (the password masked), exit 2."""
    from bot.cli import main

    for other in _env_example():
        monkeypatch.delenv(other, raising=False)
    for name, value in {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
                        "SLACK_API_URL": "https://relay:relay-secret@slack.internal/api/"
                        }.items():
        monkeypatch.setenv(name, value)
    assert main(["--env-file", "/dev/null", "config"]) == 2
    assert capsys.readouterr().err == (
        "teampulse: SLACK_API_URL=https://relay:***@slack.internal/api/: a user and password "
        "in this URL cannot be used (Slack's client authorises with the bot token); leave "
        "them out, and give a proxy's in HTTPS_PROXY\n")
    monkeypatch.setenv("SLACK_API_URL", "https://slack.internal/api/")
    assert main(["--env-file", "/dev/null", "config"]) == 0


def test_a_settings_file_this_user_cannot_read_stops_every_command_in_one_line(tmp_path: Path):
    """.env left readable by root alone (mode 600) and the bot run as its service user:
    python-dotenv's PermissionError came out as a traceback. Now one line naming the file,
    exit code 2, nothing run."""
    import os
    import subprocess
    import sys

    from tests.plain_user import as_a_plain_user, skip_unless_permissions_apply

    skip_unless_permissions_apply(tmp_path)
    (tmp_path / ".env").write_text("CHECKIN_SCHEDULE=thu 16:00\n", encoding="utf-8")
    (tmp_path / ".env").chmod(0o000)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    for command in (["config"], ["run"]):
        done = subprocess.run([sys.executable, "-m", "bot", *command], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120, input="/quit\n",
                              preexec_fn=as_a_plain_user)
        assert done.returncode == 2, done.stderr
        assert done.stderr == ("teampulse: .env: cannot read the settings file (Permission "
                               "denied); make it readable for the user teampulse runs as "
                               "(nothing was run)\n")
    assert not (tmp_path / "data").exists()  # no database was made


def test_a_settings_file_not_in_utf8_is_named_with_its_line(tmp_path: Path, monkeypatch, capsys):
    """A .env saved by a Chinese Windows editor in GBK (a comment in Chinese): the bot
    stopped on a UnicodeDecodeError traceback. Now the file and the line, never the text."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHECKIN_SCHEDULE", raising=False)
    (tmp_path / ".env").write_bytes("CHECKIN_SCHEDULE=thu 16:00\n# 每周四提醒\n"
                                    "SLACK_BOT_TOKEN=xoxb-1-2-abc\n".encode("gbk"))
    for command in (["config"], ["run"], ["summary"]):
        assert main(command) == 2
        assert capsys.readouterr().err == (
            "teampulse: .env line 2: not UTF-8 text (byte 0xd6); save the settings file as "
            "UTF-8, not GBK or ANSI (nothing was run)\n")
    assert not (tmp_path / "data").exists()
    # Saved again as UTF-8 (with the byte-order mark Notepad adds, too), it is read.
    (tmp_path / ".env").write_bytes("CHECKIN_SCHEDULE=thu 16:00\n# 每周四提醒\n"
                                    .encode("utf-8-sig"))
    assert main(["config"]) == 0
    assert "CHECKIN_SCHEDULE = thu 16:00" in capsys.readouterr().out


def test_a_settings_file_given_as_a_pipe_is_read(monkeypatch, capsys):
    """`teampulse --env-file <(sops -d prod.env.enc) run`, the secrets never written to disk:
    the pipe was no regular file, so it was skipped without a word and the bot ran on the
    defaults (the console on a local SQLite file). Read once, it serves the settings and
    `config`'s hints alike."""
    import os

    from bot.cli import main

    monkeypatch.delenv("CHECKIN_SCHEDULE", raising=False)
    read, write = os.pipe()
    try:
        os.write(write, b"CHECKIN_SCHEDULE=thu 09:30\nCHECKIN_SCHEDUL=thu 09:30\n")
        os.close(write)
        assert main(["--env-file", f"/dev/fd/{read}", "config"]) == 0
    finally:
        os.close(read)
    out, err = capsys.readouterr()
    assert "CHECKIN_SCHEDULE = thu 09:30" in out
    assert f"/dev/fd/{read}: CHECKIN_SCHEDUL is no teampulse setting" in err


@pytest.mark.parametrize(("value", "hint"), [
    ("slack/events", ""),
    ("https://tp.example.com/slack/events",
     " (here /slack/events: the part of the Request URL after the host)"),
])
def test_a_slack_http_path_that_is_no_path_is_named_before_start(value, hint, monkeypatch,
                                                                  capsys):
    """SLACK_HTTP_PATH given without its first / or as the whole Request URL Slack's app
    page shows: `teampulse run` in HTTP mode stopped on aiohttp's ValueError ('path should
    be started with /') as an unexpected error, exit 1. Now `config` and `run` name it."""
    from bot.cli import main

    for name, setting in {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s1",
                          "SLACK_API_URL": "http://127.0.0.1:1/api/",
                          "SLACK_HTTP_PATH": value}.items():
        monkeypatch.setenv(name, setting)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    for command in (["config"], ["run"]):
        assert main(["--env-file", "/dev/null", *command]) == 2
        assert capsys.readouterr().err == (
            f"teampulse: SLACK_HTTP_PATH={value!r}: expected the path alone, starting with /, "
            f"such as /slack/events{hint}\n")


@pytest.mark.parametrize(("partners", "expected"), [
    ({"SLACK_APP_TOKEN": "xapp-1-app-secret"},
     "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: Slack runs only with its bot token; "
     "set SLACK_BOT_TOKEN (xoxb-…) too, or leave SLACK_APP_TOKEN empty"),
    ({"SLACK_APP_TOKEN": "xapp-1-app-secret", "SLACK_SIGNING_SECRET": "signing-secret"},
     "SLACK_APP_TOKEN and SLACK_SIGNING_SECRET are set but SLACK_BOT_TOKEN is not: Slack runs "
     "only with its bot token; set SLACK_BOT_TOKEN (xoxb-…) too, or leave SLACK_APP_TOKEN and "
     "SLACK_SIGNING_SECRET empty"),
    ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.com/hook",
      "TELEGRAM_WEBHOOK_SECRET": "hook-secret"},
     "TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are set but TELEGRAM_BOT_TOKEN is not: "
     "Telegram runs only with its bot token; set TELEGRAM_BOT_TOKEN (from @BotFather) too, or "
     "leave TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET empty"),
])
def test_a_platform_set_up_but_for_its_bot_token_is_named(monkeypatch, capsys, tmp_path: Path,
                                                          partners: dict[str, str],
                                                          expected: str):
    """An operator who filled in the Slack app token and signing secret (or Telegram's
    webhook) and left the bot token empty got the console chat on a server, with not a word
    on Slack: `run` and `config` now name what is missing and stop with exit code 2, never
    quoting a secret."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    for name, value in partners.items():
        monkeypatch.setenv(name, value)
    assert main(["--env-file", "/dev/null", "config"]) == 2
    shown = capsys.readouterr()
    assert shown.err == f"teampulse: {expected}\n"
    assert "secret" not in shown.out + shown.err.replace("_SECRET", "")


def test_a_value_wrapped_in_quotes_is_named_not_read_as_another_value(monkeypatch, capsys):
    """`docker run --env-file .env` passes SLACK_BOT_TOKEN="xoxb-…" with its quotes (a .env
    and systemd remove them): teampulse said the token 'does not start with xoxb-', which
    the operator could see it did, and CHECKIN_SCHEDULE="thu 09:00" was 'expected a day and
    a time'. The quotes are named, once per variable, never the value."""
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", '"xoxb-1-bot-secret"')
    monkeypatch.setenv("SLACK_APP_TOKEN", "'xapp-1-app-secret'")
    monkeypatch.setenv("CHECKIN_SCHEDULE", '"thu 09:00"')
    assert main(["--env-file", "/dev/null", "config"]) == 2
    shown = capsys.readouterr()
    quoted = ("is wrapped in quotes, which are part of its value where it is set (docker run "
              "--env-file keeps them; a .env file does not): set it without them")
    assert shown.err == ("teampulse: 3 problems in the settings:\n"
                         f"  - CHECKIN_SCHEDULE {quoted}\n"
                         f"  - SLACK_BOT_TOKEN {quoted}\n"
                         f"  - SLACK_APP_TOKEN {quoted}\n")
    assert "secret" not in shown.out + shown.err


@pytest.mark.parametrize(("given", "expected"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1-bot", "SLACK_SIGNING_SECRET": "sign", "HEALTH_PORT": "3000"},
     "HEALTH_PORT and SLACK_HTTP_PORT are both 3000: with Slack in HTTP mode /healthz, /readyz "
     "and /metrics are served on the Slack listener's port already; leave HEALTH_PORT empty, "
     "or give it a port of its own"),
    ({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/hook",
      "TELEGRAM_WEBHOOK_SECRET": "s", "HEALTH_PORT": "8443"},
     "HEALTH_PORT and TELEGRAM_WEBHOOK_PORT are both 8443: two listeners of teampulse cannot "
     "share a port; give each a port of its own"),
    ({"SLACK_BOT_TOKEN": "xoxb-1-bot", "SLACK_SIGNING_SECRET": "sign",
      "TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/hook",
      "TELEGRAM_WEBHOOK_SECRET": "s", "SLACK_HTTP_PORT": "8443"},
     "SLACK_HTTP_PORT and TELEGRAM_WEBHOOK_PORT are both 8443: two listeners of teampulse "
     "cannot share a port; give each a port of its own"),
])
def test_two_listeners_on_one_port_are_named_before_start(given: dict[str, str], expected: str):
    """HEALTH_PORT=3000 beside Slack's HTTP listener on 3000: `run` stopped with 'cannot
    listen on 0.0.0.0:3000: address already in use; choose a free port', and the operator
    found teampulse itself holding it. Two listeners of its own on one port are named."""
    with pytest.raises(ConfigError) as info:
        Settings.from_mapping(given)
    assert str(info.value) == expected


def test_listeners_on_one_port_of_different_addresses_or_not_listening_are_fine():
    # Socket Mode: no Slack listener at all, so the health port may be 3000.
    Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1-bot", "SLACK_APP_TOKEN": "xapp-1-app",
                           "SLACK_SIGNING_SECRET": "sign", "HEALTH_PORT": "3000"})
    # Long polling: no webhook listener.
    Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "1:a", "HEALTH_PORT": "8443"})
    # Two addresses of this machine, one port each.
    Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1-bot", "SLACK_SIGNING_SECRET": "sign",
                           "HEALTH_PORT": "3000", "HEALTH_HOST": "127.0.0.1",
                           "SLACK_HTTP_HOST": "10.0.0.5"})


def test_a_setting_the_environment_sets_empty_over_the_settings_file_is_named(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """The environment wins over .env, and an empty value means the default: a systemd
    unit's `Environment=DATABASE_URL=` (or a compose file's `${DATABASE_URL}` of a variable
    not set) put the bot on a new SQLite file and Slack off, the .env's values unused, with
    nothing said. `teampulse config` names each such setting (and `run` warns, as of the
    file's other lines), never quoting the file's value."""
    from bot.cli import main

    for name in _env_example():
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=postgresql+psycopg://tp:hunter2@db/teampulse\n"
                        "SLACK_BOT_TOKEN=xoxb-1-bot-secret\nSLACK_APP_TOKEN=xapp-1-app-secret\n"
                        "LOG_LEVEL=\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("SLACK_BOT_TOKEN", " ")
    monkeypatch.setenv("SLACK_APP_TOKEN", "")
    monkeypatch.setenv("LOG_LEVEL", "")  # empty in both: nothing to say
    out = io.StringIO()
    assert main(["--env-file", str(env_file), "config"], stdout=out) == 0
    shown = capsys.readouterr()
    assert "DATABASE_URL = sqlite:///data/teampulse.db\n" in out.getvalue()
    assert shown.err.splitlines() == [
        f"teampulse: {env_file}: {name} is empty in the environment, which wins over line "
        f"{line} of this "
        f"file: {name} has its default, not this file's value (unset it in the environment "
        "to use the file's)" for name, line in (
            ("DATABASE_URL", 1), ("SLACK_BOT_TOKEN", 2), ("SLACK_APP_TOKEN", 3))]
    assert "hunter2" not in out.getvalue() + shown.err and "secret" not in shown.err

    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name)
    assert main(["--env-file", str(env_file), "config"], stdout=io.StringIO()) == 0
    assert capsys.readouterr().err == ""


def test_run_warns_of_a_mistyped_setting_in_the_settings_file(tmp_path: Path):
    """`teampulse config` named SLACK_BOT_TOKN in .env as no setting, but `run` said nothing:
    the operator got the console chat instead of Slack without a word on why. `run` now
    warns of each such line at start, never quoting its value."""
    import os
    import subprocess
    import sys

    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKN=xoxb-1-bot-secret\nLOG_LEVEL=INFO\nLOG_LEVEL=WARNING\n",
                        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in _env_example()}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path}/tp.db",
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    done = subprocess.run([sys.executable, "-m", "bot", "run"], input="/quit\n",
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "WARNING teampulse: .env: SLACK_BOT_TOKN is no teampulse setting (did you mean " \
           "'SLACK_BOT_TOKEN'?), so it is ignored" in done.stderr
    assert "WARNING teampulse: .env: LOG_LEVEL is set on lines 2 and 3: line 3's value is " \
           "used, the others are ignored" in done.stderr
    assert "secret" not in done.stderr + done.stdout


# --- durations that cannot work: refused at start, with the range allowed ------------------

@pytest.mark.parametrize(("env", "expected"), [
    # A reminder a week after a Friday prompt would fall in the next week, where it is
    # never sent: the operator believed reminders were on.
    ({"CHECKIN_REMINDER_DELAY": "8d"},
     "CHECKIN_REMINDER_DELAY='8d': a reminder is sent only within the check-in's week, which "
     "ends when Sunday does, 2d8h after CHECKIN_SCHEDULE=fri 16:00; expected more than 0s and "
     "at most 2d7h (an hour is kept free for a clock change and the 5-minute reminder "
     "sweep), or off for no reminder"),
    # The range follows the schedule: a Monday morning check-in has most of its week.
    ({"CHECKIN_SCHEDULE": "mon 09:00", "CHECKIN_REMINDER_DELAY": "7d"},
     "expected more than 0s and at most 6d14h"),
    # The default delay too, named as the default, where a late Sunday check-in leaves no
    # room for any reminder.
    ({"CHECKIN_SCHEDULE": "sun 23:30"},
     "CHECKIN_REMINDER_DELAY=2h (its default): a reminder is sent only within the check-in's "
     "week, which ends when Sunday does, 30m after CHECKIN_SCHEDULE=sun 23:30: no room for a "
     "reminder"),
    ({"CHECKIN_REMINDER_DELAY": "0"},
     "CHECKIN_REMINDER_DELAY='0': a reminder comes some time after the prompt (such as 2h); "
     "use off for no reminder"),
    # Zero had crashed `teampulse run` with APScheduler's TypeError traceback; a bare 0
    # was answered "expected a duration such as 30m", as if 0 was not understood.
    ({"CHECKIN_GRACE_PERIOD": "0"},
     "CHECKIN_GRACE_PERIOD='0': a grace period cannot be zero: the weekly check-in job, "
     "started by the scheduler a few seconds late on a busy machine, would be dropped and "
     "that week's prompts not sent; expected a duration from 1m to 365d, such as 6h"),
    ({"CHECKIN_GRACE_PERIOD": "0s"}, "CHECKIN_GRACE_PERIOD='0s': a grace period cannot be "
     "zero"),
    ({"CHECKIN_GRACE_PERIOD": "30s"}, "CHECKIN_GRACE_PERIOD='30s': too short: "),
    # The digest sweep runs once a minute: a shorter grace period lets a digest go unsent.
    ({"DIGEST_GRACE_PERIOD": "0m"},
     "DIGEST_GRACE_PERIOD='0m': a grace period cannot be zero: the digest sweep runs once a "
     "minute, so a digest would be found too late and not sent; expected a duration from "
     "1m to 365d, such as 6h"),
])
def test_a_duration_that_cannot_work_stops_the_start_with_its_range(
        env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The operator starting the bot (`teampulse run`) gets one line naming the variable,
    the value and the range allowed, and nothing runs."""
    from bot.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["--env-file", "/dev/null", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("teampulse: ") and expected in err, err
    assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize("env", [
    {"CHECKIN_REMINDER_DELAY": "2d7h"},  # Friday 16:00 to Sunday 23:00
    {"CHECKIN_SCHEDULE": "sun 20:00", "CHECKIN_REMINDER_DELAY": "3h"},
    {"CHECKIN_SCHEDULE": "sun 23:30", "CHECKIN_REMINDER_DELAY": "off"},
    {"CHECKIN_GRACE_PERIOD": "1m", "DIGEST_GRACE_PERIOD": "1m"},
    {"CHECKIN_GRACE_PERIOD": "365d", "DIGEST_GRACE_PERIOD": "21d"},
])
def test_the_edges_of_each_range_are_taken(env: dict[str, str]) -> None:
    """README, Configuration: the longest reminder delay the schedule allows, and grace
    periods from 1m, are accepted as written."""
    Settings.from_mapping(env)


def test_a_refused_schedule_is_not_also_blamed_on_the_reminder(monkeypatch, capsys) -> None:
    """A CHECKIN_SCHEDULE refused on its own is named alone: the reminder delay is not
    checked against a schedule the operator never wrote (the default in its place)."""
    from bot.cli import main

    monkeypatch.setenv("CHECKIN_SCHEDULE", "fri 25:00")
    monkeypatch.setenv("CHECKIN_REMINDER_DELAY", "3d")
    assert main(["--env-file", "/dev/null", "config"]) == 2
    err = capsys.readouterr().err
    assert err == "teampulse: CHECKIN_SCHEDULE='fri 25:00': 25:00 is not a time of day\n"


def test_a_refused_duration_never_prints_a_secret(monkeypatch, capsys) -> None:
    """A token pasted one line off, into a duration, is masked in the refusal."""
    from bot.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHsecretsecretsecret")
    monkeypatch.setenv("CHECKIN_GRACE_PERIOD", "123456789:AAHsecretsecretsecret")
    assert main(["--env-file", "/dev/null", "config"]) == 2
    err = capsys.readouterr().err
    assert "AAHsecret" not in err and "CHECKIN_GRACE_PERIOD=" in err, err
