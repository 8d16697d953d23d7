"""Accessors for what the app factory put on the Flask app (store, settings)."""

from __future__ import annotations

from flask import Flask, current_app

from service.config import Settings
from service.store.base import Store

STORE_KEY = "cpkg.store"
SETTINGS_KEY = "cpkg.settings"


def get_store(app: Flask | None = None) -> Store:
    """The app's Store (inside a request, or given the app)."""
    return (app or current_app).extensions[STORE_KEY]


def get_settings(app: Flask | None = None) -> Settings:
    """The app's Settings."""
    return (app or current_app).extensions[SETTINGS_KEY]
