"""Channels: each one package exposing one object that keeps the contract in ``base.Channel``.

A channel turns its provider's raw events into ``Inbound`` messages and renders
``Outcome``s for its medium, cut to its provider's limits (declared once, in its
package, from the provider library's constants where it has them); it knows
nothing of flows. ``registry`` builds the configured ones; ``retry`` is the one
retry policy for calls to a provider.
"""
