"""A throwaway PostgreSQL database per benchmark, next to the one DATABASE_URL names."""

import environ
import psycopg


def bench_database(suffix):
    base = environ.Env().db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hotpapers")
    host, port, user = base["HOST"] or "127.0.0.1", base["PORT"] or 5432, base["USER"]
    return {"name": f"{base['NAME']}_{suffix}", "host": host, "port": port, "user": user}


def _admin(db):
    return psycopg.connect(host=db["host"], port=db["port"], user=db["user"], dbname="postgres", autocommit=True)


def create_database(db):
    with _admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["name"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db["name"]}"')


def drop_database(db):
    from django.db import connections

    connections.close_all()
    with _admin(db) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["name"]}" WITH (FORCE)')
