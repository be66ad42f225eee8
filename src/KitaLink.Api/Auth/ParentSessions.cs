using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
/// Refresh tokens are added to the caller's DbContext and commit with the caller's change.
/// </summary>
public sealed class ParentSessions(KitaLinkDbContext db, AccessTokenIssuer issuer, IOptions<JwtOptions> options, TimeProvider time)
{
    /// <summary>A new session (new token family), e.g. after login or registration.</summary>
    public TokenResponse Start(ParentAccount account) => Issue(account, Guid.CreateVersion7()).Response;

    /// <summary>The next token of an existing family; the caller consumes the presented one with its id.</summary>
    public (TokenResponse Response, RefreshToken Token) Continue(ParentAccount account, Guid familyId) => Issue(account, familyId);

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

    private (TokenResponse Response, RefreshToken Token) Issue(ParentAccount account, Guid familyId)
    {
        var now = time.GetUtcNow();
        var secret = SecretTokens.Generate();
        var refresh = new RefreshToken(account.Id, familyId, SecretTokens.Hash(secret), now,
            TimeSpan.FromDays(options.Value.RefreshTokenDays));
        db.RefreshTokens.Add(refresh);
        var access = issuer.ForParent(account);
        var response = new TokenResponse(
            access.Token,
            "Bearer",
            (int)Math.Round((access.ExpiresAt - now).TotalSeconds),
            access.ExpiresAt,
            secret,
            refresh.ExpiresAt);
        return (response, refresh);
    }
}
