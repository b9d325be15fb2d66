using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ChangeFeedAndReplicas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "catalog_change_counter",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_catalog_change_counter", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "catalog_changes",
                columns: table => new
                {
                    entity_set = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    row_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_catalog_changes", x => new { x.entity_set, x.row_id });
                });

            migrationBuilder.CreateTable(
                name: "node_settings",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    value = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_node_settings", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "replica_cursors",
                columns: table => new
                {
                    node = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    entity_set = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    cursor = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    harvested_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_cursors", x => new { x.node, x.entity_set });
                });

            migrationBuilder.CreateTable(
                name: "replica_datasets",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    node = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "character(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uuid", nullable: true),
                    external_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    english_title = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    keywords = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    subject_areas = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    license = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    access = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    doi = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    landing_page = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    byte_size = table.Column<long>(type: "bigint", nullable: true),
                    issued = table.Column<DateOnly>(type: "date", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_datasets", x => new { x.node, x.id });
                });

            migrationBuilder.CreateTable(
                name: "replica_instruments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    node = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "character(18)", fixedLength: true, maxLength: 18, nullable: false),
                    inner_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    manufacturer = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    country_of_origin = table.Column<string>(type: "character(2)", fixedLength: true, maxLength: 2, nullable: true),
                    is_domestic = table.Column<bool>(type: "boolean", nullable: false),
                    category_code = table.Column<string>(type: "character(6)", fixedLength: true, maxLength: 6, nullable: false),
                    instrument_type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    price_fen = table.Column<long>(type: "bigint", nullable: false),
                    funding_source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    is_confidential = table.Column<bool>(type: "boolean", nullable: false),
                    in_shared_facility = table.Column<bool>(type: "boolean", nullable: false),
                    purchase_date = table.Column<DateOnly>(type: "date", nullable: true),
                    acceptance_date = table.Column<DateOnly>(type: "date", nullable: false),
                    onboarding_due_date = table.Column<DateOnly>(type: "date", nullable: false),
                    onboarded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    sensor_due_date = table.Column<DateOnly>(type: "date", nullable: true),
                    service_info_due_date = table.Column<DateOnly>(type: "date", nullable: true),
                    scrapped_on = table.Column<DateOnly>(type: "date", nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    share_mode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "character(6)", fixedLength: true, maxLength: 6, nullable: false),
                    address = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    latitude = table.Column<double>(type: "double precision", nullable: true),
                    longitude = table.Column<double>(type: "double precision", nullable: true),
                    sensor_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    sensor_installed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    service_info_completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    technical_specs = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    main_functions = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    subject_areas = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    service_content = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    service_requirements = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    fee_standard = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    service_url = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    contact_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    contact_phone = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    contact_email = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    customs_declaration_no = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    import_date = table.Column<DateOnly>(type: "date", nullable: true),
                    hs_code = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    customs_supervision_ends_on = table.Column<DateOnly>(type: "date", nullable: true),
                    run_state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_instruments", x => new { x.node, x.id });
                });

            migrationBuilder.CreateTable(
                name: "replica_service_offerings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    node = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "character(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uuid", nullable: false),
                    external_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    process = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    fee_fen = table.Column<long>(type: "bigint", nullable: false),
                    fee_unit = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    bookable = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_service_offerings", x => new { x.node, x.id });
                });

            migrationBuilder.InsertData(
                table: "catalog_change_counter",
                columns: new[] { "id", "value" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "ix_catalog_changes_entity_set_seq",
                table: "catalog_changes",
                columns: new[] { "entity_set", "seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_replica_datasets_node_instrument_id",
                table: "replica_datasets",
                columns: new[] { "node", "instrument_id" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_datasets_node_updated_at",
                table: "replica_datasets",
                columns: new[] { "node", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_instruments_node_category_code",
                table: "replica_instruments",
                columns: new[] { "node", "category_code" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_instruments_node_price_fen_name",
                table: "replica_instruments",
                columns: new[] { "node", "price_fen", "name" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_instruments_node_region_code",
                table: "replica_instruments",
                columns: new[] { "node", "region_code" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_instruments_node_updated_at",
                table: "replica_instruments",
                columns: new[] { "node", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_service_offerings_node_instrument_id",
                table: "replica_service_offerings",
                columns: new[] { "node", "instrument_id" });

            migrationBuilder.CreateIndex(
                name: "ix_replica_service_offerings_node_updated_at",
                table: "replica_service_offerings",
                columns: new[] { "node", "updated_at" });

            // The change feed's triggers, and the rows already there numbered (Federation/Harvest/ChangeFeedSql.cs).
            foreach (var sql in DxyqOpenData.Api.Federation.Harvest.ChangeFeedSql.Backfill().Concat(DxyqOpenData.Api.Federation.Harvest.ChangeFeedSql.PostgreSql()))
            {
                migrationBuilder.Sql(sql);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var sql in DxyqOpenData.Api.Federation.Harvest.ChangeFeedSql.PostgreSqlDown())
            {
                migrationBuilder.Sql(sql);
            }

            migrationBuilder.DropTable(
                name: "catalog_change_counter");

            migrationBuilder.DropTable(
                name: "catalog_changes");

            migrationBuilder.DropTable(
                name: "node_settings");

            migrationBuilder.DropTable(
                name: "replica_cursors");

            migrationBuilder.DropTable(
                name: "replica_datasets");

            migrationBuilder.DropTable(
                name: "replica_instruments");

            migrationBuilder.DropTable(
                name: "replica_service_offerings");
        }
    }
}
