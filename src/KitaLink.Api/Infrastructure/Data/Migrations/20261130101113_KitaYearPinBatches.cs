using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class KitaYearPinBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "preferred_language",
                table: "guardians",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "contact_address",
                table: "facilities",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "contact_email",
                table: "facilities",
                type: "character varying(254)",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "contact_phone",
                table: "facilities",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "pin_batches",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    facility_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_by = table.Column<Guid>(type: "uuid", nullable: false),
                    request_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    request_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    fingerprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    renew_pending = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_batches", x => x.id);
                    table.ForeignKey(
                        name: "fk_pin_batches_facilities_facility_id",
                        column: x => x.facility_id,
                        principalTable: "facilities",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "pin_batch_entries",
                columns: table => new
                {
                    batch_id = table.Column<Guid>(type: "uuid", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    guardian_id = table.Column<Guid>(type: "uuid", nullable: false),
                    child_id = table.Column<Guid>(type: "uuid", nullable: false),
                    outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    pin_pair_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_batch_entries", x => new { x.batch_id, x.position });
                    table.ForeignKey(
                        name: "fk_pin_batch_entries_pin_batches_batch_id",
                        column: x => x.batch_id,
                        principalTable: "pin_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_pin_batches_facility_id_fingerprint_created_at",
                table: "pin_batches",
                columns: new[] { "facility_id", "fingerprint", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_pin_batches_facility_id_request_key",
                table: "pin_batches",
                columns: new[] { "facility_id", "request_key" },
                unique: true,
                filter: "request_key IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pin_batch_entries");

            migrationBuilder.DropTable(
                name: "pin_batches");

            migrationBuilder.DropColumn(
                name: "preferred_language",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "contact_address",
                table: "facilities");

            migrationBuilder.DropColumn(
                name: "contact_email",
                table: "facilities");

            migrationBuilder.DropColumn(
                name: "contact_phone",
                table: "facilities");
        }
    }
}
