namespace KitaLink.Api.Links;

public enum ChildLinkStatus
{
    Active,
    /// <summary>The child changed facility; the old link stays as read-only history.</summary>
    Archived,
}

/// <summary>The link between a parent account and a child, made by redeeming a PIN pair.</summary>
public sealed class ChildLink
{
    private ChildLink() { }

    public ChildLink(Guid accountId, Guid childId, Guid guardianId, Guid pinPairId, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        AccountId = accountId;
        ChildId = childId;
        GuardianId = guardianId;
        PinPairId = pinPairId;
        Status = ChildLinkStatus.Active;
        LinkedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid AccountId { get; private set; }
    public Guid ChildId { get; private set; }
    public Guid GuardianId { get; private set; }
    public Guid PinPairId { get; private set; }
    public ChildLinkStatus Status { get; private set; }
    public DateTimeOffset LinkedAt { get; private set; }
    public DateTimeOffset? ArchivedAt { get; private set; }

    /// <summary>The child record (in the new facility) that replaced this one.</summary>
    public Guid? ReplacedByChildId { get; private set; }

    public Accounts.ParentAccount? Account { get; private set; }
    public Children.Child? Child { get; private set; }

    public void Archive(Guid replacedByChildId, DateTimeOffset now)
    {
        if (Status == ChildLinkStatus.Archived)
        {
            throw new InvalidOperationException($"Link {Id} is already archived.");
        }
        Status = ChildLinkStatus.Archived;
        ArchivedAt = now;
        ReplacedByChildId = replacedByChildId;
    }
}
