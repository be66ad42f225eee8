using KitaLink.Api.Infrastructure.Data;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.IntegrationTests.Foundation;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrations_ApplyToAnEmptyDatabase_AndLeaveNothingPending()
    {
        var connectionString = await PostgresServer.CreateEmptyDatabaseAsync();
        try
        {
            await PostgresServer.MigrateAsync(connectionString);

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var options = new DbContextOptionsBuilder<KitaLinkDbContext>();
            DataSetup.Configure(options, dataSource);
            await using var db = new KitaLinkDbContext(options.Options);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a migration: run dotnet ef migrations add.");

            await using var command = dataSource.CreateCommand(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
            var tables = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            foreach (var expected in new[] { "facilities", "staff_members", "children", "guardians", "pin_pairs", "parent_accounts", "child_links", "outbox_messages", "audit_events", "refresh_tokens", "data_protection_keys" })
            {
                Assert.Contains(expected, tables);
            }
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }
}
