using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AddVoucherEvidence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "booked_at",
                table: "service_records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "booking_ref",
                table: "service_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "paid_amount_fen",
                table: "service_records",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "paid_at",
                table: "service_records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "payment_ref",
                table: "service_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "rated_at",
                table: "service_records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "voucher_split",
                table: "service_records",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "voucher_reconciliations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    period_from = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    period_to = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    summary = table.Column<string>(type: "text", nullable: false),
                    report = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_voucher_reconciliations", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_voucher_reconciliations_client_id_created_at",
                table: "voucher_reconciliations",
                columns: new[] { "client_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "voucher_reconciliations");

            migrationBuilder.DropColumn(
                name: "booked_at",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "booking_ref",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "paid_amount_fen",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "paid_at",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "payment_ref",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "rated_at",
                table: "service_records");

            migrationBuilder.DropColumn(
                name: "voucher_split",
                table: "service_records");
        }
    }
}
