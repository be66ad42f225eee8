using KitaLink.Api.Audit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Data;

public static class DataSetup
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>Connections per instance unless the connection string says otherwise.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>Seconds to open a connection or wait for a pooled one, unless the connection string says otherwise.</summary>
    public const int DefaultConnectTimeoutSeconds = 15;

    /// <summary>Seconds one statement may run (including lock waits), unless the connection string says otherwise.</summary>
    public const int DefaultCommandTimeoutSeconds = 15;

    /// <summary>
    /// One <see cref="NpgsqlDataSource"/> (one connection pool) for the whole process; the pooled
    /// DbContexts, raw commands and Data Protection all use it, so instances stay within PostgreSQL's
    /// connection limit.
    /// </summary>
    public static WebApplicationBuilder AddKitaLinkData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp =>
        {
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new Startup.SettingMissingException(
                    $"ConnectionStrings:{ConnectionStringName} is not configured (environment variable ConnectionStrings__{ConnectionStringName}).");
            }
            return CreateDataSourceBuilder(connectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                // Statements are traced inside a request or a traced background round only: the idle polls of
                // the outbox sender would otherwise be a root span twice a second.
                .ConfigureTracing(tracing => tracing.ConfigureCommandFilter(_ => System.Diagnostics.Activity.Current is not null))
                .Build();
        });
        builder.Services.AddSingleton<AuditMetrics>();
        builder.Services.AddDbContextPool<KitaLinkDbContext>((sp, options) =>
            Configure(options, sp.GetRequiredService<NpgsqlDataSource>()).AddInterceptors(sp.GetRequiredService<AuditMetrics>()));

        // Data Protection keys (PIN 1 encryption, mail bodies) live in PostgreSQL: every instance shares them.
        builder.Services.AddDataProtection()
            .SetApplicationName("KitaLink")
            .PersistKeysToDbContext<KitaLinkDbContext>();
        return builder;
    }

    /// <summary>The pool's settings: KitaLink's defaults for what the connection string leaves open.</summary>
    internal static NpgsqlDataSourceBuilder CreateDataSourceBuilder(string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        // Automatic preparation: PostgreSQL parses and plans each of KitaLink's recurring statements once
        // per connection instead of on every execution (planning a four-table join costs more than running
        // it). A connection string that sets Max Auto Prepare itself (0 turns it off) wins.
        if (!HasSetting(connectionString, "Max Auto Prepare"))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        // A small pool: PostgreSQL serves more queries per second with a few busy backends than with one
        // per waiting request (measured: 20 connections answer GET /me/children 1.3× faster than 100), and
        // N instances × 20 stay far below max_connections. Requests beyond it wait for a connection in the
        // process. A connection string that sets Maximum Pool Size wins (docs/operations.md).
        if (!HasSetting(connectionString, "Maximum Pool Size"))
        {
            dataSource.ConnectionStringBuilder.MaxPoolSize = DefaultMaxPoolSize;
        }
        // Bounded waits (docs/operations.md, "When PostgreSQL is away"): a request waits at most Timeout for a
        // connection (opening one, or a free one from the pool) and at most Command Timeout for one statement,
        // then gets 503 instead of hanging. 15 s to connect (Npgsql's default, stated explicitly): a new connection
        // also loads the server's type catalogue, and on an overloaded machine 5 s were measured to be too short
        // for that. 15 s per statement instead of Npgsql's 30 s, which outlasts most clients' own timeouts.
        if (!HasSetting(connectionString, "Timeout"))
        {
            dataSource.ConnectionStringBuilder.Timeout = DefaultConnectTimeoutSeconds;
        }
        if (!HasSetting(connectionString, "Command Timeout"))
        {
            dataSource.ConnectionStringBuilder.CommandTimeout = DefaultCommandTimeoutSeconds;
        }
        return dataSource;
    }

    /// <summary>Whether the connection string names <paramref name="keyword"/> (any case, with or without spaces).</summary>
    internal static bool HasSetting(string connectionString, string keyword)
    {
        static string Plain(string key) => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        var wanted = Plain(keyword);
        return new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Any(key => Plain(key) == wanted);
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention()
            // Each failure is logged once, where it is handled: 503 with its cause when PostgreSQL is away, the
            // exception handler's error with stack trace for a bug, the outbox sender's round failure. EF's own
            // error events would add a second, stack-traced Error line per failure (and one for the expected
            // failed probe of the migration history table on a fresh database); they stay available at Debug.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandError, LogLevel.Debug),
                (RelationalEventId.ConnectionError, LogLevel.Debug),
                (RelationalEventId.TransactionError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug)));
}

/// <summary>Lets <c>dotnet ef</c> build the model without a running database or the web host.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<KitaLinkDbContext>
{
    public KitaLinkDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable($"ConnectionStrings__{DataSetup.ConnectionStringName}")
            ?? "Host=127.0.0.1;Database=kitalink_design;Username=kitalink";
        var options = new DbContextOptionsBuilder<KitaLinkDbContext>();
        DataSetup.Configure(options, NpgsqlDataSource.Create(connectionString));
        return new KitaLinkDbContext(options.Options);
    }
}
