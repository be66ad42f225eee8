using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class SecondFactor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "totp_enabled_at",
                table: "staff_members",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "totp_last_used_step",
                table: "staff_members",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "totp_secret",
                table: "staff_members",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "totp_enabled_at",
                table: "parent_accounts",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "totp_last_used_step",
                table: "parent_accounts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "totp_secret",
                table: "parent_accounts",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "staff_mfa_required",
                table: "facilities",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "mfa_challenges",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    parent_account_id = table.Column<Guid>(type: "uuid", nullable: true),
                    staff_member_id = table.Column<Guid>(type: "uuid", nullable: true),
                    token_hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mfa_challenges", x => x.id);
                    table.CheckConstraint("ck_mfa_challenges_one_owner", "(parent_account_id IS NULL) <> (staff_member_id IS NULL)");
                    table.ForeignKey(
                        name: "fk_mfa_challenges_parent_accounts_parent_account_id",
                        column: x => x.parent_account_id,
                        principalTable: "parent_accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_mfa_challenges_staff_members_staff_member_id",
                        column: x => x.staff_member_id,
                        principalTable: "staff_members",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "mfa_recovery_codes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    parent_account_id = table.Column<Guid>(type: "uuid", nullable: true),
                    staff_member_id = table.Column<Guid>(type: "uuid", nullable: true),
                    code_hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mfa_recovery_codes", x => x.id);
                    table.CheckConstraint("ck_mfa_recovery_codes_one_owner", "(parent_account_id IS NULL) <> (staff_member_id IS NULL)");
                    table.ForeignKey(
                        name: "fk_mfa_recovery_codes_parent_accounts_parent_account_id",
                        column: x => x.parent_account_id,
                        principalTable: "parent_accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_mfa_recovery_codes_staff_members_staff_member_id",
                        column: x => x.staff_member_id,
                        principalTable: "staff_members",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_mfa_challenges_parent_account_id",
                table: "mfa_challenges",
                column: "parent_account_id");

            migrationBuilder.CreateIndex(
                name: "ix_mfa_challenges_staff_member_id",
                table: "mfa_challenges",
                column: "staff_member_id");

            migrationBuilder.CreateIndex(
                name: "ix_mfa_challenges_token_hash",
                table: "mfa_challenges",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_mfa_recovery_codes_code_hash",
                table: "mfa_recovery_codes",
                column: "code_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_mfa_recovery_codes_parent_account_id",
                table: "mfa_recovery_codes",
                column: "parent_account_id");

            migrationBuilder.CreateIndex(
                name: "ix_mfa_recovery_codes_staff_member_id",
                table: "mfa_recovery_codes",
                column: "staff_member_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mfa_challenges");

            migrationBuilder.DropTable(
                name: "mfa_recovery_codes");

            migrationBuilder.DropColumn(
                name: "totp_enabled_at",
                table: "staff_members");

            migrationBuilder.DropColumn(
                name: "totp_last_used_step",
                table: "staff_members");

            migrationBuilder.DropColumn(
                name: "totp_secret",
                table: "staff_members");

            migrationBuilder.DropColumn(
                name: "totp_enabled_at",
                table: "parent_accounts");

            migrationBuilder.DropColumn(
                name: "totp_last_used_step",
                table: "parent_accounts");

            migrationBuilder.DropColumn(
                name: "totp_secret",
                table: "parent_accounts");

            migrationBuilder.DropColumn(
                name: "staff_mfa_required",
                table: "facilities");
        }
    }
}
