using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using Npgsql;
using static KitaLink.IntegrationTests.Mail.OutboxTestData;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>The sender keeps running through a database outage (own class: the outage hits the whole instance).</summary>
public sealed class OutboxDatabaseOutageTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task DatabaseOutage_IsLoggedAndOutlasted_MailWrittenAfterwardsIsStillSent()
    {
        factory.CreateClient();
        var database = new NpgsqlConnectionStringBuilder(factory.ConnectionString).Database!;
        var failuresBefore = CountRoundFailures();

        await SetConnectionsAllowedAsync(database, allowed: false);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (CountRoundFailures() < failuresBefore + 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.True(CountRoundFailures() >= failuresBefore + 4, "The sender should have logged failed rounds during the outage.");
        }
        finally
        {
            await SetConnectionsAllowedAsync(database, allowed: true);
        }

        var recipient = NewRecipient("after-outage");
        var (id, _) = await EnqueuePin2Async(factory, recipient);
        await factory.Smtp.WaitForMessageAsync(recipient, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(OutboxMessageStatus.Sent, (await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Sent)).Status);
    }

    private int CountRoundFailures() => factory.Logs.Lines.Count(l => l.Contains("Outbox round failed", StringComparison.Ordinal));

    /// <summary>Refuses new connections to the instance's database and ends the pooled ones, like a database restart.</summary>
    private static async Task SetConnectionsAllowedAsync(string database, bool allowed)
    {
        var admin = new NpgsqlConnectionStringBuilder(PostgresServer.ServerConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", connection))
        {
            await alter.ExecuteNonQueryAsync();
        }
        if (!allowed)
        {
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()", connection);
            terminate.Parameters.AddWithValue("db", database);
            await terminate.ExecuteNonQueryAsync();
        }
    }
}
