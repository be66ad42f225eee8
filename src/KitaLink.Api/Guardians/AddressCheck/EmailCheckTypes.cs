namespace KitaLink.Api.Guardians.AddressCheck;

/// <summary>Why an address looks wrong. Part of the <c>email_suspect</c> answer and of the stored check result.</summary>
public enum EmailSuspectReason
{
    /// <summary>The domain is a likely typo of a common mail provider (<c>gmial.com</c> for <c>gmail.com</c>).</summary>
    DomainTypo,
    /// <summary>The top-level domain is a likely typo (<c>.con</c>, <c>.dee</c>).</summary>
    TldTypo,
    /// <summary>DNS says the domain cannot receive mail: it does not exist, or has neither MX nor A/AAAA records (or a null MX).</summary>
    NoMailServer,
}

/// <summary>What the DNS said about the domain's ability to receive mail.</summary>
public enum MailServerCheck
{
    /// <summary>Not looked up: the check or its DNS part is switched off, or the address was entered before the check existed.</summary>
    NotChecked,
    /// <summary>One of the shipped common providers; no lookup needed.</summary>
    KnownProvider,
    /// <summary>The domain has MX records.</summary>
    Mx,
    /// <summary>No MX, but A/AAAA records: RFC 5321 section 5.1 delivers to the domain's address.</summary>
    AddressRecord,
    /// <summary>The domain does not exist, has a null MX (RFC 7505), or has neither MX nor A/AAAA.</summary>
    None,
    /// <summary>The DNS did not answer in time or answered with an error: could not check.</summary>
    Unknown,
}

/// <summary>The overall result of the check as stored with the guardian.</summary>
public enum EmailCheckResult
{
    /// <summary>Entered before the check existed, or with the check switched off.</summary>
    NotChecked,
    /// <summary>No typo found and the domain can receive mail (or the DNS part is switched off).</summary>
    Passed,
    /// <summary>No typo found, but the DNS could not be asked (failure or timeout). Never a refusal.</summary>
    CouldNotCheck,
    /// <summary>The address looked suspect and staff kept it with <c>confirmSuspectEmail</c>.</summary>
    SuspectConfirmed,
}

/// <summary>The outcome of checking one address, before staff decide.</summary>
public sealed record EmailCheckReport(
    IReadOnlyList<EmailSuspectReason> Reasons,
    string? Suggestion,
    MailServerCheck MailServer)
{
    public static EmailCheckReport NotChecked { get; } = new([], null, MailServerCheck.NotChecked);

    public bool IsSuspect => Reasons.Count > 0;

    /// <summary>What is stored when the address is kept (with or without confirmation).</summary>
    public EmailCheckResult ResultWhenKept(bool checkEnabled) => !checkEnabled
        ? EmailCheckResult.NotChecked
        : IsSuspect
            ? EmailCheckResult.SuspectConfirmed
            : MailServer == MailServerCheck.Unknown ? EmailCheckResult.CouldNotCheck : EmailCheckResult.Passed;
}

/// <summary>The snake_case words of the reasons, as the API writes them and the guardian row stores them.</summary>
public static class EmailCheckWords
{
    public static string Of(EmailSuspectReason reason) => reason switch
    {
        EmailSuspectReason.DomainTypo => "domain_typo",
        EmailSuspectReason.TldTypo => "tld_typo",
        EmailSuspectReason.NoMailServer => "no_mail_server",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string Of(EmailCheckResult result) => result switch
    {
        EmailCheckResult.NotChecked => "not_checked",
        EmailCheckResult.Passed => "passed",
        EmailCheckResult.CouldNotCheck => "could_not_check",
        EmailCheckResult.SuspectConfirmed => "suspect_confirmed",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    public static IReadOnlyList<EmailSuspectReason> Parse(string stored) =>
        stored.Length == 0
            ? []
            : stored.Split(',').Select(word => Enum.GetValues<EmailSuspectReason>().Single(r => Of(r) == word)).ToList();
}
