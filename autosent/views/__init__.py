"""Views: what a user sees of a search and of a run, from its events and records alone.

`events` (the listener interface), `live` and `plain` (the terminal and piped views), `pace`
(progress and time left), `leaderboard`, `report` (figures and report.md), `markdown` (tables).
"""
