"""Jinja2 templates for every user-facing text, one folder per locale (en, zh-CN)."""
