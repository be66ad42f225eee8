using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Auth;

/// <summary>A parent's tokens: a short-lived access token and a rotating refresh token.</summary>
/// <param name="ExpiresIn">Seconds until the access token expires.</param>
/// <param name="RefreshToken">Single use: <c>POST /auth/refresh</c> consumes it and returns a successor.</param>
public sealed record TokenResponse(
    string AccessToken,
    string TokenType,
    int ExpiresIn,
    DateTimeOffset ExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt);

/// <summary>
/// Issues and revokes parent sessions. A session is a family of refresh tokens: each refresh consumes the
/// presented token and adds its successor to the family, so a replayed (stolen) token is recognisable.
/// A new session's refresh token is added to the caller's DbContext and commits with the caller's change; the
/// refresh rotation (<see cref="FindForRotationAsync"/>, <see cref="RotateAsync"/>) writes with hand-written
/// statements in the caller's transaction, because it is the busiest write of the service (docs/performance.md).
/// </summary>
public sealed class ParentSessions(KitaLinkDbContext db, AccessTokenIssuer issuer, IOptions<JwtOptions> options, TimeProvider time)
{
    /// <summary>A new session (new token family), e.g. after login or registration.</summary>
    public TokenResponse Start(ParentAccount account) => Issue(account, Guid.CreateVersion7());

    /// <summary>Revokes every refresh token of the account (logout, password change, reset); consumed ones too, so replaying them later is a plain 401.</summary>
    public Task<int> RevokeAllAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.RefreshTokens
            .Where(t => t.AccountId == accountId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    /// <summary>Revokes a whole family after one of its consumed tokens was presented again.</summary>
    public Task<int> RevokeFamilyAsync(Guid familyId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.RefreshTokens
            .Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
    }

    /// <summary>Removes the account's expired refresh tokens; called on login so the table does not grow without bound.</summary>
    public Task<int> PruneExpiredAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return db.RefreshTokens
            .Where(t => t.AccountId == accountId && t.ExpiresAt < now)
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// The presented refresh token, locked (<c>FOR UPDATE</c>) in the caller's transaction, with its account's token
    /// version: the refresh rotation's one read, hand-written because it is the busiest write path of the service.
    /// </summary>
    public async Task<PresentedRefreshToken?> FindForRotationAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        var (connection, transaction) = Connection();
        await using var command = new NpgsqlCommand("""
            SELECT t.id, t.account_id, t.family_id, t.expires_at, t.consumed_at, t.revoked_at, a.token_version
            FROM refresh_tokens AS t JOIN parent_accounts AS a ON a.id = t.account_id
            WHERE t.token_hash = $1
            FOR UPDATE OF t
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = tokenHash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new PresentedRefreshToken(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetInt32(6));
    }

    /// <summary>
    /// Consumes <paramref name="presented"/> (found by <see cref="FindForRotationAsync"/>) and writes its successor and
    /// <paramref name="auditEvent"/> in one round trip of the caller's transaction; the caller commits.
    /// </summary>
    public async Task<TokenResponse> RotateAsync(PresentedRefreshToken presented, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var secret = SecretTokens.Generate();
        var successor = new RefreshToken(presented.AccountId, presented.FamilyId, SecretTokens.Hash(secret), now,
            TimeSpan.FromDays(options.Value.RefreshTokenDays));
        var (connection, transaction) = Connection();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var consume = new NpgsqlBatchCommand("UPDATE refresh_tokens SET consumed_at = $1, replaced_by_id = $2 WHERE id = $3");
        consume.Parameters.Add(new NpgsqlParameter { Value = now });
        consume.Parameters.Add(new NpgsqlParameter { Value = successor.Id });
        consume.Parameters.Add(new NpgsqlParameter { Value = presented.Id });
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO refresh_tokens (id, account_id, family_id, token_hash, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6)
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.Id });
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.AccountId });
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.FamilyId });
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.TokenHash });
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.CreatedAt });
        insert.Parameters.Add(new NpgsqlParameter { Value = successor.ExpiresAt });
        batch.BatchCommands.Add(consume);
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(AuditTrail.InsertCommand(auditEvent));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return Response(issuer.ForParent(presented.AccountId, presented.TokenVersion), secret, successor, now);
    }

    /// <summary>The DbContext's connection and transaction: the hand-written statements run inside the caller's transaction.</summary>
    private (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Connection() =>
        ((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction)(db.Database.CurrentTransaction ?? throw new InvalidOperationException("The rotation runs in a transaction.")).GetDbTransaction());

    private static TokenResponse Response(AccessToken access, string secret, RefreshToken refresh, DateTimeOffset now) => new(
        access.Token,
        "Bearer",
        (int)Math.Round((access.ExpiresAt - now).TotalSeconds),
        access.ExpiresAt,
        secret,
        refresh.ExpiresAt);

    private TokenResponse Issue(ParentAccount account, Guid familyId)
    {
        var now = time.GetUtcNow();
        var secret = SecretTokens.Generate();
        var refresh = new RefreshToken(account.Id, familyId, SecretTokens.Hash(secret), now,
            TimeSpan.FromDays(options.Value.RefreshTokenDays));
        db.RefreshTokens.Add(refresh);
        return Response(issuer.ForParent(account), secret, refresh, now);
    }
}

/// <summary>A refresh token as the rotation reads it, with its account's current token version.</summary>
public sealed record PresentedRefreshToken(
    Guid Id, Guid AccountId, Guid FamilyId, DateTimeOffset ExpiresAt, DateTimeOffset? ConsumedAt, DateTimeOffset? RevokedAt, int TokenVersion)
{
    /// <summary>Used before and not revoked since: a second use, the sign of a leaked token.</summary>
    public bool IsReplayed => ConsumedAt is not null && RevokedAt is null;

    public bool IsActiveAt(DateTimeOffset now) => RefreshToken.IsActive(ConsumedAt, RevokedAt, ExpiresAt, now);
}
