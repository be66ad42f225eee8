using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class PinSecretRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<byte[]>(
                name: "pin2hash",
                table: "pin_pairs",
                type: "bytea",
                maxLength: 32,
                nullable: true,
                oldClrType: typeof(byte[]),
                oldType: "bytea",
                oldMaxLength: 32);

            migrationBuilder.AlterColumn<string>(
                name: "pin1protected",
                table: "pin_pairs",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(1024)",
                oldMaxLength: 1024);

            migrationBuilder.AlterColumn<byte[]>(
                name: "pin1lookup",
                table: "pin_pairs",
                type: "bytea",
                maxLength: 32,
                nullable: true,
                oldClrType: typeof(byte[]),
                oldType: "bytea",
                oldMaxLength: 32);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "secrets_wiped_at",
                table: "pin_pairs",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "secrets_wiped_at",
                table: "pin_pairs");

            migrationBuilder.AlterColumn<byte[]>(
                name: "pin2hash",
                table: "pin_pairs",
                type: "bytea",
                maxLength: 32,
                nullable: false,
                defaultValue: new byte[0],
                oldClrType: typeof(byte[]),
                oldType: "bytea",
                oldMaxLength: 32,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "pin1protected",
                table: "pin_pairs",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(1024)",
                oldMaxLength: 1024,
                oldNullable: true);

            migrationBuilder.AlterColumn<byte[]>(
                name: "pin1lookup",
                table: "pin_pairs",
                type: "bytea",
                maxLength: 32,
                nullable: false,
                defaultValue: new byte[0],
                oldClrType: typeof(byte[]),
                oldType: "bytea",
                oldMaxLength: 32,
                oldNullable: true);
        }
    }
}
