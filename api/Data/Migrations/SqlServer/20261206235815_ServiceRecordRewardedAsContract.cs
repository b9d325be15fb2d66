using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.SqlServer
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
                type: "bit",
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
