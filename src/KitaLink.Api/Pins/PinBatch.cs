namespace KitaLink.Api.Pins;

/// <summary>What a batch did for one guardian.</summary>
public enum PinBatchOutcome
{
    Created,
    Skipped,
    Refused,
}

/// <summary>Why a batch did not create a pair for a guardian. Stable words of the API.</summary>
public static class PinBatchReasons
{
    /// <summary>A parent account is already linked through this guardian.</summary>
    public const string AlreadyLinked = "already_linked";

    /// <summary>The guardian has a pending pair and the request did not ask to renew pending pairs.</summary>
    public const string PendingPair = "pending_pair";

    /// <summary>The child has left the facility.</summary>
    public const string ChildLeft = "child_left";

    /// <summary>No email address on record: PIN 2 could not be sent.</summary>
    public const string AddressMissing = "address_missing";

    /// <summary>The address check found the address suspect and staff have not confirmed it.</summary>
    public const string AddressSuspect = "address_suspect";
}

/// <summary>
/// PIN pairs made for many guardians at once (start of the Kita year). Stored with its request key, so a
/// retried request answers with this batch instead of making a second set, and with one entry per guardian,
/// so its letters can be printed again.
/// </summary>
public sealed class PinBatch
{
    /// <summary>Most guardians one batch may cover; a larger selection is refused before anything is made.</summary>
    public const int MaxGuardians = 300;

    /// <summary>How long a request without <c>requestKey</c> is recognised as a retry by its fingerprint.</summary>
    public static readonly TimeSpan FingerprintReplayWindow = TimeSpan.FromHours(24);

    private readonly List<PinBatchEntry> _entries = [];

    private PinBatch() { }

    public PinBatch(Guid facilityId, Guid createdBy, string? requestKey, string requestHash, string fingerprint, bool renewPending, DateTimeOffset now)
    {
        RequestHash = requestHash;
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        CreatedBy = createdBy;
        RequestKey = requestKey;
        Fingerprint = fingerprint;
        RenewPending = renewPending;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid FacilityId { get; private set; }
    public Guid CreatedBy { get; private set; }

    /// <summary>The client's key of the request (<c>requestKey</c>); null when the client sent none.</summary>
    public string? RequestKey { get; private set; }

    /// <summary>SHA-256 of the request as sent (selection and option): a reused <see cref="RequestKey"/> must carry the same.</summary>
    public string RequestHash { get; private set; } = "";

    /// <summary>SHA-256 of the request and the guardians it covered: a retry without key is recognised by it.</summary>
    public string Fingerprint { get; private set; } = "";

    public bool RenewPending { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public IReadOnlyList<PinBatchEntry> Entries => _entries;

    public void Add(Guid guardianId, Guid childId, PinBatchOutcome outcome, string? reason, Guid? pinPairId) =>
        _entries.Add(new PinBatchEntry(Id, _entries.Count, guardianId, childId, outcome, reason, pinPairId));
}

/// <summary>One guardian of a batch, in letter order (group, child, guardian).</summary>
public sealed class PinBatchEntry
{
    private PinBatchEntry() { }

    internal PinBatchEntry(Guid batchId, int position, Guid guardianId, Guid childId, PinBatchOutcome outcome, string? reason, Guid? pinPairId)
    {
        BatchId = batchId;
        Position = position;
        GuardianId = guardianId;
        ChildId = childId;
        Outcome = outcome;
        Reason = reason;
        PinPairId = pinPairId;
    }

    public Guid BatchId { get; private set; }
    public int Position { get; private set; }
    public Guid GuardianId { get; private set; }
    public Guid ChildId { get; private set; }
    public PinBatchOutcome Outcome { get; private set; }
    public string? Reason { get; private set; }
    public Guid? PinPairId { get; private set; }
}
