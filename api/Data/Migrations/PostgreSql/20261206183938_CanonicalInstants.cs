using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <summary>
    /// Instants in one stored form (docs/data-model.md, "Money and time"). PostgreSQL's <c>timestamptz</c> already is
    /// it (UTC, microseconds): nothing to rewrite here; the SQLite and SQL Server migrations of the same name do.
    /// </summary>
    public partial class CanonicalInstants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // timestamptz keeps microseconds and compares as instants: already the one form.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The old forms named the same instants: nothing to undo.
        }
    }
}
