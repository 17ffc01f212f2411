"""Kursbloggen: the course's closed blog, a web application run as a JupyterHub service (or on loopback).

Rooms: schema, database (where the data lives, migrations), store (writes) and queries (reads), markdown
(safe HTML), formgrader (the coordinator's gradebook comments), members, digest (the e-mail digest), care
(export, erase, backup), export (the public export after the course), app/pages/moderation/api/identity (the
web application), local (`ensak blog serve`), client (the HTTP client the demo and the widget use).
This module imports nothing heavy: a learner's kernel imports the client alone.
"""
