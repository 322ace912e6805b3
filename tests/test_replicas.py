"""Several `teampulse run` processes on one PostgreSQL database: one leader sends.

Real processes (`python -m bot run`, Slack in HTTP mode) against the fake Slack API in
this test's process, on the PostgreSQL server CI starts (skipped without
TEST_DATABASE_URL). A round for 1,000 people must reach each of them exactly once, also
when the leader is killed part-way or its database connection is cut.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from sqlalchemy import create_engine, text

from storage.db import session_factory
from storage.round_requests import RoundRequestRepo
from tests.conftest import SERVER_URL
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.skipif(not SERVER_URL, reason="replicas need PostgreSQL "
                                                       "(TEST_DATABASE_URL)")

ROOT = Path(__file__).parent.parent
PEOPLE = 1000
#: Bounds on waiting for something that is bound to happen (never fixed sleeps).
START = 120.0
ROUND = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def big_org(path: Path, people: int = PEOPLE) -> Path:
    """A GM and `people` directors, each with a Slack id."""
    entries = [{"key": "gm", "name": "The GM", "role": "gm", "timezone": "UTC",
                "locale": "en", "slack_id": "UGM"}]
    entries += [{"key": f"d{n:04d}", "name": f"Director {n}", "role": "director",
                 "manager": "gm", "team": f"T{n % 10}", "timezone": "UTC", "locale": "en",
                 "slack_id": f"U{n:05d}"} for n in range(people)]
    path.write_text(yaml.safe_dump({"org": {"name": "Big Sales"}, "people": entries}))
    return path


class Replica:
    """One `teampulse run` process; its log is read on a thread (never blocks the pipe)."""

    def __init__(self, tmp_path: Path, url: str, org: Path, fake: FakeSlackAPI) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
        env.update(DATABASE_URL=url, TEAMPULSE_ORG_FILE=str(org), PYTHONPATH=str(ROOT),
                   SLACK_BOT_TOKEN="xoxb-test-token", SLACK_SIGNING_SECRET="s3cret",
                   SLACK_API_URL=fake.base_url, SLACK_HTTP_HOST="127.0.0.1",
                   SLACK_HTTP_PORT=str(free_port()), LOG_LEVEL="INFO",
                   # Far from now, so no scheduled round or catch-up gets in the way.
                   CHECKIN_SCHEDULE="mon 00:00" if datetime.now(UTC).weekday() >= 3
                   else "fri 00:00", CHECKIN_GRACE_PERIOD="1m",
                   # No weekly digest either: run on a Monday morning, the catch-up sent
                   # everyone one, which mentions the check-in.
                   DIGEST_SCHEDULE="off")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env, cwd=tmp_path)
        self.log = ""
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._lines.put(line)

    def read(self) -> str:
        """What it has logged so far."""
        while True:
            try:
                self.log += self._lines.get_nowait()
            except queue.Empty:
                return self.log

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def until(what: str, check, timeout: float, replicas: list[Replica]) -> None:
    """Poll `check()` (bounded by `timeout`) while the replicas and the fake work."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            logs = "\n---\n".join(r.read()[-3000:] for r in replicas)
            pytest.fail(f"{what} did not happen within {timeout:g}s; logs:\n{logs}")
        await asyncio.sleep(0.1)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as server:
        # Real timestamps: a new leader looks up a send the old one left in flight by time.
        server.clock = time.time
        yield server


@pytest.fixture
def admin(database_url: str) -> Iterator[object]:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


class Cluster:
    def __init__(self, tmp_path: Path, url: str, fake: FakeSlackAPI, admin) -> None:
        self.tmp_path, self.url, self.fake, self.admin = tmp_path, url, fake, admin
        self.org = tmp_path / "org.yaml"
        big_org(self.org)
        self.replicas: list[Replica] = []

    async def start(self, count: int) -> None:
        started = [Replica(self.tmp_path, self.url, self.org, self.fake) for _ in range(count)]
        self.replicas += started
        for replica in started:
            await until("start-up", lambda r=replica: "teampulse is running" in r.read(),
                        START, self.replicas)
        await until("a leader", lambda: self.leader_pid() is not None, START, self.replicas)

    def leader_pid(self) -> int | None:
        """The OS pid of the replica holding the leader lock (from pg_stat_activity)."""
        with self.admin.connect() as conn:
            name = conn.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND a.application_name LIKE 'teampulse leader election%'")).scalar()
        return int(name.rsplit(" ", 1)[1]) if name else None

    def leader(self) -> Replica:
        pid = self.leader_pid()
        return next(r for r in self.replicas if r.proc.pid == pid)

    def request_round(self) -> int:
        sessions = session_factory(self.admin)
        with sessions.begin() as session:
            return RoundRequestRepo(session).add("everyone", None, "cli",
                                                 datetime.now(UTC)).id

    def prompts(self) -> Counter[str]:
        """How many check-in prompts each Slack user got (the prompt's own words: other
        messages, such as a digest or the monthly review, may mention the check-in)."""
        return Counter(str(c.params.get("channel")) for c in self.fake.calls_for(
            "chat.postMessage") if "Time for your weekly check-in" in
            str(c.params.get("text", "")))

    def everyone_prompted(self) -> bool:
        return len(self.prompts()) >= PEOPLE

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()

    def outbox_statuses(self) -> Counter[str]:
        with self.admin.connect() as conn:
            return Counter(dict(conn.execute(text(
                "SELECT status, count(*) FROM outbox GROUP BY status")).all()))


@pytest.fixture
def cluster(tmp_path: Path, database_url: str, fake: FakeSlackAPI, admin) -> Iterator[Cluster]:
    made = Cluster(tmp_path, database_url, fake, admin)
    yield made
    made.stop()


def assert_each_once(cluster: Cluster) -> None:
    prompts = cluster.prompts()
    assert len(prompts) == PEOPLE
    doubled = {user: n for user, n in prompts.items() if n > 1}
    assert doubled == {}
    assert set(prompts) == {f"U{n:05d}" for n in range(PEOPLE)}


@pytest.mark.parametrize("count", [2, 3])
async def test_replicas_send_a_round_of_1000_each_person_once(cluster: Cluster,
                                                              count: int) -> None:
    await cluster.start(count)
    cluster.request_round()
    await until("everyone prompted", cluster.everyone_prompted, ROUND, cluster.replicas)
    await until("the outbox empty", lambda: set(cluster.outbox_statuses()) == {"sent"}, ROUND,
                cluster.replicas)
    assert_each_once(cluster)
    # Only the leader sent: the followers never started the outbox or the scheduler.
    leader = cluster.leader()
    for replica in cluster.replicas:
        if replica is not leader:
            assert "now the leader" not in replica.read()


async def test_the_leader_killed_mid_round_a_follower_finishes_it(cluster: Cluster) -> None:
    await cluster.start(2)
    first = cluster.leader()
    cluster.request_round()
    await until("the round under way", lambda: len(cluster.prompts()) >= 150, ROUND,
                cluster.replicas)
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    sent_before = len(cluster.prompts())
    assert sent_before < PEOPLE, "the round finished before the kill; nothing was tested"
    await until("a new leader", lambda: cluster.leader_pid() not in {None, first.proc.pid},
                START, cluster.replicas)
    await until("everyone prompted", cluster.everyone_prompted, ROUND, cluster.replicas)
    await until("the outbox empty", lambda: set(cluster.outbox_statuses()) == {"sent"}, ROUND,
                cluster.replicas)
    assert_each_once(cluster)

    def request_statuses() -> list[str]:
        with cluster.admin.connect() as conn:
            return list(conn.execute(text("SELECT status FROM round_requests")).scalars())

    # The new leader records the request as done after its last batch is out, which can
    # be a moment after the outbox is empty.
    await until("the request recorded as done", lambda: request_statuses() == ["done"],
                ROUND, cluster.replicas)


async def test_the_leaders_connection_cut_mid_round_nothing_doubled_or_lost(
        cluster: Cluster) -> None:
    await cluster.start(3)
    first = cluster.leader_pid()
    cluster.request_round()
    await until("the round under way", lambda: len(cluster.prompts()) >= 150, ROUND,
                cluster.replicas)
    with cluster.admin.connect() as conn:
        cut = conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = :name"),
            {"name": f"teampulse leader election, pid {first}"}).scalars().all()
    assert cut == [True]
    # The old leader notices and steps down; a leader (maybe itself again) takes over.
    await until("leadership lost", lambda: any(
        "no longer the leader" in r.read() for r in cluster.replicas), START, cluster.replicas)
    await until("a leader again", lambda: cluster.leader_pid() is not None, START,
                cluster.replicas)
    await until("everyone prompted", cluster.everyone_prompted, ROUND, cluster.replicas)
    await until("the outbox empty", lambda: set(cluster.outbox_statuses()) == {"sent"}, ROUND,
                cluster.replicas)
    assert_each_once(cluster)
    # Every process is still up: losing the connection is not a crash.
    assert all(r.proc.poll() is None for r in cluster.replicas)


async def test_a_follower_records_a_dm_and_the_leader_answers_it(cluster: Cluster) -> None:
    """A Slack event that reaches a follower is answered once, by the leader."""
    import json

    import aiohttp

    from tests.fakes.slack_api import event_callback, sign_request

    big_org(cluster.org, 10)  # no round here: a small org starts faster
    await cluster.start(2)
    leader = cluster.leader()
    follower = next(r for r in cluster.replicas if r is not leader)
    port = next(line.split("127.0.0.1:")[1].split("/")[0]
                for line in follower.read().splitlines() if "HTTP mode" in line)
    body = json.dumps(event_callback({"type": "message", "user": "U00007", "text": "/help",
                                      "channel": "D00007", "channel_type": "im",
                                      "ts": "1700000000.000100"}, event_id="EvF1"))
    now = int(time.time())
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/slack/events", data=body.encode(),
            headers=sign_request("s3cret", body, now)) as resp:
        assert resp.status == 200

    def answered() -> int:
        return sum(1 for c in cluster.fake.calls_for("chat.postMessage")
                   if c.params.get("channel") in {"D00007", "U00007"})

    await until("the answer", lambda: answered() >= 1, 30, cluster.replicas)
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/readyz") as resp:
        assert json.loads(await resp.text())["role"] == "follower"
    assert answered() == 1
