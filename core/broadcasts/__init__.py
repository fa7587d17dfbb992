"""Broadcasts: one message to many dealers' people, sent through the Telegram sender's rows.

`audience` turns a rule (all dealers, waves, selected dealers, managers, regions, tags, active
or inactive in N days) into recipients; `service` composes, starts, cancels and reports.
"""
