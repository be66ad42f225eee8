using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class MailDeliveryEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "report_detail",
                table: "outbox_messages",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "report_reason",
                table: "outbox_messages",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "report_status_code",
                table: "outbox_messages",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reported_at",
                table: "outbox_messages",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "return_token",
                table: "outbox_messages",
                type: "character varying(26)",
                maxLength: 26,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "mail_delivery_events",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    outbox_message_id = table.Column<Guid>(type: "uuid", nullable: false),
                    source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    event_key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    status_code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_mail_delivery_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_mail_delivery_events_outbox_messages_outbox_message_id",
                        column: x => x.outbox_message_id,
                        principalTable: "outbox_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_return_token",
                table: "outbox_messages",
                column: "return_token",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_mail_delivery_events_outbox_message_id",
                table: "mail_delivery_events",
                column: "outbox_message_id");

            migrationBuilder.CreateIndex(
                name: "ix_mail_delivery_events_source_event_key",
                table: "mail_delivery_events",
                columns: new[] { "source", "event_key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mail_delivery_events");

            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_return_token",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "report_detail",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "report_reason",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "report_status_code",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "reported_at",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "return_token",
                table: "outbox_messages");
        }
    }
}
