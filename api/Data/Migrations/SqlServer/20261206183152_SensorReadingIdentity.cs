using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class SensorReadingIdentity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_sensor_readings_ts",
                table: "sensor_readings");

            // A reading stored twice before the index existed is kept once (the lowest id); a missing seq is one value.
            migrationBuilder.Sql("DELETE FROM sensor_readings WHERE id NOT IN (SELECT MIN(id) FROM sensor_readings GROUP BY ts, sensor_id, seq);");

            migrationBuilder.CreateIndex(
                name: "ix_sensor_readings_ts_sensor_id_seq",
                table: "sensor_readings",
                columns: new[] { "ts", "sensor_id", "seq" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_sensor_readings_ts_sensor_id_seq",
                table: "sensor_readings");

            migrationBuilder.CreateIndex(
                name: "ix_sensor_readings_ts",
                table: "sensor_readings",
                column: "ts");
        }
    }
}
