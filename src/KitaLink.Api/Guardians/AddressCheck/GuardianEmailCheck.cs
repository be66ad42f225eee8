using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Guardians.AddressCheck;

/// <summary><c>EmailCheck__*</c>: the address check made when staff enter or change a guardian email.</summary>
public sealed class EmailCheckOptions
{
    public const string Section = "EmailCheck";

    /// <summary>The whole check (typos and DNS). Off: every address is stored as <c>not_checked</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Ask the DNS whether the domain can receive mail (MX, else A/AAAA). Off: only the typo rules run, no DNS is needed.</summary>
    public bool LookupMailServers { get; set; } = true;

    /// <summary>DNS servers as <c>address</c> or <c>address:port</c>; none = the system resolver (<c>/etc/resolv.conf</c>).</summary>
    public List<string> DnsServers { get; set; } = [];

    /// <summary>Budget of one lookup (MX, then A and AAAA together). Past it the result is "could not check".</summary>
    [Range(50, 10_000)]
    public int DnsTimeoutMilliseconds { get; set; } = 500;

    /// <summary>How long a definite DNS answer (mail server or none) is reused for the same domain.</summary>
    [Range(0, 1440)]
    public int CacheMinutes { get; set; } = 30;

    /// <summary>
    /// A domain known to receive mail. "No mail server" for a guardian's domain is believed only while the
    /// resolver finds this domain's MX; otherwise the result is "could not check" (a resolver cut off from the
    /// internet says "no such domain" for every name). Empty: believe every answer.
    /// </summary>
    public string ReferenceDomain { get; set; } = "gmail.com";
}

/// <summary>
/// The address check of a guardian email (the spec's "Email addresses entered by staff"): likely provider
/// and top-level-domain typos with a suggestion (<see cref="DomainTypos"/>), and whether the domain can
/// receive mail (<see cref="MailDomainLookup"/>, after the RFC 5321 domain limits of <see cref="EmailSyntax"/>). A DNS failure only makes the result "could not check": it never refuses an
/// address and never holds a request longer than the DNS timeout.
/// </summary>
public sealed class GuardianEmailCheck(IOptions<EmailCheckOptions> options, MailDomainLookup? lookup, TimeProvider time)
{
    private const int MaxCachedDomains = 10_000;
    private readonly ConcurrentDictionary<string, (MailServerCheck Result, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    public bool Enabled => options.Value.Enabled;

    public async Task<EmailCheckReport> CheckAsync(string email, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return EmailCheckReport.NotChecked;
        }
        var trimmed = email.Trim();
        var at = trimmed.LastIndexOf('@');
        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..].ToLowerInvariant();

        var typo = DomainTypos.Find(domain);
        var mailServer = settings.LookupMailServers && lookup is not null
            ? await MailServerOfAsync(domain, cancellationToken)
            : MailServerCheck.NotChecked;

        var reasons = new List<EmailSuspectReason>(typo?.Reasons ?? []);
        if (mailServer == MailServerCheck.None)
        {
            reasons.Add(EmailSuspectReason.NoMailServer);
        }
        var suggestion = typo is null ? null : $"{local}@{typo.SuggestedDomain}";
        return new EmailCheckReport(reasons, suggestion, mailServer);
    }

    private async Task<MailServerCheck> MailServerOfAsync(string domain, CancellationToken cancellationToken)
    {
        if (DomainTypos.IsProvider(domain))
        {
            return MailServerCheck.KnownProvider;
        }
        if (!EmailSyntax.IsWithinRfcLimits("x@" + domain))
        {
            // Not a name the DNS can hold (label over 63 characters, underscore, ...): no server can receive for it.
            return MailServerCheck.None;
        }
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(domain, out var cached) && cached.Until > now)
        {
            return cached.Result;
        }
        string ascii;
        try
        {
            ascii = new IdnMapping().GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return MailServerCheck.None;
        }
        var result = await lookup!.CheckAsync(ascii, cancellationToken);
        var minutes = options.Value.CacheMinutes;
        // Only definite answers are reused: a DNS failure is asked again next time.
        if (result != MailServerCheck.Unknown && minutes > 0)
        {
            if (_cache.Count >= MaxCachedDomains)
            {
                _cache.Clear();
            }
            _cache[domain] = (result, now.AddMinutes(minutes));
        }
        return result;
    }
}
