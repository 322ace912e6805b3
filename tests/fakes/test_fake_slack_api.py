"""End-to-end tests of FakeSlackAPI with the real slack_sdk / slack_bolt clients (loopback only)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode, urlsplit

import pytest
import pytest_asyncio
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest, AsyncRespond, AsyncSay
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from .slack_api import (
    FakeSlackAPI,
    event_callback,
    events_api_envelope,
    instant_retry_sleeps,
    pin_signature_clock,
    sign_request,
)

pytestmark = pytest.mark.asyncio

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0TEAMPULSE-test"
SIGNING_SECRET = "test-signing-secret"
FROZEN_NOW = 1_700_000_000  # epoch seconds the signature verifier believes it is


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as server:
        server.join("C0GENERAL", "C1")
        # These tests try the fake's own parsing with methods teampulse has no scope for.
        server.scopes = None
        yield server


@pytest.fixture
def client(fake: FakeSlackAPI) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url)


def message_event(text: str, *, user: str = "U0HUMAN", channel: str = "C0GENERAL") -> dict:
    return {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": "1700000000.000100",
        "channel_type": "channel",
        "event_ts": "1700000000.000100",
    }


def signed_request(body: str, timestamp: int = FROZEN_NOW, **headers: str) -> AsyncBoltRequest:
    return AsyncBoltRequest(
        body=body, headers={**sign_request(SIGNING_SECRET, body, timestamp), **headers}
    )


# ---------------------------------------------------------------------- Web API


async def test_chat_post_message_is_recorded(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    resp = await client.chat_postMessage(
        channel="C0GENERAL", text="hello", blocks=[{"type": "divider"}]
    )
    again = await client.chat_postMessage(channel="C0GENERAL", text="again")

    assert resp["ok"] is True
    assert resp["channel"] == "C0GENERAL"
    assert resp["message"]["text"] == "hello"
    assert float(again["ts"]) > float(resp["ts"])
    assert fake.called("chat.postMessage")
    assert fake.call_count("chat.postMessage") == 2
    call = fake.calls_for("chat.postMessage")[0]
    assert call.params == {"channel": "C0GENERAL", "text": "hello", "blocks": [{"type": "divider"}]}
    assert call.json is not None  # chat.postMessage is sent as a JSON body
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.token == BOT_TOKEN


async def test_form_query_and_json_params_are_parsed(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    await client.api_call("custom.formMethod", data={"a": "1", "b": "two"})
    await client.api_call("custom.jsonMethod", json={"n": 3, "nested": {"x": True}})
    info = await client.users_info(user="U0HUMAN")  # GET + query string

    assert fake.last_call("custom.formMethod").params == {"a": "1", "b": "two"}
    assert fake.last_call("custom.jsonMethod").params == {"n": 3, "nested": {"x": True}}
    assert fake.last_call("users.info").http_method == "GET"
    assert info["user"]["id"] == "U0HUMAN"


async def test_default_answers(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    fake.add_user("U0GM", real_name="Grace Manager", tz="Europe/Paris")

    auth = await client.auth_test()
    dm = await client.conversations_open(users="U0GM")
    user = await client.users_info(user="U0GM")
    eph = await client.chat_postEphemeral(channel="C1", user="U0GM", text="psst")
    upd = await client.chat_update(channel="C1", ts="1.2", text="edited")
    view = await client.views_open(trigger_id="123.456", view={"type": "modal", "blocks": []})
    other = await client.reactions_add(channel="C1", timestamp="1.2", name="tada")

    assert auth["user_id"] == fake.bot_user_id
    assert (auth["bot_id"], auth["team_id"]) == (fake.bot_id, fake.team_id)
    assert dm["channel"]["id"] == "D0GM"
    assert user["user"]["real_name"] == "Grace Manager"
    assert user["user"]["tz"] == "Europe/Paris"
    assert eph["message_ts"]
    assert upd["ts"] == "1.2"
    assert view["view"]["type"] == "modal"
    assert view["view"]["id"].startswith("V")
    assert other["ok"] is True


async def test_missing_token_and_scripted_errors(fake: FakeSlackAPI) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)
    with pytest.raises(SlackApiError) as not_authed:
        await anonymous.chat_postMessage(channel="C1", text="x")
    assert not_authed.value.response["error"] == "not_authed"

    client = fake.client(BOT_TOKEN)
    fake.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as failed:
        await client.chat_postMessage(channel="C404", text="x")
    assert failed.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"] is True

    fake.add_response("users.info", {"ok": True, "user": {"id": "U1", "name": "custom"}}, times=2)
    names = [(await client.users_info(user="U1"))["user"]["name"] for _ in range(3)]
    assert names == ["custom", "custom", "u1"]


async def test_rate_limited_call_is_retried(fake: FakeSlackAPI) -> None:
    retry = AsyncRateLimitErrorRetryHandler(max_retry_count=1)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url, retry_handlers=[retry])
    fake.rate_limit("chat.postMessage", retry_after=1)

    with instant_retry_sleeps() as sleeps:
        resp = await client.chat_postMessage(channel="C0GENERAL", text="eventually")

    assert resp["ok"] is True
    assert fake.call_count("chat.postMessage") == 2
    first, second = fake.calls_for("chat.postMessage")
    assert first.params == second.params
    # The handler asked for int(Retry-After) + random() seconds; no wall clock was spent.
    assert len(sleeps) == 1
    assert 1 <= sleeps[0] < 2


async def test_rate_limit_without_retry_handler_raises(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=30)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "30"


async def test_files_upload_v2_end_to_end(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    resp = await client.files_upload_v2(
        channel="C0GENERAL",
        filename="pulse.csv",
        content="week,score\n1,4\n",
        title="Weekly pulse",
        initial_comment="Here you go",
    )

    assert fake.methods_called() == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    url_call = fake.last_call("files.getUploadURLExternal")
    assert url_call.params["filename"] == "pulse.csv"
    assert url_call.params["length"] == "15"
    file_id = resp["file"]["id"]
    assert fake.uploads[file_id].data == b"week,score\n1,4\n"
    assert resp["file"]["title"] == "Weekly pulse"
    assert resp["file"]["channels"] == ["C0GENERAL"]
    complete = fake.last_call("files.completeUploadExternal")
    assert complete.params["channel_id"] == "C0GENERAL"
    assert complete.params["initial_comment"] == "Here you go"
    assert json.loads(complete.params["files"]) == [{"id": file_id, "title": "Weekly pulse"}]


# ---------------------------------------------------------------------- bolt, HTTP mode


async def test_bolt_http_event_reply_is_recorded(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)
    pin_signature_clock(app, FROZEN_NOW)

    @app.message("hello")
    async def greet(message: dict, say: AsyncSay) -> None:
        await say(text=f"Hi <@{message['user']}>!", thread_ts=message["ts"])

    body = json.dumps(event_callback(message_event("hello bot")))
    resp = await app.async_dispatch(signed_request(body))

    assert resp.status == 200  # auto-acked before the listener ran (process_before_response=False)
    call = await fake.wait_for_call("chat.postMessage")
    assert call.params["channel"] == "C0GENERAL"
    assert call.params["text"] == "Hi <@U0HUMAN>!"
    assert call.params["thread_ts"] == "1700000000.000100"
    assert call.token == BOT_TOKEN
    assert fake.call_count("auth.test") == 1  # AsyncSingleTeamAuthorization, cached afterwards

    # Bolt does not drop Slack retries by default: the listener runs again.
    retry = signed_request(body, **{"x-slack-retry-num": "1", "x-slack-retry-reason": "timeout"})
    assert (await app.async_dispatch(retry)).status == 200
    await fake.wait_for_call("chat.postMessage", count=2)
    assert fake.call_count("auth.test") == 1


async def test_bolt_rejects_bad_or_stale_signatures(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)
    pin_signature_clock(app, FROZEN_NOW)
    body = json.dumps(event_callback(message_event("hello")))

    stale = await app.async_dispatch(signed_request(body, timestamp=FROZEN_NOW - 301))
    forged = await app.async_dispatch(
        AsyncBoltRequest(body=body, headers=sign_request("wrong-secret", body, FROZEN_NOW))
    )

    assert (stale.status, forged.status) == (401, 401)
    assert fake.calls == []  # verification runs before authorization (auth.test)


async def test_bolt_command_ack_and_lazy_listener(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET, process_before_response=True)
    pin_signature_clock(app, FROZEN_NOW)

    async def ack_fast(ack: AsyncAck) -> None:
        await ack("working on it")

    async def do_work(body: dict, respond: AsyncRespond, client: AsyncWebClient) -> None:
        await client.chat_postMessage(channel=body["user_id"], text="pulse report")
        await respond("done")

    app.command("/pulse")(ack=ack_fast, lazy=[do_work])
    form = urlencode(
        {
            "command": "/pulse",
            "text": "",
            "user_id": "U0GM",
            "channel_id": "C0GENERAL",
            "team_id": fake.team_id,
            "trigger_id": "1.2.3",
            "response_url": fake.response_url("cmd-1"),
        }
    )
    resp = await app.async_dispatch(signed_request(form))

    assert resp.status == 200
    assert resp.body == "working on it"
    posted = await fake.wait_for_call("chat.postMessage")
    assert posted.params["channel"] == "U0GM"
    responded = await fake.wait_for_call("response_url")
    assert responded.path == urlsplit(fake.response_url("cmd-1")).path
    assert responded.path.startswith(f"/commands/{fake.team_id}/")  # as Slack's looks
    assert responded.params["text"] == "done"


# ---------------------------------------------------------------------- bolt, Socket Mode


async def test_bolt_socket_mode_round_trip(fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    app = AsyncApp(client=client)

    @app.event("app_mention")
    async def on_mention(event: dict, say: AsyncSay) -> None:
        await say(f"pong <@{event['user']}>")

    handler = AsyncSocketModeHandler(app, app_token=APP_TOKEN)  # must be built inside the loop
    try:
        await handler.connect_async()
        opened = fake.last_call("apps.connections.open")
        assert opened.token == APP_TOKEN

        mention = {
            "type": "app_mention",
            "user": "U0HUMAN",
            "text": "<@U0BOTUSER> ping",
            "channel": "C0GENERAL",
            "ts": "1700000000.000200",
            "event_ts": "1700000000.000200",
        }
        envelope_id = await fake.socket_send(events_api_envelope(mention))
        assert envelope_id is not None
        ack = await fake.wait_for_ack(envelope_id)
        assert ack == {"envelope_id": envelope_id}

        call = await fake.wait_for_call("chat.postMessage")
        assert call.params["channel"] == "C0GENERAL"
        assert call.params["text"] == "pong <@U0HUMAN>"
        assert call.token == BOT_TOKEN
        assert fake.socket_messages[0] == ack

        # Slack's "disconnect" frame makes slack_sdk fetch a new URL and reconnect.
        await fake.socket_disconnect()
        await fake.wait_for_socket_connection(count=2)
        await fake.wait_for_call("apps.connections.open", count=2)
        second_id = await fake.push_event({**mention, "text": "<@U0BOTUSER> again"})
        await fake.wait_for_ack(second_id)
        await fake.wait_for_call("chat.postMessage", count=2)
    finally:
        await handler.close_async()


async def test_socket_mode_rejects_bot_token_for_connections_open(fake: FakeSlackAPI) -> None:
    with pytest.raises(SlackApiError) as err:
        await fake.client(BOT_TOKEN).apps_connections_open(app_token=BOT_TOKEN)
    assert err.value.response["error"] == "not_allowed_token_type"


async def test_history_keeps_posts_with_metadata_by_window_and_page(fake: FakeSlackAPI) -> None:
    client = fake.client()
    times = iter([1000.0, 2000.0, 3000.0])
    fake.clock = lambda: next(times)
    for n in range(3):
        await client.chat_postMessage(channel="U0ALICE", text=f"m{n}", metadata={
            "event_type": "probe", "event_payload": {"n": n}})
    with pytest.raises(SlackApiError):  # history wants the DM's id, not the user's
        await client.conversations_history(channel="U0ALICE")
    plain = await client.conversations_history(channel="D0ALICE")
    assert [m["text"] for m in plain["messages"]] == ["m2", "m1", "m0"]  # newest first
    assert "metadata" not in plain["messages"][0]
    window = await client.conversations_history(channel="D0ALICE", oldest="1000.5",
                                                latest="2000.5", include_all_metadata=True)
    assert [m["metadata"]["event_payload"]["n"] for m in window["messages"]] == [1]
    first = await client.conversations_history(channel="D0ALICE", limit=2)
    rest = await client.conversations_history(
        channel="D0ALICE", limit=2, cursor=first["response_metadata"]["next_cursor"])
    assert [m["text"] for m in first["messages"] + rest["messages"]] == ["m2", "m1", "m0"]
    assert rest["response_metadata"]["next_cursor"] == ""


async def test_drop_after_accepting_posts_but_never_answers(fake: FakeSlackAPI) -> None:
    import aiohttp

    fake.drop_after_accepting("chat.postMessage")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await fake.client(retry_handlers=[]).chat_postMessage(channel="C0GENERAL",
                                                              text="landed")
    assert [m["text"] for m in fake.posted("C0GENERAL")] == ["landed"]


async def test_posts_where_the_bot_is_no_member_are_refused_as_slack_refuses_them(
        fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as public:
        await client.chat_postMessage(channel="C0RANDOM", text="x")
    assert public.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as private:
        await client.chat_postMessage(channel="G0SECRET", text="x")
    assert private.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as ephemeral:
        await client.chat_postEphemeral(channel="C0RANDOM", user="U0GM", text="x")
    assert ephemeral.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="U0GM", text="a DM"))["ok"] is True
    fake.join("C0RANDOM")
    assert (await client.chat_postMessage(channel="C0RANDOM", text="invited"))["ok"] is True


async def test_blocks_over_block_kit_limits_are_refused_as_invalid_blocks(
        client: AsyncWebClient) -> None:
    button = {"type": "button", "action_id": "a", "value": "v",
              "text": {"type": "plain_text", "text": "x" * 76}}
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C0GENERAL", text="pick", blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}},
            {"type": "actions", "elements": [button]}])
    assert refused.value.response["error"] == "invalid_blocks"
    assert refused.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be between 1 and 3000 characters [json-pointer:/blocks/0/text/text]",
        "[ERROR] must be between 1 and 75 characters "
        "[json-pointer:/blocks/1/elements/0/text/text]"]
    assert (await client.chat_postMessage(channel="C0GENERAL", text="pick", blocks=[
        {"type": "actions", "elements": [{**button, "text": {"type": "plain_text",
                                                            "text": "x" * 75}}]}]))["ok"]


async def test_the_app_is_no_member_of_a_dm_between_people(
        fake: FakeSlackAPI, client: AsyncWebClient) -> None:
    shared = fake.dm_between("U0ALICE", "U0BOB")
    for method, args in (("chat_postMessage", {"text": "hi"}),
                         ("chat_postEphemeral", {"text": "hi", "user": "U0ALICE"}),
                         ("conversations_history", {})):
        with pytest.raises(SlackApiError) as err:
            await getattr(client, method)(channel=shared, **args)
        assert err.value.response["error"] == "channel_not_found"
    opened = await client.conversations_open(users="U0ALICE")
    assert opened["channel"]["id"] != shared  # the app's own DM with Alice
    assert (await client.chat_postMessage(channel=opened["channel"]["id"], text="hi"))["ok"]


async def test_a_method_the_installed_scopes_do_not_cover_is_missing_scope() -> None:
    """By default the fake grants slack-manifest.yaml's scopes, and refuses what they do
    not cover as Slack does; history reads need the scope of the conversation's kind."""
    async with FakeSlackAPI() as server:
        client = server.client()
        with pytest.raises(SlackApiError) as err:
            await client.users_info(user="U0GM")
        assert err.value.response["error"] == "missing_scope"
        assert err.value.response["needed"] == "users:read"
        server.join("C0GENERAL")
        server.scopes = frozenset({"chat:write", "channels:history"})
        await client.conversations_history(channel="C0GENERAL")
        with pytest.raises(SlackApiError) as err:
            await client.conversations_history(channel="U0GM")  # their DM with the app
        assert err.value.response["needed"] == "im:history"
