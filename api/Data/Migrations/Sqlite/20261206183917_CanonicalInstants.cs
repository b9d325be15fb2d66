using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.Sqlite
{
    /// <summary>
    /// Instants in one stored form (docs/data-model.md, "Money and time"): EF's text, <c>yyyy-MM-dd HH:mm:ss.FFFFFF</c>.
    /// Rows written by linq2db's bulk copy (the demo loader) hold <c>…:ss.fff</c> (<c>…:00.000</c>), EF wrote seven
    /// fraction digits: the fraction is cut to six digits, its trailing zeros and a bare point dropped.
    /// </summary>
    public partial class CanonicalInstants : Migration
    {
        /// <summary>Every instant column of the schema at this migration.</summary>
        private static readonly (string Table, string[] Columns)[] Instants =
        [
            ("alerts", ["explained_at", "raised_at", "resolved_at"]),
            ("leases", ["acquired_at", "expires_at"]),
            ("calendar_years", ["updated_at"]),
            ("datasets", ["updated_at"]),
            ("node_settings", ["created_at"]),
            ("replica_cursors", ["harvested_at", "updated_at"]),
            ("replica_datasets", ["updated_at"]),
            ("replica_instruments", ["last_seen_at", "onboarded_at", "sensor_installed_at", "service_info_completed_at", "updated_at"]),
            ("replica_service_offerings", ["updated_at"]),
            ("imports", ["completed_at", "created_at"]),
            ("instruments", ["last_seen_at", "onboarded_at", "sensor_installed_at", "service_info_completed_at", "updated_at"]),
            ("idempotency_keys", ["completed_at", "created_at"]),
            ("signing_keys", ["created_at", "retired_at"]),
            ("sensors", ["commissioned_at", "installed_at", "last_seen_at", "updated_at"]),
            ("sensor_dead_letters", ["received_at"]),
            ("sensor_readings", ["ts"]),
            ("service_offerings", ["updated_at"]),
            ("service_records", ["ended_at", "started_at", "updated_at"]),
            ("units", ["updated_at"]),
            ("usage_sessions", ["ended_at", "started_at"]),
            ("openiddict_authorizations", ["creation_date"]),
            ("openiddict_tokens", ["creation_date", "expiration_date", "redemption_date"]),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, columns) in Instants)
            {
                foreach (var column in columns)
                {
                    var canonical = $"rtrim(rtrim(substr(\"{column}\", 1, 26), '0'), '.')";
                    migrationBuilder.Sql(
                        $"UPDATE \"{table}\" SET \"{column}\" = {canonical} WHERE instr(\"{column}\", '.') > 0 AND \"{column}\" <> {canonical};");
                }
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The old forms named the same instants: nothing to undo.
        }
    }
}
