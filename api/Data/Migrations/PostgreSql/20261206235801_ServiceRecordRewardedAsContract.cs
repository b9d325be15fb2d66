using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ServiceRecordRewardedAsContract : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "rewarded_as_contract",
                table: "service_records",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "rewarded_as_contract",
                table: "service_records");
        }
    }
}
