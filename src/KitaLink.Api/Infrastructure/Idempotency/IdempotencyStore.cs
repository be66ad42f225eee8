using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Idempotency;

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key and its first answer are kept (the IETF draft and Stripe: 24 hours).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a running first request owns its key; after that (a crashed instance) a retry may run it again.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often expired keys are deleted.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>The stored first answer, decrypted for a replay.</summary>
public sealed record StoredAnswer(int StatusCode, string? Location, string? ETag, string? ContentType, byte[] Body);

public abstract record IdempotencyClaim
{
    /// <summary>This request owns the key: run it and store its answer.</summary>
    public sealed record Claimed(string Id, string Fingerprint) : IdempotencyClaim;

    public sealed record Replay(StoredAnswer Answer) : IdempotencyClaim;

    public sealed record KeyReused : IdempotencyClaim;

    public sealed record InProgress : IdempotencyClaim;
}

/// <summary>
/// Keys and first answers in PostgreSQL (<c>idempotency_records</c>). Every step is one conditional
/// statement, so two instances receiving the same retry agree on who runs it: the insert that wins the
/// primary key runs the request, everyone else sees its state.
/// </summary>
public sealed class IdempotencyStore(
    NpgsqlDataSource dataSource,
    IDataProtectionProvider dataProtection,
    IOptions<IdempotencyOptions> options,
    TimeProvider time)
{
    private const string Purpose = "KitaLink.Idempotency.Answer.v1";
    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);

    /// <summary>The record id: the caller scope and the key, hashed (the key is client input of any shape).</summary>
    public static string RecordId(string scope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + key)));

    public async Task<IdempotencyClaim> BeginAsync(string scope, string key, string fingerprint, CancellationToken cancellationToken)
    {
        var id = RecordId(scope, key);
        // A lost race against a delete (expiry, released claim) just tries again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = time.GetUtcNow();
            await using (var claim = dataSource.CreateCommand("""
                INSERT INTO idempotency_records (id, fingerprint, state, created_at, locked_until, expires_at)
                VALUES ($1, $2, 'in_progress', $3, $4, $5)
                ON CONFLICT (id) DO UPDATE SET
                    fingerprint = EXCLUDED.fingerprint, state = 'in_progress', status_code = NULL, location = NULL,
                    etag = NULL, content_type = NULL, protected_body = NULL, created_at = EXCLUDED.created_at,
                    locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
                WHERE idempotency_records.expires_at <= $3
                   OR (idempotency_records.state = 'in_progress' AND idempotency_records.locked_until <= $3
                       AND idempotency_records.fingerprint = EXCLUDED.fingerprint)
                RETURNING id
                """))
            {
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + options.Value.Lease });
                claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + options.Value.Retention });
                if (await claim.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    return new IdempotencyClaim.Claimed(id, fingerprint);
                }
            }

            await using var read = dataSource.CreateCommand("""
                SELECT fingerprint, state, status_code, location, etag, content_type, protected_body
                FROM idempotency_records WHERE id = $1
                """);
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                continue;
            }
            if (reader.GetString(0) != fingerprint)
            {
                return new IdempotencyClaim.KeyReused();
            }
            if (reader.GetString(1) != "completed")
            {
                return new IdempotencyClaim.InProgress();
            }
            return new IdempotencyClaim.Replay(new StoredAnswer(
                reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? [] : _protector.Unprotect(reader.GetFieldValue<byte[]>(6))));
        }
        return new IdempotencyClaim.InProgress();
    }

    /// <summary>Stores the first answer (body encrypted); later retries replay it.</summary>
    public async Task CompleteAsync(IdempotencyClaim.Claimed claim, StoredAnswer answer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE idempotency_records
            SET state = 'completed', status_code = $3, location = $4, etag = $5, content_type = $6, protected_body = $7
            WHERE id = $1 AND fingerprint = $2 AND state = 'in_progress'
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Fingerprint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = answer.StatusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.Location ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.ETag ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)answer.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = _protector.Protect(answer.Body) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Gives the key back (the request failed in a way a retry should run again: 5xx, 429, exception).</summary>
    public async Task ReleaseAsync(IdempotencyClaim.Claimed claim)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM idempotency_records WHERE id = $1 AND fingerprint = $2 AND state = 'in_progress'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = claim.Fingerprint });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Deletes the records whose retention ended; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM idempotency_records WHERE expires_at <= $1");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Deletes expired idempotency keys (on every instance; the statement is harmless when run twice).</summary>
internal sealed partial class IdempotencyCleanup(
    IdempotencyStore store,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.CleanupInterval, time, stoppingToken);
                var deleted = await store.DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogDeleted(logger, deleted);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database may be briefly away; the next round catches up.
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired idempotency keys")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired idempotency keys failed; retrying next round")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
