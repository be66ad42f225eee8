using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Data;

public static class DataSetup
{
    public const string ConnectionStringName = "Postgres";

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
                throw new InvalidOperationException(
                    $"ConnectionStrings:{ConnectionStringName} is not configured (environment variable ConnectionStrings__{ConnectionStringName}).");
            }
            return new NpgsqlDataSourceBuilder(connectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                .Build();
        });
        builder.Services.AddDbContextPool<KitaLinkDbContext>((sp, options) => Configure(options, sp.GetRequiredService<NpgsqlDataSource>()));

        // Data Protection keys (PIN 1 encryption, mail bodies) live in PostgreSQL: every instance shares them.
        builder.Services.AddDataProtection()
            .SetApplicationName("KitaLink")
            .PersistKeysToDbContext<KitaLinkDbContext>();
        return builder;
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
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
