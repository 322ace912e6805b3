"""teampulse: the chat bot core (config, org, router, outbox, scheduler, adapters)."""

__version__ = "0.1.0"
