using System.Text;

namespace DxyqOpenData.Api.Federation.Harvest;

/// <summary>
/// The triggers that fill the change feed's log (<c>catalog_changes</c>), per provider, created by the
/// ChangeFeedAndReplicas migration. Database triggers see every write whatever its path (EF SaveChanges, linq2db bulk
/// copy and binary COPY, ExecuteUpdate/ExecuteDelete, imports, demo data, the sensor sink, FK cascades and SET NULL).
/// <para>
/// Order: a trigger takes its sequence numbers by updating the one row of <c>catalog_change_counter</c> inside the
/// writing transaction. That row stays locked until the transaction ends, so a second writer waits, and gets higher
/// numbers only after the first committed: numbers are handed out in commit order and a reader never sees a number
/// whose predecessors are still uncommitted. (SQLite has one writer at a time anyway.)
/// </para>
/// <para>
/// What counts as a change: every insert and delete; an update unless it only moves an instrument's
/// <c>last_seen_at</c> (the sensor heartbeat) — a change of <c>run_state</c> counts. A change of an instrument's
/// <c>is_confidential</c> also logs all its offerings (they enter or leave the public view with it). The log keeps
/// one row per public row (its latest change), so a busy row never floods the feed.
/// </para>
/// </summary>
public static class ChangeFeedSql
{
    private static readonly (string Table, string Set)[] Tables =
        [("instruments", "Instruments"), ("service_offerings", "ServiceOfferings"), ("datasets", "Datasets")];

    /// <summary>Numbers the rows already there (in id order), so a first harvest after the migration gets them all.</summary>
    public static IEnumerable<string> Backfill()
    {
        foreach (var (table, set) in Tables)
        {
            yield return $"""
                INSERT INTO catalog_changes (entity_set, row_id, seq)
                SELECT '{set}', id, (SELECT value FROM catalog_change_counter WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY id) FROM {table};
                """;
            yield return """
                UPDATE catalog_change_counter SET value = (SELECT COALESCE(MAX(seq), 0) FROM catalog_changes) WHERE id = 1;
                """;
        }
    }

    // An instrument's update that is not a catalog change: last_seen_at moved and nothing else the heartbeat touches
    // or a write always sets (updated_at) changed. Used where a trigger cannot compare whole rows (SQLite, SQL Server).
    private const string HeartbeatOnlySqlite =
        "NEW.last_seen_at IS NOT OLD.last_seen_at AND NEW.run_state IS OLD.run_state AND NEW.updated_at IS OLD.updated_at AND NEW.is_confidential IS OLD.is_confidential";

    public static IEnumerable<string> Sqlite()
    {
        // Delete, then insert: not INSERT OR REPLACE, whose conflict policy a foreign key action (SET NULL, CASCADE)
        // firing the trigger overrides with its own ABORT.
        static string Log(string set, string id) => $"""
              UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
              DELETE FROM catalog_changes WHERE entity_set = '{set}' AND row_id = {id};
              INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT '{set}', {id}, value FROM catalog_change_counter WHERE id = 1;
            """;
        foreach (var (table, set) in Tables)
        {
            yield return $"CREATE TRIGGER {table}_changes_insert AFTER INSERT ON {table} BEGIN\n{Log(set, "NEW.id")}END;";
            yield return $"CREATE TRIGGER {table}_changes_delete AFTER DELETE ON {table} BEGIN\n{Log(set, "OLD.id")}END;";
            var when = table == "instruments" ? $" WHEN NOT ({HeartbeatOnlySqlite})" : "";
            yield return $"CREATE TRIGGER {table}_changes_update AFTER UPDATE ON {table}{when} BEGIN\n{Log(set, "NEW.id")}END;";
        }
        yield return """
            CREATE TRIGGER instruments_changes_publish AFTER UPDATE OF is_confidential ON instruments
            WHEN NEW.is_confidential IS NOT OLD.is_confidential BEGIN
              DELETE FROM catalog_changes WHERE entity_set = 'ServiceOfferings' AND row_id IN (SELECT id FROM service_offerings WHERE instrument_id = NEW.id);
              INSERT INTO catalog_changes (entity_set, row_id, seq)
                SELECT 'ServiceOfferings', s.id, (SELECT value FROM catalog_change_counter WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY s.id)
                FROM service_offerings s WHERE s.instrument_id = NEW.id;
              UPDATE catalog_change_counter SET value = value + (SELECT COUNT(*) FROM service_offerings WHERE instrument_id = NEW.id) WHERE id = 1;
            END;
            """;
    }

    public static IEnumerable<string> SqliteDown()
    {
        foreach (var (table, _) in Tables)
        {
            foreach (var op in new[] { "insert", "delete", "update" })
            {
                yield return $"DROP TRIGGER IF EXISTS {table}_changes_{op};";
            }
        }
        yield return "DROP TRIGGER IF EXISTS instruments_changes_publish;";
    }

    /// <summary>
    /// PostgreSQL: statement-level triggers with transition tables (one counter update per statement, however many
    /// rows: a 10,000-row COPY costs one). Updates compare whole rows minus <c>last_seen_at</c>.
    /// </summary>
    public static IEnumerable<string> PostgreSql()
    {
        yield return """
            CREATE FUNCTION catalog_changes_log(p_set text, p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
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
            """;
        yield return """
            CREATE FUNCTION catalog_changes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM catalog_changes_log(TG_ARGV[0], ARRAY(SELECT id FROM new_rows ORDER BY id));
              RETURN NULL;
            END $$;
            """;
        yield return """
            CREATE FUNCTION catalog_changes_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM catalog_changes_log(TG_ARGV[0], ARRAY(SELECT id FROM old_rows ORDER BY id));
              RETURN NULL;
            END $$;
            """;
        yield return """
            CREATE FUNCTION catalog_changes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM catalog_changes_log(TG_ARGV[0], ARRAY(
                SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                WHERE (to_jsonb(n) - 'last_seen_at') IS DISTINCT FROM (to_jsonb(o) - 'last_seen_at')
                ORDER BY n.id));
              IF TG_TABLE_NAME = 'instruments' THEN
                PERFORM catalog_changes_log('ServiceOfferings', ARRAY(
                  SELECT s.id FROM service_offerings s JOIN new_rows n ON s.instrument_id = n.id JOIN old_rows o ON o.id = n.id
                  WHERE n.is_confidential IS DISTINCT FROM o.is_confidential
                  ORDER BY s.id));
              END IF;
              RETURN NULL;
            END $$;
            """;
        foreach (var (table, set) in Tables)
        {
            yield return $"CREATE TRIGGER {table}_changes_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_changes_inserted('{set}');";
            yield return $"CREATE TRIGGER {table}_changes_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_changes_updated('{set}');";
            yield return $"CREATE TRIGGER {table}_changes_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION catalog_changes_deleted('{set}');";
        }
    }

    public static IEnumerable<string> PostgreSqlDown()
    {
        foreach (var (table, _) in Tables)
        {
            foreach (var op in new[] { "insert", "update", "delete" })
            {
                yield return $"DROP TRIGGER IF EXISTS {table}_changes_{op} ON {table};";
            }
        }
        foreach (var function in new[] { "catalog_changes_inserted()", "catalog_changes_deleted()", "catalog_changes_updated()", "catalog_changes_log(text, uuid[])" })
        {
            yield return $"DROP FUNCTION IF EXISTS {function};";
        }
    }

    /// <summary>SQL Server: one AFTER trigger per table over <c>inserted</c>/<c>deleted</c>, one counter update per statement.</summary>
    public static IEnumerable<string> SqlServer()
    {
        foreach (var (table, set) in Tables)
        {
            var changed = table == "instruments"
                ? "d.id IS NULL OR NOT (" +
                  "(i.last_seen_at <> d.last_seen_at OR (i.last_seen_at IS NULL AND d.last_seen_at IS NOT NULL) OR (i.last_seen_at IS NOT NULL AND d.last_seen_at IS NULL))" +
                  " AND i.run_state = d.run_state AND i.updated_at = d.updated_at AND i.is_confidential = d.is_confidential)"
                : "1 = 1";
            var sql = new StringBuilder();
            sql.Append($"""
                CREATE TRIGGER {table}_changes ON {table} AFTER INSERT, UPDATE, DELETE AS
                BEGIN
                  SET NOCOUNT ON;
                  DECLARE @ids TABLE (entity_set nvarchar(32) NOT NULL, id uniqueidentifier NOT NULL, PRIMARY KEY (entity_set, id));
                  INSERT INTO @ids (entity_set, id) SELECT '{set}', i.id FROM inserted i LEFT JOIN deleted d ON d.id = i.id WHERE {changed};
                  INSERT INTO @ids (entity_set, id) SELECT '{set}', d.id FROM deleted d WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.id = d.id);

                """);
            if (table == "instruments")
            {
                sql.Append("""
                      INSERT INTO @ids (entity_set, id) SELECT DISTINCT 'ServiceOfferings', s.id FROM service_offerings s
                        JOIN inserted i ON s.instrument_id = i.id JOIN deleted d ON d.id = i.id WHERE i.is_confidential <> d.is_confidential;

                    """);
            }
            sql.Append("""
                  DECLARE @n bigint = (SELECT COUNT(*) FROM @ids);
                  IF @n = 0 RETURN;
                  DECLARE @base bigint;
                  UPDATE catalog_change_counter SET @base = value, value = value + @n WHERE id = 1;
                  MERGE catalog_changes AS t
                  USING (SELECT entity_set, id, @base + ROW_NUMBER() OVER (ORDER BY entity_set, id) AS seq FROM @ids) AS s
                  ON t.entity_set = s.entity_set AND t.row_id = s.id
                  WHEN MATCHED THEN UPDATE SET seq = s.seq
                  WHEN NOT MATCHED THEN INSERT (entity_set, row_id, seq) VALUES (s.entity_set, s.id, s.seq);
                END
                """);
            yield return sql.ToString();
        }
    }

    public static IEnumerable<string> SqlServerDown()
    {
        foreach (var (table, _) in Tables)
        {
            yield return $"DROP TRIGGER IF EXISTS {table}_changes;";
        }
    }
}
