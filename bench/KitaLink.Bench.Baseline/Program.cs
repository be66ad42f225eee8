using System.Security.Cryptography;
using System.Text;
using Npgsql;

// The benchmark's reference points: what this machine, this PostgreSQL and this .NET runtime deliver for the
// same database work as a KitaLink endpoint, written as directly as possible: one NpgsqlDataSource, the
// statements by hand, JSON out. No authentication, no EF Core, no middleware.
//   GET  /baseline/{id}                        one indexed single-row read (a parent account by primary key)
//   POST /baseline/refresh                     a refresh-token rotation: find by hash with a row lock, mark it
//                                              used, insert its successor, commit (one transaction)
//   GET  /baseline/facilities/{id}/children    the first page of a facility's children list, the same rows
//                                              (and guardian counts) the staff list returns
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

var connectionString = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("ConnectionStrings__Postgres is not configured.");
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));

var app = builder.Build();
app.MapGet("/baseline/{id:guid}", BaselineApi.GetAccountAsync);
app.MapPost("/baseline/refresh", BaselineApi.RotateAsync);
app.MapGet("/baseline/facilities/{facilityId:guid}/children", BaselineApi.ListChildrenAsync);
await app.RunAsync();

public sealed record BaselineAccount(Guid Id, string Email, DateTimeOffset CreatedAt);

public sealed record BaselineRefreshRequest(string RefreshToken);

public sealed record BaselineRefreshResponse(string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

public sealed record BaselineChild(
    Guid Id, string FirstName, string LastName, DateOnly DateOfBirth, string? Group, string Status, int GuardianCount,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record BaselineChildList(IReadOnlyList<BaselineChild> Items, string? NextCursor);

public static class BaselineApi
{
    private static readonly TimeSpan s_refreshLifetime = TimeSpan.FromDays(30);

    public static async Task<IResult> GetAccountAsync(Guid id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, email, created_at FROM parent_accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? TypedResults.Ok(new BaselineAccount(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)))
            : TypedResults.NotFound();
    }

    public static async Task<IResult> RotateAsync(BaselineRefreshRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(request.RefreshToken));
        var now = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Guid id, accountId, familyId;
        await using (var find = new NpgsqlCommand(
            "SELECT id, account_id, family_id FROM refresh_tokens " +
            "WHERE token_hash = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $2 FOR UPDATE", connection, transaction))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = hash });
            find.Parameters.Add(new NpgsqlParameter { Value = now });
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return TypedResults.Unauthorized();
            }
            (id, accountId, familyId) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2));
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var successorId = Guid.CreateVersion7();
        var expiresAt = now + s_refreshLifetime;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var consume = new NpgsqlBatchCommand("UPDATE refresh_tokens SET consumed_at = $1, replaced_by_id = $2 WHERE id = $3");
            consume.Parameters.Add(new NpgsqlParameter { Value = now });
            consume.Parameters.Add(new NpgsqlParameter { Value = successorId });
            consume.Parameters.Add(new NpgsqlParameter { Value = id });
            var insert = new NpgsqlBatchCommand(
                "INSERT INTO refresh_tokens (id, account_id, family_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)");
            insert.Parameters.Add(new NpgsqlParameter { Value = successorId });
            insert.Parameters.Add(new NpgsqlParameter { Value = accountId });
            insert.Parameters.Add(new NpgsqlParameter { Value = familyId });
            insert.Parameters.Add(new NpgsqlParameter { Value = SHA256.HashData(Encoding.UTF8.GetBytes(secret)) });
            insert.Parameters.Add(new NpgsqlParameter { Value = now });
            insert.Parameters.Add(new NpgsqlParameter { Value = expiresAt });
            batch.BatchCommands.Add(consume);
            batch.BatchCommands.Add(insert);
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new BaselineRefreshResponse(secret, expiresAt));
    }

    public static async Task<IResult> ListChildrenAsync(Guid facilityId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        const int limit = 100;
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.first_name, c.last_name, c.date_of_birth, c."group", c.status,
                   (SELECT count(*)::int FROM guardians g WHERE g.child_id = c.id), c.created_at, c.updated_at
            FROM children c WHERE c.facility_id = $1
            ORDER BY c.last_name, c.first_name, c.id LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = facilityId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        var items = new List<BaselineChild>(limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(new BaselineChild(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                    reader.GetFieldValue<DateOnly>(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
                    reader.GetInt32(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            var last = items[^1];
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.LastName}\u001f{last.FirstName}\u001f{last.Id}"));
        }
        return TypedResults.Ok(new BaselineChildList(items, next));
    }
}
