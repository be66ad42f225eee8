namespace KitaLink.Api.Facilities;

/// <summary>A daycare facility (Kita): the tenant boundary for children, guardians and staff.</summary>
public sealed class Facility
{
    private Facility() { }

    public Facility(string name, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        Name = name;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    public void Rename(string name) => Name = name;
}
