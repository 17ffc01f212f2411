"""Kursbloggen: the course's closed blog, a web application run as a JupyterHub service (or on loopback).

Modules: schema, database (where the data lives, migrations), store (writes) and queries (reads), markdown
(safe HTML), formgrader (the coordinator's gradebook comments), members, digest (the e-mail digest), care
(export, erase, backup), export (the public export after the course), app/pages/moderation/api/identity (the
web application), local (`ensak blog serve`). The HTTP client is ensak.learner.blog_client (a learner's kernel
imports it), the hub's configuration for the service ensak.hub.blog_service.
"""
