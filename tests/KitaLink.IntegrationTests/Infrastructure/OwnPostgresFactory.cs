using System.Globalization;
using Npgsql;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// The service on a PostgreSQL server of its own (a throwaway cluster through <c>scripts/pg.sh</c>), which a
/// test may stop and start again under the running API. The shared test server is never touched.
/// </summary>
public sealed class OwnPostgresFactory : KitaLinkFactory
{
    private string _clusterDir = "";

    public int Port { get; private set; }

    public override async Task InitializeAsync()
    {
        _clusterDir = Directory.CreateTempSubdirectory("kitalink-own-pg-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // The cluster runs as the postgres user when the tests run as root.
            File.SetUnixFileMode(_clusterDir, (UnixFileMode)0b111_101_101);
        }
        // Outside the kernel's ephemeral range (32768-60999) and away from the ports every test run scans first
        // (55432 on): while the server is stopped, neither an outgoing connection nor another run's cluster takes it.
        var start = new Dictionary<string, string> { ["PG_PORT_START"] = Random.Shared.Next(20000, 30000).ToString(CultureInfo.InvariantCulture) };
        Port = int.Parse(PostgresServer.RunPgScript(start, "start", _clusterDir, "fast").Trim(), CultureInfo.InvariantCulture);
        var admin = $"Host=127.0.0.1;Port={Port};Username=kitalink;Database=postgres;Pooling=false";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE kitalink", connection);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = $"Host=127.0.0.1;Port={Port};Username=kitalink;Database=kitalink;Maximum Pool Size=50";
        await PostgresServer.MigrateAsync(ConnectionString);
        Smtp.Start();
    }

    /// <summary>A fast shutdown, as an operator's restart does it: open sessions get 57P01, new connections are refused.</summary>
    public void StopPostgres() => PostgresServer.RunPgScript(null, "stop", _clusterDir);

    /// <summary>Starts the server again on the same port (the API's connection string names it).</summary>
    public void StartPostgres()
    {
        var environment = new Dictionary<string, string> { ["PG_PORT_START"] = Port.ToString(CultureInfo.InvariantCulture) };
        var port = int.Parse(PostgresServer.RunPgScript(environment, "start", _clusterDir, "fast").Trim(), CultureInfo.InvariantCulture);
        if (port != Port)
        {
            throw new InvalidOperationException($"PostgreSQL came back on port {port} instead of {Port} (the port was taken meanwhile).");
        }
    }

    protected override Task DropDatabaseAsync()
    {
        NpgsqlConnection.ClearAllPools();
        PostgresServer.RunPgScript(null, "stop", _clusterDir);
        Directory.Delete(_clusterDir, recursive: true);
        return Task.CompletedTask;
    }
}
