using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KitaLink.Api.Infrastructure.Data.Migrations
{
    /// <inheritdoc />
    public partial class PinHashKeyVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every pair made before key versions existed was hashed with the only key there was: version 1
            // (the default of Pins:HashKeyVersion). New pairs always write their version explicitly.
            migrationBuilder.AddColumn<int>(
                name: "hash_key_version",
                table: "pin_pairs",
                type: "integer",
                nullable: false,
                defaultValue: 1);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "hash_key_version",
                table: "pin_pairs");
        }
    }
}
