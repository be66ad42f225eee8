using System.Globalization;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Foundation;

/// <summary>
/// The first start of a newcomer (scripts/run.sh): an empty database, migrations and demo data at start-up.
/// A healthy start logs no Error line; EF Core's probe of the not yet existing migration history table used to.
/// </summary>
[Collection(ApiProcessCollection.Name)]
public sealed class FirstStartTests
{
    [Fact]
    public async Task FirstStartOnAnEmptyDatabase_MigratesAndSeeds_WithoutAnErrorLine()
    {
        var connectionString = await PostgresServer.CreateEmptyDatabaseAsync();
        using var smtp = new TcpPortPlaceholder();
        try
        {
            await using var api = await ApiProcess.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Jwt__SigningKey"] = KitaLinkFactory.JwtSigningKey,
                ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
                ["Smtp__Host"] = "127.0.0.1",
                ["Smtp__Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
                ["Smtp__UseTls"] = "false",
                ["Bootstrap__OperatorEmail"] = KitaLinkFactory.OperatorEmail,
                ["Bootstrap__OperatorPassword"] = KitaLinkFactory.OperatorPassword,
                ["Startup__ApplyMigrations"] = "true",
                ["Startup__SeedDemoData"] = "true",
            });

            Assert.Contains("Database migrations applied", api.Output);
            Assert.DoesNotContain("\"LogLevel\":\"Error\"", api.Output);
            Assert.DoesNotContain("\"LogLevel\":\"Critical\"", api.Output);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }

    /// <summary>A loopback port nobody serves (the outbox has nothing to send on a first start anyway).</summary>
    private sealed class TcpPortPlaceholder : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);

        public TcpPortPlaceholder()
        {
            _listener.Start();
            Port = ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;
        }

        public int Port { get; }

        public void Dispose() => _listener.Stop();
    }
}
