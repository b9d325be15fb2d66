using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ProvisionalDeadlinesIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_instruments_provisional_deadlines",
                table: "instruments",
                columns: new[] { "onboarding_due_provisional", "sensor_due_provisional" },
                filter: "onboarding_due_provisional OR sensor_due_provisional");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instruments_provisional_deadlines",
                table: "instruments");
        }
    }
}
