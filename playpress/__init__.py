"""Playpress: community playbooks in Markdown, compiled into SOP calendars, texts, posters and
handbooks."""

__version__ = "0.1.0"
