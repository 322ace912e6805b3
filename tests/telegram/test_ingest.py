"""Answers typed quickly in Telegram: queued for the core, each person's kept in order."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Answer
from tests.telegram.conftest import ALICE, LI, TG


async def test_a_burst_of_answers_is_stored_in_each_persons_order(tg: TG) -> None:
    await tg.checkins("alice", "li")
    count = len(tg.handled.events)
    # Both type before the bot has answered anything: the updates arrive together.
    for user, typed in [(ALICE, "52000"), (LI, "61000"), (ALICE, "3"), (LI, "Two new deals"),
                        (ALICE, "Big win")]:
        tg.fake.push_update(tg.fake.private_message(user, typed))
    await tg.handled.wait(count + 5)
    await tg.settle()

    with tg.bot.sessions() as session:
        answers = {(a.round.person.key, a.question_key): a.text_value or a.number_value
                   for a in session.scalars(select(Answer))}
    assert answers == {("alice", "kpi:revenue"): 52000.0, ("alice", "kpi:new_customers"): 3.0,
                       ("alice", "wins"): "Big win", ("li", "kpi:revenue"): 61000.0,
                       ("li", "wins"): "Two new deals"}
    assert "Question 4 of" in tg.shown(ALICE)[-1]
    # Every update was handled once, none twice.
    assert len({e.event_id for e, _ in tg.handled.events[count:]}) == 5
