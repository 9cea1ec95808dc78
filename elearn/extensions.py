"""Flask extensions, created once here and bound to an app in :func:`elearn.create_app`."""
from __future__ import annotations

import logging

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations get stable constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, except that :func:`elearn.database.init_app` may swap the engine a
    transaction uses (on PostgreSQL, read-only requests read in autocommit)."""

    #: Given the engine a statement would use (and the statement), the one it uses instead.
    bind_for = staticmethod(lambda bind, clause: bind)

    def get_bind(self, mapper=None, clause=None, **kwargs):
        return self.bind_for(super().get_bind(mapper, clause, **kwargs), clause)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
# Its warnings (the store does not answer, limits counted in memory) go to the app's log; its own logger
# has only a NullHandler, so without a logging configuration (gunicorn sets none) they reach no log.
limiter.logger = logging.getLogger("elearn.ratelimit")
