using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class StaffLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "deactivated_at",
                table: "staff_members",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "password_changed_at",
                table: "staff_members",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AlterColumn<Guid>(
                name: "account_id",
                table: "password_reset_tokens",
                type: "uuid",
                nullable: true,
                oldClrType: typeof(Guid),
                oldType: "uuid");

            migrationBuilder.AddColumn<Guid>(
                name: "staff_member_id",
                table: "password_reset_tokens",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_password_reset_tokens_staff_member_id",
                table: "password_reset_tokens",
                column: "staff_member_id");

            migrationBuilder.AddCheckConstraint(
                name: "ck_password_reset_tokens_one_owner",
                table: "password_reset_tokens",
                sql: "num_nonnulls(account_id, staff_member_id) = 1");

            migrationBuilder.AddForeignKey(
                name: "fk_password_reset_tokens_staff_members_staff_member_id",
                table: "password_reset_tokens",
                column: "staff_member_id",
                principalTable: "staff_members",
                principalColumn: "id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_password_reset_tokens_staff_members_staff_member_id",
                table: "password_reset_tokens");

            migrationBuilder.DropIndex(
                name: "ix_password_reset_tokens_staff_member_id",
                table: "password_reset_tokens");

            migrationBuilder.DropCheckConstraint(
                name: "ck_password_reset_tokens_one_owner",
                table: "password_reset_tokens");

            migrationBuilder.DropColumn(
                name: "deactivated_at",
                table: "staff_members");

            migrationBuilder.DropColumn(
                name: "password_changed_at",
                table: "staff_members");

            migrationBuilder.DropColumn(
                name: "staff_member_id",
                table: "password_reset_tokens");

            migrationBuilder.AlterColumn<Guid>(
                name: "account_id",
                table: "password_reset_tokens",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"),
                oldClrType: typeof(Guid),
                oldType: "uuid",
                oldNullable: true);
        }
    }
}
