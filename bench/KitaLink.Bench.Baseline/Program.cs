using Npgsql;

// The benchmark's reference point: what this machine, this PostgreSQL and this .NET runtime deliver for
// the simplest useful request — one indexed single-row read (a parent account by primary key) through one
// NpgsqlDataSource, serialised as JSON. No authentication, no EF Core, no middleware.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var connectionString = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings__Postgres is not configured.");
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));

var app = builder.Build();
app.MapGet("/baseline/{id:guid}", BaselineApi.GetAccountAsync);
await app.RunAsync();

public sealed record BaselineAccount(Guid Id, string Email, DateTimeOffset CreatedAt);

public static class BaselineApi
{
    public static async Task<IResult> GetAccountAsync(Guid id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, email, created_at FROM parent_accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? TypedResults.Ok(new BaselineAccount(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)))
            : TypedResults.NotFound();
    }
}
