"""On PostgreSQL, a trigram index answers the books' description search without reading every transaction.

Django writes ``description__icontains`` as ``UPPER(description::text) LIKE UPPER(%s)``; a GIN index of that very
expression with ``gin_trgm_ops`` serves it. ``pg_trgm`` ships with PostgreSQL and is a trusted extension (13 and
later), so the node's own database user may create it. SQLite has its covering index (0002) instead.
"""

from django.db import migrations

INDEX = "book_txn_description_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON books_booktransaction "
        "USING gin ((UPPER(description::text)) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("books", "0002_search_index")]
    operations = [migrations.RunPython(forwards, backwards)]
