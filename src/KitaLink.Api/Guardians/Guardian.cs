using KitaLink.Api.Guardians.AddressCheck;

namespace KitaLink.Api.Guardians;

/// <summary>A person entitled to a child, as the facility recorded them.</summary>
public sealed class Guardian
{
    private Guardian() { }

    public Guardian(Guid facilityId, Guid childId, string name, string relationship, string email, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        FacilityId = facilityId;
        ChildId = childId;
        Name = name;
        Relationship = relationship;
        Email = email.Trim();
        CreatedAt = now;
        UpdatedAt = now;
    }

    public Guid Id { get; private set; }

    /// <summary>Denormalised from the child so every query can be scoped to the caller's facility directly.</summary>
    public Guid FacilityId { get; private set; }

    public Guid ChildId { get; private set; }
    public string Name { get; private set; } = "";
    public string Relationship { get; private set; } = "";

    /// <summary>The email exactly as the parent gave it to the facility (surrounding whitespace trimmed).</summary>
    public string Email { get; private set; } = "";

    /// <summary>
    /// The family's language for the PIN letter and the PIN 2 mail (one of <see cref="Pins.FamilyLanguages.Codes"/>),
    /// printed with German beside it; null means German only.
    /// </summary>
    public string? PreferredLanguage { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Row version (PostgreSQL <c>xmin</c>): the <c>ETag</c> of reads, checked against <c>If-Match</c> on PATCH.</summary>
    public uint Version { get; private set; }

    /// <summary>The address check made when the current email was entered (see <see cref="RecordEmailCheck"/>).</summary>
    public EmailCheckResult EmailCheckResult { get; private set; }

    /// <summary>The reasons found, as their snake_case words separated by commas (empty when none).</summary>
    public string EmailCheckReasons { get; private set; } = "";

    public string? EmailCheckSuggestion { get; private set; }
    public MailServerCheck EmailCheckMailServer { get; private set; }
    public DateTimeOffset? EmailCheckedAt { get; private set; }

    /// <summary>The staff member who kept a suspect address with <c>confirmSuspectEmail</c>.</summary>
    public Guid? EmailConfirmedByStaffId { get; private set; }

    public Children.Child? Child { get; private set; }

    /// <summary>Sets the family's language; an empty value removes it (German only).</summary>
    public void SetPreferredLanguage(string? language, DateTimeOffset now)
    {
        PreferredLanguage = string.IsNullOrWhiteSpace(language) ? null : language.Trim().ToLowerInvariant();
        UpdatedAt = now;
    }

    /// <summary>Stores the check of the current email: passed, could not check (DNS), or suspect and kept by staff.</summary>
    public void RecordEmailCheck(EmailCheckReport report, bool checkEnabled, Guid? confirmedByStaffId, DateTimeOffset now)
    {
        EmailCheckResult = report.ResultWhenKept(checkEnabled);
        EmailCheckReasons = string.Join(',', report.Reasons.Select(EmailCheckWords.Of));
        EmailCheckSuggestion = report.Suggestion;
        EmailCheckMailServer = report.MailServer;
        EmailCheckedAt = checkEnabled ? now : null;
        EmailConfirmedByStaffId = report.IsSuspect ? confirmedByStaffId : null;
    }

    /// <summary>
    /// Updates the record; returns true when the email now names another mailbox (the caller then revokes a
    /// pending PIN pair). A change of letter case only is stored but is no new address: matching ignores case,
    /// so PIN 2 reached the right mailbox and the pending pair stays valid.
    /// </summary>
    public bool Update(string? name, string? relationship, string? email, DateTimeOffset now)
    {
        Name = name ?? Name;
        Relationship = relationship ?? Relationship;
        var addressChanged = false;
        if (email is not null && email.Trim() != Email)
        {
            addressChanged = !Accounts.EmailAddress.Matches(email, Email);
            Email = email.Trim();
        }
        UpdatedAt = now;
        return addressChanged;
    }
}
