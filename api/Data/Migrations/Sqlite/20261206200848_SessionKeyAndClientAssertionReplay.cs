using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionKeyAndClientAssertionReplay : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "used_client_assertions",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    jti = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_used_client_assertions", x => new { x.client_id, x.jti });
                });

            // A run is one row from now on (a unique index below). Before, the bridge added a second row for a run it
            // closed when the first had another id (the demo's open sessions), and closed some before they began: keep
            // one row per run (a closed one over an open one, else the lowest id) and no negative hours.
            migrationBuilder.Sql("""
                DELETE FROM usage_sessions
                WHERE sensor_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM usage_sessions o
                    WHERE o.sensor_id = usage_sessions.sensor_id AND o.started_at = usage_sessions.started_at AND o.id <> usage_sessions.id
                      AND ((o.end_reason <> 'open' AND usage_sessions.end_reason = 'open')
                        OR (((o.end_reason = 'open' AND usage_sessions.end_reason = 'open') OR (o.end_reason <> 'open' AND usage_sessions.end_reason <> 'open'))
                            AND o.id < usage_sessions.id)))
                """);
            migrationBuilder.Sql("UPDATE usage_sessions SET hours = 0, ended_at = started_at WHERE hours < 0");

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_sensor_id_started_at",
                table: "usage_sessions",
                columns: new[] { "sensor_id", "started_at" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_used_client_assertions_expires_at",
                table: "used_client_assertions",
                column: "expires_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "used_client_assertions");

            migrationBuilder.DropIndex(
                name: "ix_usage_sessions_sensor_id_started_at",
                table: "usage_sessions");
        }
    }
}
