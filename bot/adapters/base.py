"""The outbound interface every platform implements, and the errors it may raise."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.events import OutboundMessage, SendResult, Target

if TYPE_CHECKING:
    from bot.org import Org

#: What /readyz shows for a platform while it refuses teampulse's token (the bot token; for
#: Slack in Socket Mode the app-level token too): 503 until a call succeeds again.
TOKEN_REFUSED_STATE = "token_refused"


class DeliveryError(Exception):
    """A send failed; `permanent` says whether retrying can ever help.

    `maybe_delivered` says the request may have reached the platform all the same (the
    connection broke after it was sent): the outbox then looks the message up, where the
    platform allows, before sending it again. `by_recipient` (with `permanent`) says the
    recipient refused it (a person who blocked the bot or never started a chat with it):
    theirs to undo, so a note standing in for it may tell them how (bot.events.REFUSED).
    """

    def __init__(self, message: str, *, permanent: bool = False,
                 maybe_delivered: bool = False, by_recipient: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.maybe_delivered = maybe_delivered
        self.by_recipient = by_recipient


class RetryLater(DeliveryError):
    """The platform asked us to wait (HTTP 429 / Telegram RetryAfter)."""

    def __init__(self, seconds: float, message: str = "rate limited") -> None:
        super().__init__(f"{message}; retry after {seconds:g}s")
        self.seconds = seconds


class NotRunning(RetryLater):
    """The adapter is not connected (not started yet, or stopping): the message waits in
    the outbox for it. No rate limit: the platform was not asked."""


@dataclass(frozen=True)
class Pacing:
    """A platform's sending limits: seconds between messages to one chat, and overall."""

    per_chat: float = 0.0
    per_group: float = 0.0
    overall: float = 0.0


class Adapter(ABC):
    """One chat platform, as the core sees it.

    `markup` names how templates are escaped for it: 'plain', 'slack' (mrkdwn) or
    'telegram' (HTML). `supports_ephemeral` says whether a private reply can be
    shown inside a shared channel (Slack) instead of moving to a DM.
    """

    platform: str
    markup: str
    supports_ephemeral: bool = False
    pacing: Pacing = Pacing()

    def org_changed(self, org: Org) -> None:
        """The org file was reloaded: drop what was kept from the old org (names, locales)."""
        del org  # most adapters keep nothing of it

    async def check(self) -> None:  # noqa: B027 (most adapters have nothing to check)
        """Check the credentials without starting (a replica that waits as standby):
        raise ConfigError if the platform rejects them. Nothing to check by default."""

    @abstractmethod
    async def send_dm(self, user_ref: str, message: OutboundMessage) -> SendResult:
        """Send a private message to one person (by platform user id)."""

    @abstractmethod
    async def post_to_channel(self, channel: str, message: OutboundMessage) -> SendResult:
        """Post to a channel or group chat."""

    @abstractmethod
    async def reply_in_thread(
        self, channel: str, thread_id: str, message: OutboundMessage
    ) -> SendResult:
        """Reply in a thread (platforms without threads reply to the message)."""

    async def send_ephemeral(
        self, channel: str, user_ref: str, message: OutboundMessage
    ) -> SendResult:
        """Show a message only to one person inside a channel (where supported)."""
        return await self.send_dm(user_ref, message)

    @abstractmethod
    async def upload_image(self, target: Target, image: bytes, filename: str,
                           caption: str) -> SendResult:
        """Upload an image (a chart, say) with a caption."""

    async def edit_message(self, target: Target, external_id: str,
                           message: OutboundMessage) -> SendResult:
        """Show `message` in place of the bot's message `external_id` at `target`. A
        platform that cannot edit says it anew, in the same place."""
        return await self.deliver(target, replace(message, replaces=None))

    async def delete_message(self, target: Target, external_id: str) -> SendResult:
        """Delete the bot's message `external_id` at `target` (none: nothing to do)."""
        del target, external_id
        return SendResult()

    async def deliver(self, target: Target, message: OutboundMessage) -> SendResult:
        """Send a message to a target (or edit or delete one sent before: see
        OutboundMessage.replaces); the outbox calls this."""
        if message.replaces is not None:
            if message.deletes:
                return await self.delete_message(target, message.replaces)
            return await self.edit_message(target, message.replaces, message)
        if message.image is not None:
            return await self.upload_image(
                target, message.image, message.image_name or "image.png", message.text
            )
        if target.kind == "dm":
            return await self.send_dm(target.address, message)
        if target.kind == "thread" and target.thread_id:
            return await self.reply_in_thread(target.address, target.thread_id, message)
        if target.kind == "ephemeral" and target.user_ref:
            return await self.send_ephemeral(target.address, target.user_ref, message)
        return await self.post_to_channel(target.address, message)

    def can_find_delivered(self, target: Target, message: OutboundMessage) -> bool:
        """Whether `find_delivered` can tell if this message already reached the platform.

        Platforms without a way to look a sent message up (Telegram) say no: after a
        crash mid-send the outbox sends such a message again (at most one extra copy).
        """
        return False

    async def find_delivered(self, target: Target, message: OutboundMessage,
                             since: datetime) -> SendResult | None:
        """The message tagged with `message.outbox_id` if the platform has it, else None.

        `since` is when the send began. Raises DeliveryError when the platform cannot
        be asked now (the outbox asks again later rather than resending blindly).
        """
        raise NotImplementedError(f"{self.platform} cannot look sent messages up")

    def is_group_address(self, address: str) -> bool:
        """Whether an address is a group chat (for pacing); platforms override."""
        return False

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect and start receiving events."""

    async def stop(self) -> None:  # noqa: B027 - optional hook
        """Disconnect."""
