using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.SqlServer
{
    /// <summary>
    /// Instants in one stored form (docs/data-model.md, "Money and time"): to the microsecond. <c>datetime2</c> kept
    /// the 100 ns digit, which the node now drops from every value it writes and compares with: it is dropped here too.
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
                    migrationBuilder.Sql(
                        $"UPDATE [{table}] SET [{column}] = DATEADD(NANOSECOND, -(DATEPART(NANOSECOND, [{column}]) % 1000), [{column}]) " +
                        $"WHERE DATEPART(NANOSECOND, [{column}]) % 1000 <> 0;");
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
