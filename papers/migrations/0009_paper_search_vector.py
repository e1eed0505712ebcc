"""Full-text search: papers_paper.search_vector (title A, author names B, abstract C) with a GIN index.

PostgreSQL only (SQLite searches with icontains). Not a model field: search reads it through
papers.search.SearchVectorColumn, so no other query carries its bytes.

Triggers keep it right whatever writes the rows (the ORM, the admin, papers_upsert's COPY):
- papers_paper, BEFORE INSERT OR UPDATE OF title, abstract, per row;
- papers_authorship, AFTER INSERT/UPDATE/DELETE, per statement (transition tables: one UPDATE
  of the touched papers however many authorships a bulk insert wrote);
- papers_author, AFTER UPDATE, per statement, for the papers of authors whose name changed.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE papers_paper ADD COLUMN search_vector tsvector;

CREATE FUNCTION papers_paper_search_document(p_id bigint, p_title text, p_abstract text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', coalesce(p_title, '')), 'A')
        || setweight(to_tsvector('english', coalesce((
               SELECT string_agg(author.name, ' ' ORDER BY authorship.position)
               FROM papers_authorship authorship JOIN papers_author author ON author.id = authorship.author_id
               WHERE authorship.paper_id = p_id), '')), 'B')
        || setweight(to_tsvector('english', coalesce(p_abstract, '')), 'C')
$$;

CREATE FUNCTION papers_paper_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := papers_paper_search_document(NEW.id, NEW.title, NEW.abstract);
    RETURN NEW;
END
$$;

CREATE TRIGGER papers_paper_search_row BEFORE INSERT OR UPDATE OF title, abstract ON papers_paper
    FOR EACH ROW EXECUTE FUNCTION papers_paper_search_row();

CREATE FUNCTION papers_authorship_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE papers_paper paper SET search_vector = papers_paper_search_document(paper.id, paper.title, paper.abstract)
        WHERE paper.id IN (SELECT paper_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE papers_paper paper SET search_vector = papers_paper_search_document(paper.id, paper.title, paper.abstract)
        WHERE paper.id IN (SELECT paper_id FROM old_rows);
    ELSE
        UPDATE papers_paper paper SET search_vector = papers_paper_search_document(paper.id, paper.title, paper.abstract)
        WHERE paper.id IN (SELECT paper_id FROM old_rows UNION SELECT paper_id FROM new_rows);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER papers_authorship_search_insert AFTER INSERT ON papers_authorship
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_authorship_search();
CREATE TRIGGER papers_authorship_search_update AFTER UPDATE ON papers_authorship
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_authorship_search();
CREATE TRIGGER papers_authorship_search_delete AFTER DELETE ON papers_authorship
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_authorship_search();

CREATE FUNCTION papers_author_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE papers_paper paper SET search_vector = papers_paper_search_document(paper.id, paper.title, paper.abstract)
    WHERE paper.id IN (
        SELECT authorship.paper_id FROM papers_authorship authorship
        JOIN new_rows ON new_rows.id = authorship.author_id
        JOIN old_rows ON old_rows.id = new_rows.id
        WHERE old_rows.name IS DISTINCT FROM new_rows.name);
    RETURN NULL;
END
$$;

CREATE TRIGGER papers_author_search_update AFTER UPDATE ON papers_author
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_author_search();

UPDATE papers_paper SET search_vector = papers_paper_search_document(id, title, abstract);

CREATE INDEX papers_paper_search_vector_gin ON papers_paper USING gin (search_vector);
"""

BACKWARD = """
DROP TRIGGER IF EXISTS papers_author_search_update ON papers_author;
DROP TRIGGER IF EXISTS papers_authorship_search_insert ON papers_authorship;
DROP TRIGGER IF EXISTS papers_authorship_search_update ON papers_authorship;
DROP TRIGGER IF EXISTS papers_authorship_search_delete ON papers_authorship;
DROP TRIGGER IF EXISTS papers_paper_search_row ON papers_paper;
DROP FUNCTION IF EXISTS papers_author_search();
DROP FUNCTION IF EXISTS papers_authorship_search();
DROP FUNCTION IF EXISTS papers_paper_search_row();
DROP FUNCTION IF EXISTS papers_paper_search_document(bigint, text, text);
ALTER TABLE papers_paper DROP COLUMN IF EXISTS search_vector;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("papers", "0008_paper_announced_on")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
