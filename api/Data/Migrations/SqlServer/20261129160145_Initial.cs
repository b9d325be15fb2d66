using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "units",
                columns: table => new
                {
                    id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "nchar(6)", fixedLength: true, maxLength: 6, nullable: false),
                    city_code = table.Column<string>(type: "nchar(6)", fixedLength: true, maxLength: 6, nullable: false),
                    in_mountain_county = table.Column<bool>(type: "bit", nullable: false),
                    address = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    website = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    has_connected_system = table.Column<bool>(type: "bit", nullable: false),
                    shared_facility_name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_units", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sensors",
                columns: table => new
                {
                    id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    format = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    vendor = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    model = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    installed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    commissioned_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    heartbeat_seconds = table.Column<int>(type: "int", nullable: false),
                    status = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    secret_hash = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sensors", x => x.id);
                    table.ForeignKey(
                        name: "fk_sensors_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "instruments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    inner_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    model = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    manufacturer = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    country_of_origin = table.Column<string>(type: "nchar(2)", fixedLength: true, maxLength: 2, nullable: true),
                    is_domestic = table.Column<bool>(type: "bit", nullable: false),
                    category_code = table.Column<string>(type: "nchar(6)", fixedLength: true, maxLength: 6, nullable: false),
                    instrument_type = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    price_fen = table.Column<long>(type: "bigint", nullable: false),
                    funding_source = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    is_confidential = table.Column<bool>(type: "bit", nullable: false),
                    in_shared_facility = table.Column<bool>(type: "bit", nullable: false),
                    purchase_date = table.Column<DateOnly>(type: "date", nullable: true),
                    acceptance_date = table.Column<DateOnly>(type: "date", nullable: false),
                    onboarding_due_date = table.Column<DateOnly>(type: "date", nullable: false),
                    onboarded_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    sensor_due_date = table.Column<DateOnly>(type: "date", nullable: true),
                    service_info_due_date = table.Column<DateOnly>(type: "date", nullable: true),
                    scrapped_on = table.Column<DateOnly>(type: "date", nullable: true),
                    status = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    share_mode = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "nchar(6)", fixedLength: true, maxLength: 6, nullable: false),
                    address = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: true),
                    latitude = table.Column<double>(type: "float", nullable: true),
                    longitude = table.Column<double>(type: "float", nullable: true),
                    sensor_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    sensor_installed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    service_info_completed_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    technical_specs = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    main_functions = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    subject_areas = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    service_content = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    service_requirements = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    fee_standard = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    service_url = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    contact_name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    contact_phone = table.Column<string>(type: "nvarchar(40)", maxLength: 40, nullable: true),
                    contact_email = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    customs_declaration_no = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    import_date = table.Column<DateOnly>(type: "date", nullable: true),
                    hs_code = table.Column<string>(type: "nvarchar(10)", maxLength: 10, nullable: true),
                    customs_supervision_ends_on = table.Column<DateOnly>(type: "date", nullable: true),
                    run_state = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instruments", x => x.id);
                    table.ForeignKey(
                        name: "fk_instruments_sensors_sensor_id",
                        column: x => x.sensor_id,
                        principalTable: "sensors",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_instruments_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "alerts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    kind = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    message = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: false),
                    raised_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    reference_date = table.Column<DateOnly>(type: "date", nullable: true),
                    resolved_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    explanation = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_alerts", x => x.id);
                    table.ForeignKey(
                        name: "fk_alerts_instruments_instrument_id",
                        column: x => x.instrument_id,
                        principalTable: "instruments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "datasets",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    external_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "nvarchar(300)", maxLength: 300, nullable: false),
                    english_title = table.Column<string>(type: "nvarchar(400)", maxLength: 400, nullable: true),
                    description = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    keywords = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    subject_areas = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    license = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    access = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    doi = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    landing_page = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: true),
                    media_type = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    byte_size = table.Column<long>(type: "bigint", nullable: true),
                    issued = table.Column<DateOnly>(type: "date", nullable: true),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_datasets", x => x.id);
                    table.ForeignKey(
                        name: "fk_datasets_instruments_instrument_id",
                        column: x => x.instrument_id,
                        principalTable: "instruments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_datasets_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "service_offerings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    external_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "nvarchar(4000)", maxLength: 4000, nullable: true),
                    process = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    fee_fen = table.Column<long>(type: "bigint", nullable: false),
                    fee_unit = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    bookable = table.Column<bool>(type: "bit", nullable: false),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_offerings", x => x.id);
                    table.ForeignKey(
                        name: "fk_service_offerings_instruments_instrument_id",
                        column: x => x.instrument_id,
                        principalTable: "instruments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_service_offerings_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "usage_sessions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    sensor_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    started_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    ended_at = table.Column<DateTime>(type: "datetime2", nullable: true),
                    hours = table.Column<double>(type: "float", nullable: false),
                    source = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    end_reason = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_usage_sessions_instruments_instrument_id",
                        column: x => x.instrument_id,
                        principalTable: "instruments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "service_records",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    unit_id = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    service_offering_id = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    external_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    started_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    ended_at = table.Column<DateTime>(type: "datetime2", nullable: false),
                    hours = table.Column<double>(type: "float", nullable: false),
                    samples = table.Column<int>(type: "int", nullable: true),
                    content = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    subject = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    user_name = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    user_organization = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    user_credit_code = table.Column<string>(type: "nchar(18)", fixedLength: true, maxLength: 18, nullable: true),
                    user_region_code = table.Column<string>(type: "nchar(6)", fixedLength: true, maxLength: 6, nullable: true),
                    is_external = table.Column<bool>(type: "bit", nullable: false),
                    is_statutory = table.Column<bool>(type: "bit", nullable: false),
                    fee_fen = table.Column<long>(type: "bigint", nullable: false),
                    payment_method = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    voucher_no = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    voucher_amount_fen = table.Column<long>(type: "bigint", nullable: true),
                    booked_on_platform = table.Column<bool>(type: "bit", nullable: false),
                    rating = table.Column<int>(type: "int", nullable: true),
                    feedback = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    updated_at = table.Column<DateTime>(type: "datetime2", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_records", x => x.id);
                    table.ForeignKey(
                        name: "fk_service_records_instruments_instrument_id",
                        column: x => x.instrument_id,
                        principalTable: "instruments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_service_records_service_offerings_service_offering_id",
                        column: x => x.service_offering_id,
                        principalTable: "service_offerings",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_service_records_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_instrument_id_kind",
                table: "alerts",
                columns: new[] { "instrument_id", "kind" });

            migrationBuilder.CreateIndex(
                name: "ix_alerts_unit_id_raised_at",
                table: "alerts",
                columns: new[] { "unit_id", "raised_at" });

            migrationBuilder.CreateIndex(
                name: "ix_datasets_instrument_id",
                table: "datasets",
                column: "instrument_id");

            migrationBuilder.CreateIndex(
                name: "ix_datasets_unit_id_external_id",
                table: "datasets",
                columns: new[] { "unit_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_datasets_updated_at",
                table: "datasets",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_category_code",
                table: "instruments",
                column: "category_code");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_last_seen_at",
                table: "instruments",
                column: "last_seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_price_fen",
                table: "instruments",
                column: "price_fen");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_region_code",
                table: "instruments",
                column: "region_code");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_sensor_id",
                table: "instruments",
                column: "sensor_id");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_unit_id_inner_id",
                table: "instruments",
                columns: new[] { "unit_id", "inner_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_instruments_updated_at",
                table: "instruments",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_sensors_instrument_id",
                table: "sensors",
                column: "instrument_id");

            migrationBuilder.CreateIndex(
                name: "ix_sensors_unit_id",
                table: "sensors",
                column: "unit_id");

            migrationBuilder.CreateIndex(
                name: "ix_sensors_updated_at",
                table: "sensors",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_service_offerings_instrument_id",
                table: "service_offerings",
                column: "instrument_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_offerings_unit_id_external_id",
                table: "service_offerings",
                columns: new[] { "unit_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_service_offerings_updated_at",
                table: "service_offerings",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_service_records_instrument_id_started_at",
                table: "service_records",
                columns: new[] { "instrument_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_service_records_service_offering_id",
                table: "service_records",
                column: "service_offering_id");

            migrationBuilder.CreateIndex(
                name: "ix_service_records_started_at",
                table: "service_records",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_service_records_unit_id_external_id",
                table: "service_records",
                columns: new[] { "unit_id", "external_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_service_records_unit_id_started_at",
                table: "service_records",
                columns: new[] { "unit_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_service_records_updated_at",
                table: "service_records",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_service_records_voucher_no",
                table: "service_records",
                column: "voucher_no");

            migrationBuilder.CreateIndex(
                name: "ix_units_city_code",
                table: "units",
                column: "city_code");

            migrationBuilder.CreateIndex(
                name: "ix_units_region_code",
                table: "units",
                column: "region_code");

            migrationBuilder.CreateIndex(
                name: "ix_units_updated_at",
                table: "units",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_instrument_id_started_at",
                table: "usage_sessions",
                columns: new[] { "instrument_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_started_at",
                table: "usage_sessions",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_unit_id_started_at",
                table: "usage_sessions",
                columns: new[] { "unit_id", "started_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alerts");

            migrationBuilder.DropTable(
                name: "datasets");

            migrationBuilder.DropTable(
                name: "service_records");

            migrationBuilder.DropTable(
                name: "usage_sessions");

            migrationBuilder.DropTable(
                name: "service_offerings");

            migrationBuilder.DropTable(
                name: "instruments");

            migrationBuilder.DropTable(
                name: "sensors");

            migrationBuilder.DropTable(
                name: "units");
        }
    }
}
