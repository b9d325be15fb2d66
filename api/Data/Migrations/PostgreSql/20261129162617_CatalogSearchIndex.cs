using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CatalogSearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instruments_price_fen",
                table: "instruments");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_price_fen_name_is_confidential",
                table: "instruments",
                columns: new[] { "price_fen", "name", "is_confidential" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_instruments_price_fen_name_is_confidential",
                table: "instruments");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_price_fen",
                table: "instruments",
                column: "price_fen");
        }
    }
}
