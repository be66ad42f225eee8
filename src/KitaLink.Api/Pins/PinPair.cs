namespace KitaLink.Api.Pins;

/// <summary>Stored state of a pair. <c>expired</c> is not stored: it follows from <see cref="PinPair.ExpiresAt"/>.</summary>
public enum PinPairState
{
    Pending,
    Redeemed,
    Revoked,
    Locked,
}

/// <summary>What staff and the redemption rules see: the stored state with expiry applied.</summary>
public enum PinStatus
{
    None,
    Pending,
    Redeemed,
    Expired,
    Revoked,
    Locked,
}

public enum PinRevocationReason
{
    /// <summary>Staff created a new pair for the guardian.</summary>
    Replaced,
    /// <summary>Staff revoked the pair explicitly.</summary>
    RevokedByStaff,
    /// <summary>The guardian's email changed, so PIN 2 went to an address that is no longer on file.</summary>
    EmailChanged,
}

/// <summary>
/// The two-channel PIN pair that links one guardian's parent account to one child.
/// PIN 1 (paper letter) is kept encrypted so staff can read it while the pair is pending, plus a keyed
/// hash to find the pair; PIN 2 (email) is kept only as a keyed hash. Transitions are one-way: a pair
/// leaves <see cref="PinPairState.Pending"/> exactly once.
/// </summary>
public sealed class PinPair
{
    /// <summary>Failed attempts (right PIN 1, wrong PIN 2 or wrong email) after which the pair locks.</summary>
    public const int MaxFailedAttempts = 5;

    private PinPair() { }

    public PinPair(
        Guid facilityId,
        Guid childId,
        Guid guardianId,
        string guardianEmail,
        string pin1Protected,
        PinHashes hashes,
        Guid createdByStaffId,
        DateTimeOffset now,
        TimeSpan validity)
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        ChildId = childId;
        GuardianId = guardianId;
        GuardianEmail = guardianEmail;
        Pin1Protected = pin1Protected;
        Pin1Lookup = hashes.Pin1Lookup;
        Pin2Hash = hashes.Pin2Hash;
        HashKeyVersion = hashes.KeyVersion;
        CreatedByStaffId = createdByStaffId;
        State = PinPairState.Pending;
        CreatedAt = now;
        Pin2IssuedAt = now;
        ExpiresAt = now + validity;
    }

    public Guid Id { get; private set; }
    public Guid FacilityId { get; private set; }
    public Guid ChildId { get; private set; }
    public Guid GuardianId { get; private set; }

    /// <summary>The address PIN 2 was sent to, frozen at creation (printed on the letter).</summary>
    public string GuardianEmail { get; private set; } = null!;

    /// <summary>PIN 1, encrypted with ASP.NET Core Data Protection. Null once the secrets are wiped (<see cref="SecretsWipedAt"/>), as are the two hashes.</summary>
    public string? Pin1Protected { get; private set; }

    /// <summary>Keyed hash (HMAC-SHA256) of the normalised PIN 1; unique among all pairs.</summary>
    public byte[]? Pin1Lookup { get; private set; }

    /// <summary>Keyed hash (HMAC-SHA256) of the normalised PIN 2. PIN 2 itself is never stored.</summary>
    public byte[]? Pin2Hash { get; private set; }

    /// <summary>
    /// The version of the PIN hash key (<c>Pins:HashKeyVersion</c>) that made <see cref="Pin1Lookup"/> and
    /// <see cref="Pin2Hash"/>; the pair stays redeemable while that version is configured (current or previous).
    /// </summary>
    public int HashKeyVersion { get; private set; }

    public PinPairState State { get; private set; }
    public int FailedAttempts { get; private set; }
    public Guid CreatedByStaffId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>When the current PIN 2 was issued (creation, or the latest resend).</summary>
    public DateTimeOffset Pin2IssuedAt { get; private set; }

    /// <summary>The outbox message that carries the current PIN 2.</summary>
    public Guid? Pin2MessageId { get; private set; }

    public DateTimeOffset? RedeemedAt { get; private set; }
    public Guid? RedeemedByAccountId { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }
    public PinRevocationReason? RevocationReason { get; private set; }
    public DateTimeOffset? LockedAt { get; private set; }

    /// <summary>
    /// When the retention job removed PIN 1 (encrypted and lookup hash), the PIN 2 hash and the wrong-email
    /// attempts, a configured time after the pair was redeemed, revoked, locked or expired (docs/privacy.md).
    /// A wiped pair cannot be found by its PINs any more; its history (states, times, ids) stays.
    /// </summary>
    public DateTimeOffset? SecretsWipedAt { get; private set; }

    /// <summary>PostgreSQL row version; guards every transition against a concurrent one.</summary>
    public uint Version { get; private set; }

    public PinStatus StatusAt(DateTimeOffset now) => State switch
    {
        PinPairState.Pending when now >= ExpiresAt => PinStatus.Expired,
        PinPairState.Pending => PinStatus.Pending,
        PinPairState.Redeemed => PinStatus.Redeemed,
        PinPairState.Revoked => PinStatus.Revoked,
        PinPairState.Locked => PinStatus.Locked,
        _ => throw new InvalidOperationException($"Unknown state {State}."),
    };

    public bool IsRedeemableAt(DateTimeOffset now) => StatusAt(now) == PinStatus.Pending;

    public void AttachPin2Message(Guid outboxMessageId) => Pin2MessageId = outboxMessageId;

    /// <summary>
    /// Issues a new PIN 2 for a pending pair; PIN 1 and the printed letter stay valid. The hashes of both PINs are
    /// replaced together, so a pair hashed with a previous key moves to the current one.
    /// </summary>
    public void ReplacePin2(PinHashes hashes, Guid outboxMessageId, DateTimeOffset now)
    {
        EnsurePending(now);
        Pin1Lookup = hashes.Pin1Lookup;
        Pin2Hash = hashes.Pin2Hash;
        HashKeyVersion = hashes.KeyVersion;
        Pin2MessageId = outboxMessageId;
        Pin2IssuedAt = now;
    }

    /// <summary>Counts a failed attempt; returns true when this attempt locked the pair.</summary>
    public bool RecordFailedAttempt(DateTimeOffset now)
    {
        if (State != PinPairState.Pending)
        {
            return false;
        }
        FailedAttempts++;
        if (FailedAttempts < MaxFailedAttempts)
        {
            return false;
        }
        State = PinPairState.Locked;
        LockedAt = now;
        return true;
    }

    public void Redeem(Guid accountId, DateTimeOffset now)
    {
        EnsurePending(now);
        State = PinPairState.Redeemed;
        RedeemedAt = now;
        RedeemedByAccountId = accountId;
    }

    /// <summary>Revokes a pending (or expired-but-unredeemed) pair; a no-op for pairs that already ended.</summary>
    public bool Revoke(PinRevocationReason reason, DateTimeOffset now)
    {
        if (State != PinPairState.Pending)
        {
            return false;
        }
        State = PinPairState.Revoked;
        RevokedAt = now;
        RevocationReason = reason;
        return true;
    }

    private void EnsurePending(DateTimeOffset now)
    {
        if (!IsRedeemableAt(now))
        {
            throw new InvalidOperationException($"PIN pair {Id} is {StatusAt(now)}, not pending.");
        }
    }
}
