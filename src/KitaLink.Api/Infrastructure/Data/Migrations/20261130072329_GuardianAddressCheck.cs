using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class GuardianAddressCheck : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "email_check_mail_server",
                table: "guardians",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                // Guardians entered before the check existed were never checked.
                defaultValue: "not_checked");

            migrationBuilder.AddColumn<string>(
                name: "email_check_reasons",
                table: "guardians",
                type: "character varying(100)",
                maxLength: 100,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "email_check_result",
                table: "guardians",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                // Guardians entered before the check existed were never checked.
                defaultValue: "not_checked");

            migrationBuilder.AddColumn<string>(
                name: "email_check_suggestion",
                table: "guardians",
                type: "character varying(254)",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "email_checked_at",
                table: "guardians",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "email_confirmed_by_staff_id",
                table: "guardians",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "wrong_email_attempts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    pin_pair_id = table.Column<Guid>(type: "uuid", nullable: false),
                    masked_email = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    attempted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_wrong_email_attempts", x => x.id);
                    table.ForeignKey(
                        name: "fk_wrong_email_attempts_pin_pairs_pin_pair_id",
                        column: x => x.pin_pair_id,
                        principalTable: "pin_pairs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_pin_pairs_guardian_newest",
                table: "pin_pairs",
                columns: new[] { "guardian_id", "created_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_wrong_email_attempts_pin_pair_id_attempted_at",
                table: "wrong_email_attempts",
                columns: new[] { "pin_pair_id", "attempted_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "wrong_email_attempts");

            migrationBuilder.DropIndex(
                name: "ix_pin_pairs_guardian_newest",
                table: "pin_pairs");

            migrationBuilder.DropColumn(
                name: "email_check_mail_server",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "email_check_reasons",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "email_check_result",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "email_check_suggestion",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "email_checked_at",
                table: "guardians");

            migrationBuilder.DropColumn(
                name: "email_confirmed_by_staff_id",
                table: "guardians");
        }
    }
}
