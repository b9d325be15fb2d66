using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class SensorReadingsRollupsDeadLetters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "instrument_daily_usage",
                columns: table => new
                {
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    running_hours = table.Column<double>(type: "float", nullable: false),
                    readings = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instrument_daily_usage", x => new { x.instrument_id, x.day });
                });

            migrationBuilder.CreateTable(
                name: "sensor_dead_letters",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    topic = table.Column<string>(type: "nvarchar(512)", maxLength: 512, nullable: false),
                    payload = table.Column<byte[]>(type: "varbinary(max)", nullable: false),
                    reason = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    detail = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    received_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sensor_dead_letters", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sensor_readings",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    sensor_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    ts = table.Column<DateTime>(type: "datetime2", nullable: false),
                    state = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    power_w = table.Column<double>(type: "float", nullable: true),
                    seq = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sensor_readings", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_instrument_daily_usage_day",
                table: "instrument_daily_usage",
                column: "day");

            migrationBuilder.CreateIndex(
                name: "ix_sensor_dead_letters_received_at",
                table: "sensor_dead_letters",
                column: "received_at");

            migrationBuilder.CreateIndex(
                name: "ix_sensor_readings_sensor_id_ts",
                table: "sensor_readings",
                columns: new[] { "sensor_id", "ts" });

            migrationBuilder.CreateIndex(
                name: "ix_sensor_readings_ts",
                table: "sensor_readings",
                column: "ts");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instrument_daily_usage");

            migrationBuilder.DropTable(
                name: "sensor_dead_letters");

            migrationBuilder.DropTable(
                name: "sensor_readings");
        }
    }
}
