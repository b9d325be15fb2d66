using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace DxyqOpenData.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "calendar_years",
                columns: table => new
                {
                    year = table.Column<int>(type: "INTEGER", nullable: false),
                    notice = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_calendar_years", x => x.year);
                });

            migrationBuilder.CreateTable(
                name: "catalog_change_counter",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_catalog_change_counter", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "catalog_changes",
                columns: table => new
                {
                    entity_set = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    row_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    seq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_catalog_changes", x => new { x.entity_set, x.row_id });
                });

            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    request_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    response_body = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_keys", x => new { x.client_id, x.key });
                });

            migrationBuilder.CreateTable(
                name: "instrument_daily_usage",
                columns: table => new
                {
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    running_hours = table.Column<double>(type: "REAL", nullable: false),
                    readings = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_instrument_daily_usage", x => new { x.instrument_id, x.day });
                });

            migrationBuilder.CreateTable(
                name: "leases",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    holder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    acquired_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_leases", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "node_settings",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_node_settings", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "openiddict_applications",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    client_secret = table.Column<string>(type: "TEXT", nullable: true),
                    client_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    consent_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    display_names = table.Column<string>(type: "TEXT", nullable: true),
                    json_web_key_set = table.Column<string>(type: "TEXT", nullable: true),
                    permissions = table.Column<string>(type: "TEXT", nullable: true),
                    post_logout_redirect_uris = table.Column<string>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    redirect_uris = table.Column<string>(type: "TEXT", nullable: true),
                    requirements = table.Column<string>(type: "TEXT", nullable: true),
                    settings = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_openiddict_applications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "openiddict_scopes",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    descriptions = table.Column<string>(type: "TEXT", nullable: true),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    display_names = table.Column<string>(type: "TEXT", nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    resources = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_openiddict_scopes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "replica_cursors",
                columns: table => new
                {
                    node = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    entity_set = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    cursor = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    harvested_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_cursors", x => new { x.node, x.entity_set });
                });

            migrationBuilder.CreateTable(
                name: "replica_datasets",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    node = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    english_title = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    keywords = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    subject_areas = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    license = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    access = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    doi = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    landing_page = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    media_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    byte_size = table.Column<long>(type: "INTEGER", nullable: true),
                    issued = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_datasets", x => new { x.node, x.id });
                });

            migrationBuilder.CreateTable(
                name: "replica_instruments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    node = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    inner_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    manufacturer = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    country_of_origin = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 2, nullable: true),
                    is_domestic = table.Column<bool>(type: "INTEGER", nullable: false),
                    category_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    instrument_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    price_fen = table.Column<long>(type: "INTEGER", nullable: false),
                    funding_source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    is_confidential = table.Column<bool>(type: "INTEGER", nullable: false),
                    in_shared_facility = table.Column<bool>(type: "INTEGER", nullable: false),
                    purchase_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    acceptance_date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    onboarding_due_date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    onboarding_due_provisional = table.Column<bool>(type: "INTEGER", nullable: false),
                    onboarded_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    onboarding_late_days = table.Column<int>(type: "INTEGER", nullable: true),
                    sensor_due_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    sensor_due_provisional = table.Column<bool>(type: "INTEGER", nullable: false),
                    service_info_due_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    scrapped_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    share_mode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    latitude = table.Column<double>(type: "REAL", nullable: true),
                    longitude = table.Column<double>(type: "REAL", nullable: true),
                    sensor_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    sensor_installed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    service_info_completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    rated_hours_per_year = table.Column<double>(type: "REAL", nullable: true),
                    technical_specs = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    main_functions = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    subject_areas = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    service_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    service_requirements = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    fee_standard = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    service_url = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    contact_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    contact_phone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    contact_email = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    customs_declaration_no = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    import_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    hs_code = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    customs_supervision_ends_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    run_state = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_instruments", x => new { x.node, x.id });
                });

            migrationBuilder.CreateTable(
                name: "replica_service_offerings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    node = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    process = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    fee_fen = table.Column<long>(type: "INTEGER", nullable: false),
                    fee_unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    bookable = table.Column<bool>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_replica_service_offerings", x => new { x.node, x.id });
                });

            migrationBuilder.CreateTable(
                name: "sensor_dead_letters",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    topic = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    payload = table.Column<byte[]>(type: "BLOB", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sensor_dead_letters", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sensor_readings",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    sensor_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    ts = table.Column<DateTime>(type: "TEXT", nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    power_w = table.Column<double>(type: "REAL", nullable: true),
                    seq = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sensor_readings", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "signing_keys",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    generation = table.Column<int>(type: "INTEGER", nullable: false),
                    pem = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    retired_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_signing_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "units",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    city_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    in_mountain_county = table.Column<bool>(type: "INTEGER", nullable: false),
                    province_owned = table.Column<bool>(type: "INTEGER", nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    website = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    has_connected_system = table.Column<bool>(type: "INTEGER", nullable: false),
                    shared_facility_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_units", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "used_client_assertions",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    jti = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_used_client_assertions", x => new { x.client_id, x.jti });
                });

            migrationBuilder.CreateTable(
                name: "voucher_reconciliations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    period_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    period_to = table.Column<DateTime>(type: "TEXT", nullable: false),
                    summary = table.Column<string>(type: "TEXT", nullable: false),
                    report = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_voucher_reconciliations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "openiddict_authorizations",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_id = table.Column<string>(type: "TEXT", nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    creation_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    scopes = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_openiddict_authorizations", x => x.id);
                    table.ForeignKey(
                        name: "fk_openiddict_authorizations_openiddict_applications_application_id",
                        column: x => x.application_id,
                        principalTable: "openiddict_applications",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "imports",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: true),
                    client_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    file_name = table.Column<string>(type: "TEXT", maxLength: 260, nullable: true),
                    format = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    total_rows = table.Column<int>(type: "INTEGER", nullable: false),
                    processed_rows = table.Column<int>(type: "INTEGER", nullable: false),
                    accepted = table.Column<int>(type: "INTEGER", nullable: false),
                    rejected = table.Column<string>(type: "TEXT", nullable: false),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_imports", x => x.id);
                    table.ForeignKey(
                        name: "fk_imports_units_unit_id",
                        column: x => x.unit_id,
                        principalTable: "units",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "sensors",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    format = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    vendor = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    model = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    installed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    commissioned_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    heartbeat_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    sessions_through = table.Column<DateTime>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    secret_hash = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
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
                name: "openiddict_tokens",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", nullable: false),
                    application_id = table.Column<string>(type: "TEXT", nullable: true),
                    authorization_id = table.Column<string>(type: "TEXT", nullable: true),
                    concurrency_token = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    creation_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    expiration_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    payload = table.Column<string>(type: "TEXT", nullable: true),
                    properties = table.Column<string>(type: "TEXT", nullable: true),
                    redemption_date = table.Column<DateTime>(type: "TEXT", nullable: true),
                    reference_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    type = table.Column<string>(type: "TEXT", maxLength: 150, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_openiddict_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_openiddict_tokens_openiddict_applications_application_id",
                        column: x => x.application_id,
                        principalTable: "openiddict_applications",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "fk_openiddict_tokens_openiddict_authorizations_authorization_id",
                        column: x => x.authorization_id,
                        principalTable: "openiddict_authorizations",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "instruments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    inner_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    english_name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    manufacturer = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    country_of_origin = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 2, nullable: true),
                    is_domestic = table.Column<bool>(type: "INTEGER", nullable: false),
                    category_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    instrument_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    price_fen = table.Column<long>(type: "INTEGER", nullable: false),
                    funding_source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    is_confidential = table.Column<bool>(type: "INTEGER", nullable: false),
                    in_shared_facility = table.Column<bool>(type: "INTEGER", nullable: false),
                    purchase_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    acceptance_date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    onboarding_due_date = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    onboarding_due_provisional = table.Column<bool>(type: "INTEGER", nullable: false),
                    onboarded_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    onboarding_late_days = table.Column<int>(type: "INTEGER", nullable: true),
                    sensor_due_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    sensor_due_provisional = table.Column<bool>(type: "INTEGER", nullable: false),
                    service_info_due_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    scrapped_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    share_mode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    region_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    latitude = table.Column<double>(type: "REAL", nullable: true),
                    longitude = table.Column<double>(type: "REAL", nullable: true),
                    sensor_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    sensor_installed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    service_info_completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    rated_hours_per_year = table.Column<double>(type: "REAL", nullable: true),
                    technical_specs = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    main_functions = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    subject_areas = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    service_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    service_requirements = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    fee_standard = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    service_url = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    contact_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    contact_phone = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    contact_email = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    customs_declaration_no = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    import_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    hs_code = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    customs_supervision_ends_on = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    run_state = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    message = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    raised_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    since = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    reference_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    cleared_by = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    resolved_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    resolution_reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    explanation_reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    explanation = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    explained_at = table.Column<DateTime>(type: "TEXT", nullable: true)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    english_title = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    keywords = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    subject_areas = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    license = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    access = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    doi = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    landing_page = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    media_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    byte_size = table.Column<long>(type: "INTEGER", nullable: true),
                    issued = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    process = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    fee_fen = table.Column<long>(type: "INTEGER", nullable: false),
                    fee_unit = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    bookable = table.Column<bool>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    sensor_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    hours = table.Column<double>(type: "REAL", nullable: false),
                    source = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    end_reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    unit_id = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: false),
                    instrument_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    service_offering_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ended_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    hours = table.Column<double>(type: "REAL", nullable: false),
                    samples = table.Column<int>(type: "INTEGER", nullable: true),
                    content = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    subject = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    user_organization = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    user_credit_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 18, nullable: true),
                    user_region_code = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 6, nullable: true),
                    is_external = table.Column<bool>(type: "INTEGER", nullable: false),
                    is_statutory = table.Column<bool>(type: "INTEGER", nullable: false),
                    rewarded_as_contract = table.Column<bool>(type: "INTEGER", nullable: false),
                    fee_fen = table.Column<long>(type: "INTEGER", nullable: false),
                    payment_method = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    voucher_no = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    voucher_amount_fen = table.Column<long>(type: "INTEGER", nullable: true),
                    voucher_split = table.Column<bool>(type: "INTEGER", nullable: false),
                    booked_on_platform = table.Column<bool>(type: "INTEGER", nullable: false),
                    booked_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    booking_ref = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    paid_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    paid_amount_fen = table.Column<long>(type: "INTEGER", nullable: true),
                    payment_ref = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    rating = table.Column<int>(type: "INTEGER", nullable: true),
                    rated_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    feedback = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
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

            migrationBuilder.InsertData(
                table: "catalog_change_counter",
                columns: new[] { "id", "value" },
                values: new object[] { 1, 0L });

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

            migrationBuilder.CreateIndex(
                name: "ix_alerts_unit_id_raised_at",
                table: "alerts",
                columns: new[] { "unit_id", "raised_at" });

            migrationBuilder.CreateIndex(
                name: "ix_catalog_changes_entity_set_seq",
                table: "catalog_changes",
                columns: new[] { "entity_set", "seq" },
                unique: true);

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
                name: "ix_idempotency_keys_created_at",
                table: "idempotency_keys",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_imports_status",
                table: "imports",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_imports_unit_id_created_at",
                table: "imports",
                columns: new[] { "unit_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_instrument_daily_usage_day",
                table: "instrument_daily_usage",
                column: "day");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_category_code",
                table: "instruments",
                column: "category_code");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_last_seen_at",
                table: "instruments",
                column: "last_seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_instruments_price_fen_name_is_confidential",
                table: "instruments",
                columns: new[] { "price_fen", "name", "is_confidential" });

            migrationBuilder.CreateIndex(
                name: "ix_instruments_provisional_deadlines",
                table: "instruments",
                columns: new[] { "onboarding_due_provisional", "sensor_due_provisional" },
                filter: "onboarding_due_provisional OR sensor_due_provisional");

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
                name: "ix_openiddict_applications_client_id",
                table: "openiddict_applications",
                column: "client_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_openiddict_authorizations_application_id_status_subject_type",
                table: "openiddict_authorizations",
                columns: new[] { "application_id", "status", "subject", "type" });

            migrationBuilder.CreateIndex(
                name: "ix_openiddict_scopes_name",
                table: "openiddict_scopes",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_openiddict_tokens_application_id_status_subject_type",
                table: "openiddict_tokens",
                columns: new[] { "application_id", "status", "subject", "type" });

            migrationBuilder.CreateIndex(
                name: "ix_openiddict_tokens_authorization_id",
                table: "openiddict_tokens",
                column: "authorization_id");

            migrationBuilder.CreateIndex(
                name: "ix_openiddict_tokens_reference_id",
                table: "openiddict_tokens",
                column: "reference_id",
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

            migrationBuilder.CreateIndex(
                name: "ix_sensor_dead_letters_received_at",
                table: "sensor_dead_letters",
                column: "received_at");

            migrationBuilder.CreateIndex(
                name: "ix_sensor_readings_ts_sensor_id_seq",
                table: "sensor_readings",
                columns: new[] { "ts", "sensor_id", "seq" },
                unique: true);

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
                name: "ix_signing_keys_generation",
                table: "signing_keys",
                column: "generation",
                unique: true);

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
                name: "ix_usage_sessions_sensor_id_started_at",
                table: "usage_sessions",
                columns: new[] { "sensor_id", "started_at" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_started_at",
                table: "usage_sessions",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_usage_sessions_unit_id_started_at",
                table: "usage_sessions",
                columns: new[] { "unit_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_used_client_assertions_expires_at",
                table: "used_client_assertions",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_voucher_reconciliations_client_id_created_at",
                table: "voucher_reconciliations",
                columns: new[] { "client_id", "created_at" });

            // The change feed's triggers: every write to a public catalog table, whatever its path (EF, bulk copy,
            // COPY, ExecuteUpdate, FK actions), logs the row in catalog_changes (docs/federation.md, "Change feed").
            migrationBuilder.Sql("""
                CREATE TRIGGER instruments_changes_insert AFTER INSERT ON instruments BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Instruments' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Instruments', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER instruments_changes_delete AFTER DELETE ON instruments BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Instruments' AND row_id = OLD.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Instruments', OLD.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER instruments_changes_update AFTER UPDATE ON instruments WHEN NOT (NEW.last_seen_at IS NOT OLD.last_seen_at AND NEW.run_state IS OLD.run_state AND NEW.updated_at IS OLD.updated_at AND NEW.is_confidential IS OLD.is_confidential) BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Instruments' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Instruments', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER service_offerings_changes_insert AFTER INSERT ON service_offerings BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'ServiceOfferings' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'ServiceOfferings', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER service_offerings_changes_delete AFTER DELETE ON service_offerings BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'ServiceOfferings' AND row_id = OLD.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'ServiceOfferings', OLD.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER service_offerings_changes_update AFTER UPDATE ON service_offerings BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'ServiceOfferings' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'ServiceOfferings', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER datasets_changes_insert AFTER INSERT ON datasets BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Datasets' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Datasets', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER datasets_changes_delete AFTER DELETE ON datasets BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Datasets' AND row_id = OLD.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Datasets', OLD.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER datasets_changes_update AFTER UPDATE ON datasets BEGIN
                  UPDATE catalog_change_counter SET value = value + 1 WHERE id = 1;
                  DELETE FROM catalog_changes WHERE entity_set = 'Datasets' AND row_id = NEW.id;
                  INSERT INTO catalog_changes (entity_set, row_id, seq) SELECT 'Datasets', NEW.id, value FROM catalog_change_counter WHERE id = 1;END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER instruments_changes_publish AFTER UPDATE OF is_confidential ON instruments
                WHEN NEW.is_confidential IS NOT OLD.is_confidential BEGIN
                  DELETE FROM catalog_changes WHERE entity_set = 'ServiceOfferings' AND row_id IN (SELECT id FROM service_offerings WHERE instrument_id = NEW.id);
                  INSERT INTO catalog_changes (entity_set, row_id, seq)
                    SELECT 'ServiceOfferings', s.id, (SELECT value FROM catalog_change_counter WHERE id = 1) + ROW_NUMBER() OVER (ORDER BY s.id)
                    FROM service_offerings s WHERE s.instrument_id = NEW.id;
                  UPDATE catalog_change_counter SET value = value + (SELECT COUNT(*) FROM service_offerings WHERE instrument_id = NEW.id) WHERE id = 1;
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS instruments_changes_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS instruments_changes_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS instruments_changes_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS service_offerings_changes_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS service_offerings_changes_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS service_offerings_changes_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS datasets_changes_insert;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS datasets_changes_delete;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS datasets_changes_update;
                """);
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS instruments_changes_publish;
                """);

            migrationBuilder.DropTable(
                name: "alerts");

            migrationBuilder.DropTable(
                name: "calendar_years");

            migrationBuilder.DropTable(
                name: "catalog_change_counter");

            migrationBuilder.DropTable(
                name: "catalog_changes");

            migrationBuilder.DropTable(
                name: "datasets");

            migrationBuilder.DropTable(
                name: "idempotency_keys");

            migrationBuilder.DropTable(
                name: "imports");

            migrationBuilder.DropTable(
                name: "instrument_daily_usage");

            migrationBuilder.DropTable(
                name: "leases");

            migrationBuilder.DropTable(
                name: "node_settings");

            migrationBuilder.DropTable(
                name: "openiddict_scopes");

            migrationBuilder.DropTable(
                name: "openiddict_tokens");

            migrationBuilder.DropTable(
                name: "replica_cursors");

            migrationBuilder.DropTable(
                name: "replica_datasets");

            migrationBuilder.DropTable(
                name: "replica_instruments");

            migrationBuilder.DropTable(
                name: "replica_service_offerings");

            migrationBuilder.DropTable(
                name: "sensor_dead_letters");

            migrationBuilder.DropTable(
                name: "sensor_readings");

            migrationBuilder.DropTable(
                name: "service_records");

            migrationBuilder.DropTable(
                name: "signing_keys");

            migrationBuilder.DropTable(
                name: "usage_sessions");

            migrationBuilder.DropTable(
                name: "used_client_assertions");

            migrationBuilder.DropTable(
                name: "voucher_reconciliations");

            migrationBuilder.DropTable(
                name: "openiddict_authorizations");

            migrationBuilder.DropTable(
                name: "service_offerings");

            migrationBuilder.DropTable(
                name: "openiddict_applications");

            migrationBuilder.DropTable(
                name: "instruments");

            migrationBuilder.DropTable(
                name: "sensors");

            migrationBuilder.DropTable(
                name: "units");
        }
    }
}
