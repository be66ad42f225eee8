using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class PinReminders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "pin_reminders",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    pin_pair_id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    outbox_message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    queued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pin_reminders", x => x.id);
                    table.ForeignKey(
                        name: "fk_pin_reminders_pin_pairs_pin_pair_id",
                        column: x => x.pin_pair_id,
                        principalTable: "pin_pairs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_pin_reminders_pin_pair_id_number",
                table: "pin_reminders",
                columns: new[] { "pin_pair_id", "number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "pin_reminders");
        }
    }
}
