"""Settings from environment variables and an optional `.env` file.

The environment wins over `.env`. Secrets are wrapped so they never show up in
a log line, a traceback's locals repr, or `teampulse config`.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.text import not_utf8, problems_text

DEFAULT_DATABASE_URL = "sqlite:///data/teampulse.db"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The name a settings file's line starts with (`NAME=…`, `export NAME=…`, `NAME …`).
_LINE_NAME = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)")


#: A settings file that is no regular file (`--env-file <(sops -d .env.enc)`, a pipe) can
#: be read once: its text, kept for the second look (`teampulse config`'s hints).
_READ_ONCE: dict[tuple[Path, int, int], str] = {}


def settings_file_text(env_file: Path) -> str:
    """The settings file's text, or ConfigError in one line naming it (and the line, never a
    value): no permission for this user (a .env left root's alone), or text that is not
    UTF-8 (saved as GBK or ANSI). python-dotenv raised either as a traceback."""
    try:
        # By the pipe itself, not its name alone: /dev/fd/63 is another pipe next time.
        seen = env_file.stat()
        once = (env_file, seen.st_dev, seen.st_ino)
        if once in _READ_ONCE:
            return _READ_ONCE[once]
        data = env_file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{env_file}: cannot read the settings file "
                          f"({exc.strerror or type(exc).__name__}); make it readable for the "
                          "user teampulse runs as (nothing was run)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, problem = not_utf8(exc, "the settings file")
        raise ConfigError(f"{env_file} line {line}: {problem} (nothing was run)") from None
    if not env_file.is_file():
        _READ_ONCE[once] = text
    return text


def _settings_file(env_file: Path | None) -> bool:
    """Whether `env_file` is there to be read: a file, or a pipe or device named with
    --env-file (read as a file: a pipe's settings were silently left out); not a folder."""
    return env_file is not None and env_file.exists() and not env_file.is_dir()


def _dotenv(env_file: Path) -> dict[str, str | None]:
    """The settings file's values, without python-dotenv's own warning for a line it cannot
    read ('could not parse statement'): Settings.unreadable_in names such lines, once."""
    quiet = logging.getLogger("dotenv.main")
    was = quiet.disabled
    quiet.disabled = True
    try:
        return dict(dotenv_values(stream=io.StringIO(settings_file_text(env_file))))
    finally:
        quiet.disabled = was


#: A byte of the environment that is not UTF-8, as Python reads it (surrogateescape).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")

_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(ValueError):
    """A setting has a value teampulse cannot use; the message names the variable."""

    @classmethod
    def of(cls, problems: list[str]) -> ConfigError:
        """One error for everything wrong: one problem as its own line; several under a
        count, one line each (`main` prints it after 'teampulse: ')."""
        if len(problems) == 1:
            return cls(problems[0])
        return cls(f"{problems_text(len(problems))} in the settings:\n"
                   + "\n".join(f"  - {p}" for p in problems))


class Secret:
    """A secret string that prints as '***'."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The real value, for handing to an SDK."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class CheckinSchedule:
    """Weekly check-in time, applied in each person's own timezone."""

    day: int  # 0 = Monday
    at: time

    @property
    def day_name(self) -> str:
        """Three-letter day name as APScheduler's cron trigger expects."""
        return DAYS[self.day]

    def __str__(self) -> str:
        return f"{self.day_name} {self.at:%H:%M}"


#: CHECKIN_SCHEDULE's default: Friday 16:00 where each person is.
DEFAULT_CHECKIN_SCHEDULE = CheckinSchedule(4, time(16, 0))


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything teampulse reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    org_file: Path = Path("org.yaml")
    checkin_schedule: CheckinSchedule = DEFAULT_CHECKIN_SCHEDULE
    reminder_delay: timedelta | None = timedelta(hours=2)  # None: no reminder ("off")
    grace_period: timedelta = timedelta(hours=6)
    #: When the weekly digest goes to the GM and each director, in their own timezone
    #: (None: switched off). Default Monday 08:00: the check-in week (Friday's prompt,
    #: answers until Sunday) is over everywhere the recipient's day has begun.
    digest_schedule: CheckinSchedule | None = field(
        default_factory=lambda: CheckinSchedule(0, time(8, 0))
    )
    #: A digest whose time passed while the bot was down is still sent this long after.
    digest_grace_period: timedelta = timedelta(hours=6)
    log_level: str | None = None
    log_format: str = "text"
    console: bool | None = None
    slack_bot_token: Secret | None = None
    slack_app_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_api_url: str | None = None
    slack_http_host: str = "0.0.0.0"
    slack_http_port: int = 3000
    slack_http_path: str = "/slack/events"
    #: A workspace-wide cap on posts per second, where Slack enforces one beyond its
    #: 1 per second per channel (None: no overall pacing).
    slack_max_posts_per_second: float | None = None
    telegram_bot_token: Secret | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: Secret | None = None
    telegram_webhook_host: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    health_host: str = "0.0.0.0"
    health_port: int | None = None
    #: org_file is org.example.yaml because TEAMPULSE_ORG_FILE is not set and there is no
    #: org.yaml (a fresh checkout's console chat; a Slack or Telegram `run` refuses it).
    org_file_fallback: bool = False
    #: The settings file the command was given with --env-file (None: ./.env if there is
    #: one), set by bot.cli: the commands teampulse tells the operator to run name it.
    env_file: Path | None = None

    @property
    def slack_enabled(self) -> bool:
        """Slack runs when a bot token is configured."""
        return self.slack_bot_token is not None

    @property
    def telegram_enabled(self) -> bool:
        """Telegram runs when a bot token is configured."""
        return self.telegram_bot_token is not None

    @property
    def console_enabled(self) -> bool:
        """The console chat runs when asked to, or when no platform is configured."""
        if self.console is not None:
            return self.console
        return not (self.slack_enabled or self.telegram_enabled)

    def __repr__(self) -> str:
        # The database URL may carry a password; secrets mask themselves.
        shown = ", ".join(f"{k}={v!r}" for k, v in self.describe().items())
        return f"Settings({shown})"

    def secret_values(self) -> list[str]:
        """Every secret these settings hold, for the log to leave out (bot/log_privacy.py):
        the tokens (a Telegram token's part after the colon too: it alone is the secret),
        the signing and webhook secrets, and the password in any URL setting."""
        values = [secret.get() for secret in (
            self.slack_bot_token, self.slack_app_token, self.slack_signing_secret,
            self.telegram_bot_token, self.telegram_webhook_secret) if secret is not None]
        if self.telegram_bot_token is not None:
            values.append(self.telegram_bot_token.get().partition(":")[2])
        for name in sorted(_URLS):
            url = getattr(self, name)
            if url:
                values.extend(url_passwords(str(url)))
        return [value for value in values if value]

    def describe(self) -> dict[str, str]:
        """Settings as text for `teampulse config`, with secrets masked."""
        out: dict[str, str] = {}
        for f in fields(self):
            if f.name in ("org_file_fallback", "env_file"):  # (how it was run, no setting)
                continue
            value = getattr(self, f.name)
            if f.name in _URLS and value is not None:
                value = mask_url(str(value))
            elif f.name in ("digest_schedule", "reminder_delay") and value is None:
                value = "off"
            out[f.name] = "" if value is None else (
                repr(value) if isinstance(value, Secret) else str(value))
        return out

    def in_effect(self) -> list[tuple[str, str]]:
        """`teampulse config`: each variable of .env.example by name, with the value in
        effect (defaults included, as written in .env: 2h, off), secrets masked."""

        def shown(secret: Secret | None) -> str:
            return "*** (set)" if secret is not None else "(not set)"

        console_default = "" if self.console is not None else (
            " (no platform token is set)" if self.console_enabled else " (a platform token is set)")
        # A token or secret may stand in another setting too: the bot token as the webhook's
        # path, as python-telegram-bot's examples have it. (Not a URL's password, masked
        # where it stands: 'teampulse' would blank out the database's name; nor a value
        # shorter than 6, which would blank out words.)
        passwords = {p for name in _URLS if (url := getattr(self, name))
                     for p in url_passwords(str(url))}
        secrets = sorted((s for s in self.secret_values() if len(s) >= 6 and s not in passwords),
                         key=len, reverse=True)

        def masked(value: str) -> str:
            for secret in secrets:
                value = value.replace(secret, "***")
            return value

        return [(name, masked(value)) for name, value in self._in_effect(shown, console_default)]

    def _in_effect(self, shown: Callable[[Secret | None], str],
                   console_default: str) -> list[tuple[str, str]]:
        return [
            ("DATABASE_URL", mask_url(self.database_url)),
            ("TEAMPULSE_ORG_FILE", str(self.org_file)),
            ("CHECKIN_SCHEDULE", str(self.checkin_schedule)),
            ("CHECKIN_REMINDER_DELAY", "off" if self.reminder_delay is None
             else format_duration(self.reminder_delay)),
            ("CHECKIN_GRACE_PERIOD", format_duration(self.grace_period)),
            ("DIGEST_SCHEDULE", "off" if self.digest_schedule is None
             else str(self.digest_schedule)),
            ("DIGEST_GRACE_PERIOD", format_duration(self.digest_grace_period)),
            ("LOG_LEVEL", self.log_level or "INFO (WARNING in the console chat)"),
            ("LOG_FORMAT", self.log_format),
            ("HEALTH_PORT", "off" if self.health_port is None else str(self.health_port)),
            ("HEALTH_HOST", self.health_host),
            ("TEAMPULSE_CONSOLE", ("on" if self.console_enabled else "off") + console_default),
            ("SLACK_BOT_TOKEN", shown(self.slack_bot_token)),
            ("SLACK_APP_TOKEN", shown(self.slack_app_token)),
            ("SLACK_SIGNING_SECRET", shown(self.slack_signing_secret)),
            ("SLACK_API_URL", mask_url(self.slack_api_url) if self.slack_api_url
             else "(Slack's own)"),
            ("SLACK_HTTP_HOST", self.slack_http_host),
            ("SLACK_HTTP_PORT", str(self.slack_http_port)),
            ("SLACK_HTTP_PATH", self.slack_http_path),
            ("SLACK_MAX_POSTS_PER_SECOND", "none" if self.slack_max_posts_per_second is None
             else f"{self.slack_max_posts_per_second:g}"),
            ("TELEGRAM_BOT_TOKEN", shown(self.telegram_bot_token)),
            ("TELEGRAM_API_URL", mask_url(self.telegram_api_url) if self.telegram_api_url
             else "(Telegram's own)"),
            ("TELEGRAM_WEBHOOK_URL", mask_url(self.telegram_webhook_url)
             if self.telegram_webhook_url else "(not set: long polling)"),
            ("TELEGRAM_WEBHOOK_SECRET", shown(self.telegram_webhook_secret)),
            ("TELEGRAM_WEBHOOK_HOST", self.telegram_webhook_host),
            ("TELEGRAM_WEBHOOK_PORT", str(self.telegram_webhook_port)),
        ]

    @classmethod
    def unknown_in(cls, env_file: Path | None) -> list[str]:
        """What `env_file` sets that is no setting but looks meant as one: a name close to a
        setting's (CHECKIN_SCHEDUL) or with a setting's prefix (SLACK_TOKEN); each line says
        it is ignored; so is TEAMPULSE_CACHE_DIR, read from the environment only. Other
        names (PGPASSWORD, TZ) may be for other tools: not listed."""
        from bot.suggest import did_you_mean

        if env_file is None or not _settings_file(env_file):
            return []
        known = {name for name, _ in cls().in_effect()} | {"TEAMPULSE_CACHE_DIR"}
        prefixes = tuple({name.split("_")[0] + "_" for name in known})
        lines = []
        for name, value in _dotenv(env_file).items():
            if name == "TEAMPULSE_CACHE_DIR" and (value or "").strip():
                # Read before the settings are (by the org file's cache): the file's line
                # would silently change nothing.
                lines.append(f"{env_file}: TEAMPULSE_CACHE_DIR is read from the environment "
                             "only, so this line is ignored (export it, or set it in the "
                             "service's environment)")
                continue
            hint = did_you_mean(name, known)
            if name not in known and (hint or name.startswith(prefixes)):
                lines.append(f"{env_file}: {name} is no teampulse setting{hint}, so it is "
                             "ignored (the settings: teampulse config, or .env.example)")
        return lines + cls._set_twice(env_file, known) + cls._blanked(env_file, known)

    @staticmethod
    def _blanked(env_file: Path, known: set[str]) -> list[str]:
        """A setting the file gives a value that the environment sets empty: the environment
        wins, and empty means the default, so the file's value was silently not used (a
        unit's `Environment=DATABASE_URL=`, or a compose file's `${DATABASE_URL}` of a
        variable not set: the bot ran on a new SQLite file). The line, never the value."""
        from dotenv.parser import parse_stream

        lines: dict[str, int] = {}  # the line whose value would count: the last
        for binding in parse_stream(io.StringIO(settings_file_text(env_file))):
            name = binding.key
            if (not binding.error and name in known and name != "TEAMPULSE_CACHE_DIR"
                    and (binding.value or "").strip()):
                lines[name] = binding.original.line
        return [f"{env_file}: {name} is empty in the environment, which wins over line {line} "
                f"of this file: {name} has its default, not this file's value (unset it in "
                "the environment to use the file's)"
                for name, line in lines.items()
                if name in os.environ and not os.environ[name].strip()]

    @staticmethod
    def _set_twice(env_file: Path, known: set[str]) -> list[str]:
        """A setting the file sets on several lines: the last is used, silently (a
        DATABASE_URL added at the end of a copied .env.example left the one above it
        unread, with nothing to say which counted). The lines, never the values."""
        from dotenv.parser import parse_stream

        seen: dict[str, list[int]] = {}
        for binding in parse_stream(io.StringIO(settings_file_text(env_file))):
            if not binding.error and binding.key in known and binding.value is not None:
                seen.setdefault(binding.key, []).append(binding.original.line)
        return [f"{env_file}: {name} is set on lines {', '.join(map(str, found[:-1]))} and "
                f"{found[-1]}: line {found[-1]}'s value is used, the others are ignored"
                for name, found in seen.items() if len(found) > 1]

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Read settings from `env_file` (if it exists) overlaid by `environ`."""
        merged: dict[str, str] = {}
        unreadable: list[str] = []
        if env_file is not None and _settings_file(env_file):
            merged.update({k: v for k, v in _dotenv(env_file).items() if v is not None})
            unreadable = cls.unreadable_in(env_file)
        merged.update(os.environ if environ is None else environ)
        return cls.from_mapping(merged, unreadable)

    @classmethod
    def unreadable_in(cls, env_file: Path) -> list[str]:
        """The lines of `env_file` that name a setting but cannot be read as NAME=value
        (no '=', a quote left open), one problem each: the line and the name, never the
        value (it may be a secret). python-dotenv skips such a line, and the setting would
        silently keep its default. Lines for other tools are left alone."""
        from dotenv.parser import parse_stream

        known = {name for name, _ in cls().in_effect()} | {"TEAMPULSE_CACHE_DIR"}
        found = []
        for binding in parse_stream(io.StringIO(settings_file_text(env_file))):
            named = _LINE_NAME.match(binding.original.string)
            if binding.error and named and named[1] in known:
                found.append(f"{env_file} line {binding.original.line}: {named[1]} cannot "
                             "be read (NAME=value, with any quote closed on its line); "
                             "nothing on that line is used")
        return found

    @classmethod
    def from_mapping(cls, env: Mapping[str, str], earlier: Sequence[str] = ()) -> Settings:
        """Build settings from a plain mapping of variable names to strings (`earlier`:
        problems already found, such as a settings file's unreadable lines)."""

        quoted: list[str] = []
        undecodable: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name)
            if value is None or not value.strip():
                return None
            value = value.strip()
            if _NOT_UTF8.search(value):
                # Python reads such a byte of the environment as a lone surrogate, which
                # nothing can encode: start-up crashed masking the value (a traceback, no
                # name). Named, never shown, and not used.
                if name not in undecodable:
                    undecodable.append(name)
                return None
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                # `docker run --env-file` keeps a .env's quotes as part of the value: named
                # (a token 'not starting with xoxb-' misled), and read without them, so the
                # rest of the checks are not misled by them either.
                quoted.append(f"{name} is wrapped in quotes, which are part of its value "
                              "where it is set (docker run --env-file keeps them; a .env "
                              "file does not): set it without them")
                value = value[1:-1].strip()
            return value or None

        def secret(name: str) -> Secret | None:
            value = get(name)
            return Secret(value) if value else None

        kwargs: dict[str, object] = {}
        # Every value is read before any is refused: an operator fixing a .env meets all of
        # its mistakes at once, not one per restart.
        problems: list[str] = list(earlier)

        def put(field_name: str, parse: Callable[..., object], *args: object) -> None:
            try:
                kwargs[field_name] = parse(*args)
            except ConfigError as exc:
                problems.append(str(exc))

        if (url := get("DATABASE_URL")) is not None:
            kwargs["database_url"] = url
        if (org := get("TEAMPULSE_ORG_FILE")) is not None:
            kwargs["org_file"] = Path(org)
        elif not Path("org.yaml").exists() and Path("org.example.yaml").exists():
            # A fresh checkout runs on the example org until the operator writes org.yaml.
            kwargs["org_file"] = Path("org.example.yaml")
            kwargs["org_file_fallback"] = True
        if (sched := get("CHECKIN_SCHEDULE")) is not None:
            put("checkin_schedule", parse_schedule, sched, "CHECKIN_SCHEDULE")
        if (delay := get("CHECKIN_REMINDER_DELAY")) is not None:
            put("reminder_delay", parse_reminder_delay, delay)
        if (grace := get("CHECKIN_GRACE_PERIOD")) is not None:
            put("grace_period", parse_grace, grace, "CHECKIN_GRACE_PERIOD", _MISSED_CHECKIN)
        if (digest := get("DIGEST_SCHEDULE")) is not None:
            put("digest_schedule", parse_digest_schedule, digest)
        if (grace := get("DIGEST_GRACE_PERIOD")) is not None:
            put("digest_grace_period", parse_grace, grace, "DIGEST_GRACE_PERIOD",
                _MISSED_DIGEST)
        if (level := get("LOG_LEVEL")) is not None:
            put("log_level", parse_choice, level, "LOG_LEVEL",
                ("DEBUG", "INFO", "WARNING", "ERROR"))
        if (log_format := get("LOG_FORMAT")) is not None:
            put("log_format", parse_choice, log_format, "LOG_FORMAT", ("text", "json"))
        if (console := get("TEAMPULSE_CONSOLE")) is not None:
            put("console", parse_bool, console, "TEAMPULSE_CONSOLE")
        kwargs["slack_bot_token"] = secret("SLACK_BOT_TOKEN")
        kwargs["slack_app_token"] = secret("SLACK_APP_TOKEN")
        kwargs["slack_signing_secret"] = secret("SLACK_SIGNING_SECRET")
        kwargs["slack_api_url"] = get("SLACK_API_URL")
        if (host := get("SLACK_HTTP_HOST")) is not None:
            kwargs["slack_http_host"] = host
        if (port := get("SLACK_HTTP_PORT")) is not None:
            put("slack_http_port", parse_port, port, "SLACK_HTTP_PORT")
        if (path := get("SLACK_HTTP_PATH")) is not None:
            put("slack_http_path", parse_http_path, path, "SLACK_HTTP_PATH")
        if (rate := get("SLACK_MAX_POSTS_PER_SECOND")) is not None:
            put("slack_max_posts_per_second", parse_rate, rate, "SLACK_MAX_POSTS_PER_SECOND")
        kwargs["telegram_bot_token"] = secret("TELEGRAM_BOT_TOKEN")
        kwargs["telegram_api_url"] = get("TELEGRAM_API_URL")
        kwargs["telegram_webhook_url"] = get("TELEGRAM_WEBHOOK_URL")
        kwargs["telegram_webhook_secret"] = secret("TELEGRAM_WEBHOOK_SECRET")
        if (host := get("TELEGRAM_WEBHOOK_HOST")) is not None:
            kwargs["telegram_webhook_host"] = host
        if (port := get("TELEGRAM_WEBHOOK_PORT")) is not None:
            put("telegram_webhook_port", parse_port, port, "TELEGRAM_WEBHOOK_PORT")
        if (host := get("HEALTH_HOST")) is not None:
            kwargs["health_host"] = host
        if (port := get("HEALTH_PORT")) is not None:
            put("health_port", parse_port, port, "HEALTH_PORT")
        # A value refused above keeps its default here: the combinations of problems()
        # are checked all the same (none of them involves a value that can be refused
        # alone).
        settings = cls(**kwargs)  # type: ignore[arg-type]
        # The reminder against the schedule, unless either was refused above (its default
        # in its place would name a combination the operator never wrote).
        if ("checkin_schedule" in kwargs or sched is None) and (
                "reminder_delay" in kwargs or delay is None) and (
                problem := reminder_delay_problem(settings.reminder_delay,
                                                  settings.checkin_schedule, delay)):
            problems.append(problem)
        problems += [f"{name} holds a byte that is not UTF-8 text (a stray character, or a "
                     "file saved in another encoding): set it again as plain UTF-8 text"
                     for name in undecodable] + quoted + settings.problems()
        if problems:
            from bot.log_privacy import redact

            # A refusal quotes the value refused: one of these settings' own secrets
            # pasted one line off (the signing secret as SLACK_HTTP_PATH), shaped like
            # nothing a pattern knows, is masked there too.
            secrets = settings.secret_values()
            raise ConfigError.of([redact(p, known=False, also=secrets) for p in problems])
        return settings

    def problems(self) -> list[str]:
        """What is wrong in combinations of settings, one line each, naming the variables
        (never a secret's value)."""
        found: list[str] = slack_token_problems(self.slack_bot_token, self.slack_app_token)
        if self.telegram_bot_token is not None and (
                problem := telegram_token_problem(self.telegram_bot_token)):
            found.append(problem)
        for name, url in (("SLACK_API_URL", self.slack_api_url),
                          ("TELEGRAM_API_URL", self.telegram_api_url)):
            if url and (problem := api_url_problem(name, url)):
                found.append(problem)
            elif url and name == "SLACK_API_URL" and self.slack_enabled and "@" in (
                    urlsplit(url).netloc):
                # Slack's client sends the token as the Authorization header, which aiohttp
                # refuses beside a URL's own user and password: every call would fail.
                found.append(f"SLACK_API_URL={mask_url(url)}: a user and password in this URL "
                             "cannot be used (Slack's client authorises with the bot token); "
                             "leave them out, and give a proxy's in HTTPS_PROXY")
        # A platform set up but for its bot token: without it the platform does not run,
        # and the bot started the console chat on a server without a word on why.
        for platform, token, partners in (
                ("Slack", "SLACK_BOT_TOKEN (xoxb-…)",
                 {"SLACK_APP_TOKEN": self.slack_app_token,
                  "SLACK_SIGNING_SECRET": self.slack_signing_secret}),
                ("Telegram", "TELEGRAM_BOT_TOKEN (from @BotFather)",
                 {"TELEGRAM_WEBHOOK_URL": self.telegram_webhook_url,
                  "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret})):
            bot_token = token.split()[0]
            if getattr(self, bot_token.lower()) is None and (
                    given := [name for name, value in partners.items() if value]):
                names = " and ".join(given)
                found.append(f"{names} {'is' if len(given) == 1 else 'are'} set but "
                             f"{bot_token} is not: {platform} runs only with its bot token; "
                             f"set {token} too, or leave {names} empty")
        if self.slack_enabled and not self.slack_app_token and not self.slack_signing_secret:
            found.append(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is: set one of them"
            )
        found += self._shared_ports()
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            found.append(
                "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: webhook mode "
                "needs a secret token (1-256 characters A-Z a-z 0-9 _ -)"
            )
        # Telegram's own rules for the URL; a local Bot API server (TELEGRAM_API_URL) run
        # with --local takes plain HTTP and any port, and says so itself if not.
        if self.telegram_webhook_url and not self.telegram_api_url and (
                problem := webhook_url_problem(self.telegram_webhook_url)):
            found.append(problem)
        if self.telegram_webhook_secret and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", self.telegram_webhook_secret.get()
        ):
            found.append(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -"
            )
        return found


    def _shared_ports(self) -> list[str]:
        """Two of teampulse's own listeners on one port (of one address, or of all): the
        second stopped start-up with 'address already in use; choose a free port', and
        the operator found teampulse itself holding it."""
        listeners = []
        if self.health_port is not None:
            listeners.append(("HEALTH_PORT", self.health_host, self.health_port))
        if self.slack_enabled and not self.slack_app_token and self.slack_signing_secret:
            listeners.append(("SLACK_HTTP_PORT", self.slack_http_host, self.slack_http_port))
        if self.telegram_enabled and self.telegram_webhook_url:
            listeners.append(("TELEGRAM_WEBHOOK_PORT", self.telegram_webhook_host,
                              self.telegram_webhook_port))
        found = []
        for at, (name, host, port) in enumerate(listeners):
            for other, other_host, other_port in listeners[at + 1:]:
                if port != other_port or (host != other_host and not {host, other_host} & {
                        "0.0.0.0", "::", ""}):
                    continue
                why = ("with Slack in HTTP mode /healthz, /readyz and /metrics are served on "
                       "the Slack listener's port already; leave HEALTH_PORT empty, or give "
                       "it a port of its own" if other == "SLACK_HTTP_PORT" and
                       name == "HEALTH_PORT" else "two listeners of teampulse cannot share a "
                       "port; give each a port of its own")
                found.append(f"{name} and {other} are both {port}: {why}")
        return found


#: The kinds of Slack token by the prefix Slack gives each, for saying which one was
#: pasted where another belongs (the prefix names the kind; the rest is the secret).
_SLACK_TOKEN_KINDS = {"xoxb-": "a bot token (xoxb-…)", "xapp-": "an app-level token (xapp-…)",
                      "xoxp-": "a user token (xoxp-…)",
                      "xoxe.xoxb-": "a rotating bot token (xoxe.xoxb-…)",
                      "xoxe-": "a refresh token (xoxe-…)"}
#: Token rotation: an access token lasts 12 hours and teampulse holds no refresh logic (one
#: bot token read at start-up), so it would stop working mid-run. Slack cannot turn rotation
#: off for an app that has it, hence a new app from the manifest (rotation off).
_ROTATION_HELP = ("teampulse does not refresh tokens, and a rotating one stops working after "
                  "12 hours; create the app anew from slack-manifest.yaml (it sets "
                  "token_rotation_enabled: false; Slack cannot turn rotation off once on) and "
                  "use its Bot User OAuth Token (xoxb-…)")
_BOT_TOKEN_HELP = "use the app's Bot User OAuth Token (xoxb-…) from its OAuth & Permissions page"
_APP_TOKEN_HELP = ("use an app-level token (xapp-…) with the connections:write scope (Basic "
                   "Information → App-Level Tokens)")


def _slack_token_kind(token: Secret) -> str | None:
    """'a user token (xoxp-…)' and the like for a token of a known kind, else None."""
    return next((kind for prefix, kind in _SLACK_TOKEN_KINDS.items()
                 if token.get().startswith(prefix)), None)


def slack_token_problems(bot: Secret | None, app: Secret | None) -> list[str]:
    """Slack tokens of the wrong kind, one line each naming the variable and the kind found
    (never the value): a bot token that is not xoxb- (a user token would post as that
    person), an app-level token that is not xapp-, the two swapped. Slack itself would
    refuse them only at start-up, or a user token not at all."""
    bot_kind = _slack_token_kind(bot) if bot is not None else None
    app_kind = _slack_token_kind(app) if app is not None else None
    bot_ok = bot is None or (bot_kind or "").startswith("a bot")
    app_ok = app is None or (app_kind or "").startswith("an app-level")
    if bot_ok and app_ok:
        return []
    if (bot_kind or "").startswith("an app-level") and (app_kind or "").startswith("a bot"):
        return ["SLACK_BOT_TOKEN and SLACK_APP_TOKEN are swapped: SLACK_BOT_TOKEN holds the "
                "app-level token (xapp-…) and SLACK_APP_TOKEN the bot token (xoxb-…); "
                "exchange their values"]
    found = []
    if not bot_ok and bot_kind and "xoxe" in bot_kind:
        found.append(f"SLACK_BOT_TOKEN is {bot_kind}: {_ROTATION_HELP}")
    elif not bot_ok:
        found.append("SLACK_BOT_TOKEN " + (
            "is a user token (xoxp-…): teampulse would post as that person; "
            if bot_kind and "user" in bot_kind else
            f"is {bot_kind}, not a bot token; " if bot_kind else
            "does not start with xoxb-, so it is no bot token; ") + _BOT_TOKEN_HELP)
    if not app_ok:
        found.append("SLACK_APP_TOKEN " + (
            f"is {app_kind}, not an app-level token; " if app_kind else
            "does not start with xapp-, so it is no app-level token; ") + _APP_TOKEN_HELP)
    return found


#: A token @BotFather gives: the bot's id, a colon, then the secret part.
_TELEGRAM_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")


def telegram_token_problem(token: Secret) -> str | None:
    """Why TELEGRAM_BOT_TOKEN cannot be a bot token, never quoting it; None if it can be.
    Telegram would answer such a token only at start-up (404, reported as a rejected
    token); `teampulse config` names it at once, as it names a Slack token's kind."""
    value = token.get()
    if _TELEGRAM_TOKEN.fullmatch(value):
        return None
    if value.lower().startswith("bot") and _TELEGRAM_TOKEN.fullmatch(value[3:]):
        return ("TELEGRAM_BOT_TOKEN starts with 'bot', which belongs to the Bot API's URL, "
                "not to the token: set the token alone (digits, a colon, then the rest)")
    return ("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then "
            "letters, digits, _ and -, such as 123456789:AAH…): copy it again from "
            "@BotFather (/mybots → your bot → API Token)")


def api_url_problem(name: str, url: str) -> str | None:
    """Why `url` cannot be a platform's API base URL (an http:// or https:// URL with a
    host), naming the variable and the URL with any password masked; None if it can be."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is no number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"{name}={mask_url(url)}: expected an http:// or https:// URL with a host, "
                "such as http://localhost:8081 (leave it empty for the platform's own)")
    if name == "TELEGRAM_API_URL" and _BOT_TOKEN_PATH.search(parts.path):
        # The whole Bot API URL pasted: every call went to …/bot<token>/bot<token>/getMe.
        return (f"{name} holds a bot token (…/bot<token> in its path): give the Bot API "
                "server's address alone, such as https://api.telegram.org or "
                "http://localhost:8081 (teampulse adds /bot<token>/<method> itself)")
    return None


MAX_DURATION = timedelta(days=365)
#: What a grace period of (nearly) nothing loses, for its refusal.
_MISSED_CHECKIN = ("the weekly check-in job, started by the scheduler a few seconds late on a "
                   "busy machine, would be dropped and that week's prompts not sent")
_MISSED_DIGEST = ("the digest sweep runs once a minute, so a digest would be found too late "
                  "and not sent")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str, name: str = "duration") -> timedelta:
    """Parse '90s', '30m', '2h', '1d', '1w' (several parts like '1h30m' too)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhdw])", text.strip(), re.IGNORECASE)
    rebuilt = "".join(n + u for n, u in parts)
    if not parts or rebuilt.lower() != re.sub(r"\s+", "", text).lower():
        raise ConfigError(f"{name}={text!r}: expected a duration such as 30m, 2h, 1d or 1h30m")
    try:
        total = sum((timedelta(**{_UNITS[unit.lower()]: float(number)})
                     for number, unit in parts), timedelta())
    except OverflowError:
        total = MAX_DURATION + timedelta(days=1)
    # Beyond a year none of these settings means anything, and dates computed from a
    # far larger one overflow at the first check-in.
    if total > MAX_DURATION:
        raise ConfigError(f"{name}={text!r}: expected a duration of at most 365d")
    return total


def format_duration(value: timedelta) -> str:
    """A duration as the settings take it: 2h, 1h30m, 90s, 1d; a part of a second too
    (0.5s, accepted as a reminder's delay, had read 0s, which is refused)."""
    seconds = int(value.total_seconds())
    fraction = value - timedelta(seconds=seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if fraction:
        whole = int(parts.pop()[:-1]) if parts and parts[-1].endswith("s") else 0
        parts.append(f"{whole + fraction.total_seconds():g}s")
    return "".join(parts) or "0s"


def _is_zero(text: str) -> bool:
    """'0', '0s', '0h0m': zero written with or without a unit (a bare '0' was answered
    "expected a duration such as 30m", as if zero had not been understood)."""
    return re.fullmatch(r"(?:0+(?:\.0*)?\s*[smhdw]?\s*)+", text.strip(), re.IGNORECASE) is not None


def parse_reminder_delay(text: str) -> timedelta | None:
    """CHECKIN_REMINDER_DELAY: a duration after the prompt, or 'off' for no reminder. Zero
    is refused: a reminder at the next sweep after the prompt would only repeat it. How
    long it may be depends on CHECKIN_SCHEDULE (reminder_delay_problem)."""
    name = "CHECKIN_REMINDER_DELAY"
    if text.strip().lower() == "off":
        return None
    if _is_zero(text):
        raise ConfigError(f"{name}={text!r}: a reminder comes some time after the prompt "
                          "(such as 2h); use off for no reminder")
    delay = parse_duration(text, name)
    if delay <= timedelta(0):
        raise ConfigError(f"{name}={text!r}: a reminder comes some time after the prompt "
                          "(such as 2h); use off for no reminder")
    return delay


#: Kept free at the end of the check-in's week: a clock change there shortens that week by
#: an hour, and the reminder sweep (every 5 minutes) may find a reminder a little late.
REMINDER_SPARE = timedelta(hours=1)


def reminder_delay_limit(schedule: CheckinSchedule) -> timedelta:
    """The longest CHECKIN_REMINDER_DELAY whose reminder still falls in the check-in's week
    (a reminder is sent only within it, and the next week's prompt takes over after it):
    from the prompt to Sunday midnight where the person is, less REMINDER_SPARE. Negative
    when the schedule leaves no room for a reminder at all (`sun 23:30`)."""
    to_week_end = timedelta(days=7 - schedule.day) - timedelta(
        hours=schedule.at.hour, minutes=schedule.at.minute)
    return to_week_end - REMINDER_SPARE


def reminder_delay_problem(delay: timedelta | None, schedule: CheckinSchedule,
                           written: str | None) -> str | None:
    """Why CHECKIN_REMINDER_DELAY cannot work with CHECKIN_SCHEDULE (a reminder due after
    the check-in's week is over is never sent, silently), naming both values and the range
    allowed; None if it can. `written`: the delay as set, None for the default."""
    if delay is None:
        return None
    limit = reminder_delay_limit(schedule)
    if delay <= limit:
        return None
    name = "CHECKIN_REMINDER_DELAY"
    shown = f"{name}={written!r}" if written is not None else \
        f"{name}={format_duration(delay)} (its default)"
    week_end = format_duration(limit + REMINDER_SPARE)
    why = (f"a reminder is sent only within the check-in's week, which ends when Sunday "
           f"does, {week_end} after CHECKIN_SCHEDULE={schedule}")
    if limit <= timedelta(0):
        return (f"{shown}: {why}: no room for a reminder (at least "
                f"{format_duration(REMINDER_SPARE)} is kept free for a clock change and the "
                "5-minute reminder sweep); set CHECKIN_REMINDER_DELAY=off, or an earlier "
                "CHECKIN_SCHEDULE")
    return (f"{shown}: {why}; expected more than 0s and at most {format_duration(limit)} "
            f"(an hour is kept free for a clock change and the 5-minute reminder sweep), or "
            "off for no reminder")


#: The shortest grace period: the weekly check-in job that the scheduler starts a few
#: seconds late (a busy machine) is dropped beyond it, and the digest sweep runs every
#: minute, so a digest's moment is at most a minute behind it.
MIN_GRACE = timedelta(minutes=1)


def parse_grace(text: str, name: str, what: str) -> timedelta:
    """CHECKIN_GRACE_PERIOD, DIGEST_GRACE_PERIOD: a duration from MIN_GRACE to MAX_DURATION
    (`what`: what is missed without one, for the message)."""
    allowed = f"from {format_duration(MIN_GRACE)} to {format_duration(MAX_DURATION)}"
    if _is_zero(text):
        raise ConfigError(f"{name}={text!r}: a grace period cannot be zero: {what}; "
                          f"expected a duration {allowed}, such as 6h")
    grace = parse_duration(text, name)
    if grace < MIN_GRACE:
        raise ConfigError(f"{name}={text!r}: too short: {what}; expected a duration "
                          f"{allowed}, such as 6h")
    return grace


def parse_schedule(text: str, name: str = "schedule", also: str = "") -> CheckinSchedule:
    """Parse 'fri 16:00' (day name and 24-hour time); `also` names other accepted values."""
    match = re.fullmatch(r"\s*([A-Za-z]{3,})\s+(\d{1,2}):(\d{2})\s*", text)
    day = day_index(match.group(1)) if match else None
    if match is None or day is None:
        raise ConfigError(f"{name}={text!r}: expected a day and a time, such as 'fri 16:00'"
                          + (f", {also}" if also else ""))
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ConfigError(f"{name}={text!r}: {hour:02d}:{minute:02d} is not a time of day")
    return CheckinSchedule(day, time(hour, minute))


def day_index(text: str) -> int | None:
    """0 for Monday … 6 for Sunday: a day is three letters or more of its English name
    ('thurs', 'Friday', any case); None otherwise ('monkey' is a typo, not Monday)."""
    word = text.strip().lower()
    if len(word) < 3:
        return None
    return next((i for i, full in enumerate(_FULL_DAYS) if full.startswith(word)), None)


def parse_digest_schedule(text: str) -> CheckinSchedule | None:
    """DIGEST_SCHEDULE: a day and a time, or off (None)."""
    if text.strip().lower() == "off":
        return None
    return parse_schedule(text, "DIGEST_SCHEDULE", "or off")


def parse_choice(text: str, name: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, in any case (returned as `choices` writes it)."""
    found = next((c for c in choices if c.lower() == text.lower()), None)
    if found is None:
        listed = ", ".join(choices) if len(choices) > 2 else " or ".join(choices)
        raise ConfigError(f"{name}={text!r}: expected {'one of ' if len(choices) > 2 else ''}"
                          f"{listed}")
    return found


def parse_bool(text: str, name: str) -> bool:
    """Parse 1/0, true/false, yes/no, on/off."""
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={text!r}: expected true or false")


def parse_rate(value: str, name: str) -> float:
    """A positive number of messages per second."""
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate < float("inf"):
        raise ConfigError(f"{name}={value!r}: expected a positive number of messages per "
                          "second, e.g. 50")
    return rate


def parse_http_path(text: str, name: str) -> str:
    """A path to listen on, such as /slack/events: the listener refused any other at start,
    with a traceback (a whole Request URL pasted in, or the path without its first /)."""
    if text.startswith("/") and not re.search(r"[\s?#]", text):
        return text
    hint = ""
    if "://" in text and (path := urlsplit(text).path).startswith("/"):
        hint = f" (here {path}: the part of the Request URL after the host)"
    raise ConfigError(f"{name}={text!r}: expected the path alone, starting with /, such as "
                      f"/slack/events{hint}")


def parse_port(text: str, name: str) -> int:
    """Parse a TCP port number."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 65536:
        raise ConfigError(f"{name}={text!r}: expected a port number from 1 to 65535")
    return int(text)


#: Settings holding a URL that may carry a password (a database's, a proxy's).
_URLS = {"database_url", "slack_api_url", "telegram_api_url", "telegram_webhook_url"}
# The user part: everything between '://' and the last '@' before the path, so a password
# with an unencoded '@' in it is masked whole; and the query's password parameters (libpq
# takes `?password=`).
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*:)[^?#]*@")
# SQLAlchemy's reading of a database URL: the password runs from 'user:' to the first '@',
# a '#' or '?' in it included (a generated password has them, and the URL works as written),
# where the pattern above stops short and left it whole. Not a host's port and path
# ('host:8443/hook?to=a@b': no user part at all), nor an IPv6 host's colons; a port right
# before a query with an '@' in it ('host:8443?to=a@b') is masked, erring on the safe side.
_SQLA_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/\[]*:)(?![0-9]+/)"
                            r"[^@]*@")
# With no '@' ('user:password/db', '@host' left out) the password stands where the port
# would: what is there is masked unless it is a port (digits).
_NOT_A_PORT = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\[]*:)"
                         r"(?=[^/?#@]*[^0-9/?#@])[^/?#@]*(?=[/?#]|$)")
# No '://' at all (`postgresql+psycopg:/user:password@host/db`, a slash left out): no URL,
# refused as such, but `teampulse config` lists it first. Where its user part ends cannot be
# told, so everything after a leading scheme up to the last '@' is taken as the password.
_LOOSE_USERINFO = re.compile(r"^(?!.*://)((?:[A-Za-z][A-Za-z0-9+.-]*:)?)(.*)@")
# A Telegram bot token in a Bot API URL's path (…/bot123456789:AAH…/getMe): the id stays.
_BOT_TOKEN_PATH = re.compile(r"(/bot[0-9]+:)[^/?#\s]+")
_QUERY_SECRET = re.compile(r"([?&](?:password|passwd|pwd|sslpassword|token|secret)=)[^&#]*",
                           re.IGNORECASE)


#: The ports Telegram sends webhooks to (Bot API, setWebhook).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


def webhook_url_advice(url: str) -> str:
    """What TELEGRAM_WEBHOOK_URL must be, naming the value (its password masked)."""
    return (f"TELEGRAM_WEBHOOK_URL={mask_url(url)}: Telegram sends webhooks only to an "
            "HTTPS URL on port 443, 80, 88 or 8443 (put your reverse proxy there, and "
            "TELEGRAM_WEBHOOK_PORT on the port it forwards to)")


def webhook_url_problem(url: str) -> str | None:
    """Why Telegram would refuse `url` as a webhook, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return webhook_url_advice(url)
    if parts.scheme != "https" or not parts.hostname \
            or (port is not None and port not in TELEGRAM_WEBHOOK_PORTS):
        return webhook_url_advice(url)
    return None


def url_passwords(url: str) -> list[str]:
    """The passwords a URL carries, in its user part or its query, as written there."""
    found = [m.group(0)[len(m.group(1)):-1]
             for pattern in (_SQLA_USERINFO, _USERINFO) for m in pattern.finditer(url)]
    found += [m.group(0)[len(m.group(1)):]
              for pattern in (_NOT_A_PORT, _QUERY_SECRET) for m in pattern.finditer(url)]
    found += [part for m in _LOOSE_USERINFO.finditer(url)
              for part in (m.group(2), m.group(2).rpartition(":")[2])]
    return list(dict.fromkeys(found))


def mask_url(url: str) -> str:
    """A URL fit to print: its password (in the user part or the query) shown as ***, as
    SQLAlchemy reads it and as a web client does, and a Telegram bot token in its path."""
    url = _USERINFO.sub(r"\1***@", _SQLA_USERINFO.sub(r"\1***@", url))
    url = _BOT_TOKEN_PATH.sub(r"\1***", _LOOSE_USERINFO.sub(r"\1***@", url))
    return _QUERY_SECRET.sub(r"\1***", _NOT_A_PORT.sub(r"\1***", url))
