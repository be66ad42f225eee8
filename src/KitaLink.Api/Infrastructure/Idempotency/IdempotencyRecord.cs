namespace KitaLink.Api.Infrastructure.Idempotency;

public enum IdempotencyState
{
    InProgress,
    Completed,
}

/// <summary>
/// The first answer to a create request sent with an <c>Idempotency-Key</c>, kept for
/// <see cref="IdempotencyOptions.Retention"/> per caller. Key and caller are stored as hashes; the answer
/// body is encrypted with Data Protection (it can hold tokens or PIN 1), so the table holds no secret in
/// clear. Written and read with single conditional statements (<see cref="IdempotencyStore"/>), so it works
/// across instances.
/// </summary>
public sealed class IdempotencyRecord
{
    private IdempotencyRecord()
    {
    }

    /// <summary>Hash of the caller scope (token subject, or the anonymous scope) and the key.</summary>
    public string Id { get; private set; } = "";

    /// <summary>Hash of method, path and the bound request body: another body under the same key is a reuse.</summary>
    public string Fingerprint { get; private set; } = "";
    public IdempotencyState State { get; private set; }
    public int? StatusCode { get; private set; }
    public string? Location { get; private set; }
    public string? ETag { get; private set; }
    public string? ContentType { get; private set; }
    public byte[]? ProtectedBody { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Until when a running first request owns the key; a crashed instance's claim lapses then.</summary>
    public DateTimeOffset LockedUntil { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
}
