"""Channels: each turns its raw events into ``Inbound`` messages and renders ``Outcome``s.

Every channel module has the same small shape (see ``base.Channel``) and knows
nothing of flows.
"""
