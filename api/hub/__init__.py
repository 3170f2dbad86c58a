"""Any model on the Hugging Face Hub: on-demand resolution, refresh and bulk sync (see README, "The Hub")."""

from __future__ import annotations

import os

from flask import Flask

HUB_CONFIG_KEYS = ("PEDIGREE_HUB", "PEDIGREE_HUB_ENDPOINT", "HF_ENDPOINT", "HF_TOKEN", "PEDIGREE_HUB_TTL",
                   "PEDIGREE_HUB_TIMEOUT", "PEDIGREE_HUB_REFRESH_TIMEOUT", "PEDIGREE_HUB_MAX_RETRY_WAIT")


def init_app(app: Flask) -> None:
    """Read the Hub settings (app config over the environment); on-demand mode installs the read hook."""
    from api.hub import commands, hooks
    from api.hub.resolver import Resolver
    from api.hub.settings import settings_from_environment

    env = {**os.environ, **{key: str(app.config[key]) for key in HUB_CONFIG_KEYS if app.config.get(key)}}
    settings = settings_from_environment("on-demand", env)
    app.config["HUB_SETTINGS"] = settings
    app.extensions["pedigree.hub.settings"] = settings
    if settings.enabled:
        app.extensions["pedigree.hub"] = Resolver(settings, app.extensions["pedigree.sessionmaker"],
                                                  app.extensions["pedigree.writer_sessionmaker"])
    hooks.register(app)
    app.cli.add_command(commands.hub_cli)
