using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class Supervision : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_alerts_instrument_id_kind",
                table: "alerts");

            migrationBuilder.AddColumn<bool>(
                name: "onboarding_due_provisional",
                table: "replica_instruments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "onboarding_late_days",
                table: "replica_instruments",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "rated_hours_per_year",
                table: "replica_instruments",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "sensor_due_provisional",
                table: "replica_instruments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "onboarding_due_provisional",
                table: "instruments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "onboarding_late_days",
                table: "instruments",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "rated_hours_per_year",
                table: "instruments",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "sensor_due_provisional",
                table: "instruments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "cleared_by",
                table: "alerts",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "explained_at",
                table: "alerts",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "explanation_reason",
                table: "alerts",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "resolution_reason",
                table: "alerts",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "since",
                table: "alerts",
                type: "date",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "calendar_years",
                columns: table => new
                {
                    year = table.Column<int>(type: "integer", nullable: false),
                    notice = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_calendar_years", x => x.year);
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    holder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    acquired_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_leases", x => x.name);
                });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_instrument_id_raised_at",
                table: "alerts",
                columns: new[] { "instrument_id", "raised_at" });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_open_instrument_id_kind",
                table: "alerts",
                columns: new[] { "instrument_id", "kind" },
                unique: true,
                filter: "resolved_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "calendar_years");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.DropIndex(
                name: "ix_alerts_instrument_id_raised_at",
                table: "alerts");

            migrationBuilder.DropIndex(
                name: "ix_alerts_open_instrument_id_kind",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "onboarding_due_provisional",
                table: "replica_instruments");

            migrationBuilder.DropColumn(
                name: "onboarding_late_days",
                table: "replica_instruments");

            migrationBuilder.DropColumn(
                name: "rated_hours_per_year",
                table: "replica_instruments");

            migrationBuilder.DropColumn(
                name: "sensor_due_provisional",
                table: "replica_instruments");

            migrationBuilder.DropColumn(
                name: "onboarding_due_provisional",
                table: "instruments");

            migrationBuilder.DropColumn(
                name: "onboarding_late_days",
                table: "instruments");

            migrationBuilder.DropColumn(
                name: "rated_hours_per_year",
                table: "instruments");

            migrationBuilder.DropColumn(
                name: "sensor_due_provisional",
                table: "instruments");

            migrationBuilder.DropColumn(
                name: "cleared_by",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "explained_at",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "explanation_reason",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "resolution_reason",
                table: "alerts");

            migrationBuilder.DropColumn(
                name: "since",
                table: "alerts");

            migrationBuilder.CreateIndex(
                name: "ix_alerts_instrument_id_kind",
                table: "alerts",
                columns: new[] { "instrument_id", "kind" });
        }
    }
}
