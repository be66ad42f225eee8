namespace KitaLink.Api.Facilities;

/// <summary>
/// How parents reach the facility, printed on the PIN letter where it says "ask your Kita". Each optional;
/// <c>address</c> may span lines (separated by line breaks).
/// </summary>
public sealed record FacilityContact(string? Address, string? Phone, string? Email)
{
    public static readonly FacilityContact None = new(null, null, null);

    public static FacilityContact Of(Facility facility) => new(facility.ContactAddress, facility.ContactPhone, facility.ContactEmail);
}

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

    /// <summary>Postal address as printed on the PIN letter where it says "ask your Kita" (may span lines).</summary>
    public string? ContactAddress { get; private set; }

    public string? ContactPhone { get; private set; }
    public string? ContactEmail { get; private set; }

    /// <summary>Set by the facility's admin: the facility's staff sign in only with a second factor (TOTP).</summary>
    public bool StaffMfaRequired { get; private set; }

    public void Rename(string name) => Name = name;

    /// <summary>Requires (or stops requiring) a second factor for the facility's staff; false when nothing changed.</summary>
    public bool RequireStaffMfa(bool required)
    {
        if (StaffMfaRequired == required)
        {
            return false;
        }
        StaffMfaRequired = required;
        return true;
    }

    /// <summary>Sets the contact details printed on PIN letters; an empty value removes one, null keeps it.</summary>
    public void UpdateContact(string? address, string? phone, string? email)
    {
        ContactAddress = address is null ? ContactAddress : Blank(address);
        ContactPhone = phone is null ? ContactPhone : Blank(phone);
        ContactEmail = email is null ? ContactEmail : Blank(email);
    }

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
