"""A queryset rule (a Q on a model's own columns) written as SQL, for hand-written statements.

Statements Django cannot express keep the rules in one place this way: the Q a queryset method
filters by (DigestEntryQuerySet.shown_q, TweetQuerySet.visible_q, ...) compiled for a table alias.
"""

from django.db import connection
from django.db.models.sql import Query


def rule_sql(model, q, alias):
    """(SQL, params) of `q` on `alias`, a name the statement gives the model's table."""
    query = Query(model)
    sql, params = query.build_where(q).as_sql(query.get_compiler(connection=connection), connection)
    return sql.replace(connection.ops.quote_name(model._meta.db_table), alias), list(params)
