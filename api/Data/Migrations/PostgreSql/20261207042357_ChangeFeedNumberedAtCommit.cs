using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <summary>
    /// The change feed numbers a transaction's changes when it commits (a deferred constraint trigger), no longer at
    /// its first catalog write: the counter's row lock is then held for the commit alone, not across the writer's
    /// round trips to its node, which had serialized every catalog writer on them (docs/federation.md, "Change feed").
    /// </summary>
    public partial class ChangeFeedNumberedAtCommit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A statement's changed ids wait here until their transaction commits; the row is deleted when numbered.
            migrationBuilder.Sql("""
                CREATE TABLE catalog_changes_pending (
                  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  entity_set text NOT NULL,
                  ids uuid[] NOT NULL);
                """);
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION catalog_changes_log(p_set text, p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                  IF COALESCE(array_length(p_ids, 1), 0) = 0 THEN RETURN; END IF;
                  INSERT INTO catalog_changes_pending (entity_set, ids) VALUES (p_set, p_ids);
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION catalog_changes_number() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                  n bigint := array_length(NEW.ids, 1);
                  base bigint;
                BEGIN
                  UPDATE catalog_change_counter c SET value = c.value + n WHERE c.id = 1 RETURNING c.value - n INTO base;
                  INSERT INTO catalog_changes AS l (entity_set, row_id, seq)
                  SELECT NEW.entity_set, t.row_id, base + t.ord FROM unnest(NEW.ids) WITH ORDINALITY AS t(row_id, ord)
                  ON CONFLICT (entity_set, row_id) DO UPDATE SET seq = excluded.seq;
                  DELETE FROM catalog_changes_pending WHERE id = NEW.id;
                  RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE CONSTRAINT TRIGGER catalog_changes_pending_number AFTER INSERT ON catalog_changes_pending
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_changes_number();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION catalog_changes_log(p_set text, p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                  n bigint := COALESCE(array_length(p_ids, 1), 0);
                  base bigint;
                BEGIN
                  IF n = 0 THEN RETURN; END IF;
                  UPDATE catalog_change_counter c SET value = c.value + n WHERE c.id = 1 RETURNING c.value - n INTO base;
                  INSERT INTO catalog_changes AS l (entity_set, row_id, seq)
                  SELECT p_set, t.row_id, base + t.ord FROM unnest(p_ids) WITH ORDINALITY AS t(row_id, ord)
                  ON CONFLICT (entity_set, row_id) DO UPDATE SET seq = excluded.seq;
                END $$;
                """);
            migrationBuilder.Sql("DROP TABLE catalog_changes_pending;");
            migrationBuilder.Sql("DROP FUNCTION catalog_changes_number();");
        }
    }
}
