using System.Diagnostics;
using KitaLink.Api.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server of the test run: the one <c>scripts/test.sh</c> started
/// (<c>KITALINK_TEST_POSTGRES</c>), or — when tests run from an IDE — a throwaway cluster started here
/// through <c>scripts/pg.sh</c> and stopped when the process exits. Migrations are applied once to a
/// template database; each test class gets a copy of it.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> s_template = new(CreateTemplateAsync);
    private static string? s_clusterDir;

    public static string ServerConnectionString { get; } = ResolveServer();

    /// <summary>A fresh, fully migrated database for one test class.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var template = await s_template.Value;
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        await ExecuteAsync($"CREATE DATABASE {name} TEMPLATE {template}");
        return ConnectionStringFor(name);
    }

    public static Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        return ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    /// <summary>An empty database (no migrations), for tests that migrate themselves.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = "e_" + Guid.NewGuid().ToString("N")[..20];
        await ExecuteAsync($"CREATE DATABASE {name}");
        return ConnectionStringFor(name);
    }

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, MaxPoolSize = 50 }.ConnectionString;

    public static async Task MigrateAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var options = new DbContextOptionsBuilder<KitaLinkDbContext>();
        DataSetup.Configure(options, dataSource);
        await using var db = new KitaLinkDbContext(options.Options);
        await db.Database.MigrateAsync();
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var name = "kitalink_template_" + Environment.ProcessId;
        await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await ExecuteAsync($"CREATE DATABASE {name}");
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionStringFor(name)) { Pooling = false }.ConnectionString;
        await MigrateAsync(connectionString);
        return name;
    }

    private static async Task ExecuteAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string ResolveServer()
    {
        var configured = Environment.GetEnvironmentVariable("KITALINK_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var root = RepositoryRoot.Path;
        s_clusterDir = Directory.CreateTempSubdirectory("kitalink-test-pg-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            // The cluster runs as the postgres user when the tests run as root.
            File.SetUnixFileMode(s_clusterDir, (UnixFileMode)0b111_101_101);
        }
        var port = RunScript(root, "start", s_clusterDir, "fast").Trim();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunScript(root, "stop", s_clusterDir);
            Directory.Delete(s_clusterDir, recursive: true);
        };
        return $"Host=127.0.0.1;Port={port};Username=kitalink";
    }

    /// <summary>Runs <c>scripts/pg.sh</c> (e.g. <c>start DIR fast</c>, <c>stop DIR</c>) and returns its output; throws when it fails.</summary>
    public static string RunPgScript(IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunScript(RepositoryRoot.Path, environment, args);

    private static string RunScript(string root, params string[] args) => RunScript(root, null, args);

    private static string RunScript(string root, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        start.ArgumentList.Add(Path.Combine(root, "scripts", "pg.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"scripts/pg.sh {string.Join(' ', args)} failed: {error}");
    }
}

public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "api.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("api.sln not found above the test binaries.");
    }
}
