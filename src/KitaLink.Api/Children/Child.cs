namespace KitaLink.Api.Children;

public enum ChildStatus
{
    Active,
    /// <summary>The child left the facility; its record and history stay.</summary>
    Left,
}

public sealed class Child
{
    private Child() { }

    public Child(Guid facilityId, string firstName, string lastName, DateOnly dateOfBirth, string? group, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        FirstName = firstName;
        LastName = lastName;
        DateOfBirth = dateOfBirth;
        Group = group;
        Status = ChildStatus.Active;
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid FacilityId { get; private set; }
    public string FirstName { get; private set; } = "";
    public string LastName { get; private set; } = "";
    public DateOnly DateOfBirth { get; private set; }
    public string? Group { get; private set; }
    public ChildStatus Status { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Row version (PostgreSQL <c>xmin</c>): the <c>ETag</c> of reads, checked against <c>If-Match</c> on PATCH.</summary>
    public uint Version { get; private set; }

    public Facilities.Facility? Facility { get; private set; }
    public List<Guardians.Guardian> Guardians { get; private set; } = [];

    public void Update(string? firstName, string? lastName, DateOnly? dateOfBirth, string? group, ChildStatus? status, DateTimeOffset now)
    {
        FirstName = firstName ?? FirstName;
        LastName = lastName ?? LastName;
        DateOfBirth = dateOfBirth ?? DateOfBirth;
        Group = group ?? Group;
        Status = status ?? Status;
        UpdatedAt = now;
    }

    /// <summary>Puts the child into a group, or into none with null (<see cref="Update"/> keeps the group on null).</summary>
    public void AssignGroup(string? group, DateTimeOffset now)
    {
        Group = group;
        UpdatedAt = now;
    }
}
