"""Feature logic: plain functions over a Context. No platform SDK is imported here."""
