using System.Collections.Frozen;

namespace KitaLink.Api.Guardians.AddressCheck;

/// <summary>A typo found in the domain of an address, with the address staff probably meant.</summary>
public sealed record DomainTypoFinding(IReadOnlyList<EmailSuspectReason> Reasons, string SuggestedDomain);

/// <summary>
/// Likely typos of the mail providers German families use and of top-level domains. Pure rules, no I/O:
/// <list type="number">
/// <item>a top-level domain from the typo table (<c>.con</c>, <c>.cmo</c>, <c>.dee</c>, <c>.ed</c>, <c>.comm</c>, ...)
/// is a <see cref="EmailSuspectReason.TldTypo"/>, corrected before the provider comparison;</item>
/// <item>a domain that is not a known domain itself but within a small optimal string alignment distance
/// (Damerau-Levenshtein with adjacent transpositions) of a shipped provider is a
/// <see cref="EmailSuspectReason.DomainTypo"/> of the nearest one.</item>
/// </list>
/// Real domains that are near a provider (<c>gmx.at</c>, <c>mail.de</c>, <c>outlook.at</c>) are listed as
/// known domains, so they never count as typos.
/// </summary>
public static class DomainTypos
{
    /// <summary>The providers a typo is matched against, most used first (ties go to the earlier one).</summary>
    public static IReadOnlyList<string> Providers { get; } =
    [
        "gmx.de", "web.de", "t-online.de", "gmail.com", "googlemail.com", "gmx.net", "outlook.de", "outlook.com",
        "hotmail.de", "hotmail.com", "live.de", "yahoo.de", "yahoo.com", "icloud.com", "me.com", "freenet.de",
        "posteo.de", "mailbox.org", "arcor.de", "aol.com",
    ];

    /// <summary>
    /// Real mail domains that are near a provider; entered as they are, they are right. Not compared against
    /// (nobody is told to use <c>gmx.at</c> instead of <c>gmx.de</c>).
    /// </summary>
    // Stryker disable once String : the list is data, not logic; each entry's mutant lives in a static initializer, which
    // only a fresh process with every unit test could exercise. DomainTyposTests checks entries by what they do.
    private static readonly FrozenSet<string> s_otherKnownDomains = new[]
    {
        "gmx.at", "gmx.ch", "gmx.com", "gmx.eu", "gmx.info", "gmx.org", "mail.de", "email.de", "mail.com", "email.com",
        "online.de", "live.at", "live.com", "live.ch", "outlook.at", "outlook.fr", "hotmail.at", "hotmail.ch", "hotmail.fr",
        "hotmail.it", "hotmail.es", "yahoo.at", "yahoo.fr", "yahoo.it", "ymail.com", "aol.de", "mac.com", "msn.com",
        "gmail.de", "icloud.de", "posteo.net", "posteo.at", "mailbox.de", "freenet.net", "vodafone.de", "t-mobile.de",
        "kabelmail.de", "ewe.net", "mnet-online.de", "gmx.li", "web.com", "proton.me", "protonmail.com", "tutanota.de",
        "tutanota.com", "tuta.io",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_known = Providers.Concat(s_otherKnownDomains).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_providers = Providers.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Mistyped top-level domains and what was meant. Only endings that are no real TLD, or almost never one in a parent's address.</summary>
    // Stryker disable once String : the table is data, not logic, in a static initializer like the list above;
    // DomainTyposTests checks one typo of each top-level domain.
    private static readonly FrozenDictionary<string, string> s_tldTypos = new (string Typed, string Meant)[]
    {
        ("con", "com"), ("cmo", "com"), ("cpm", "com"), ("vom", "com"), ("xom", "com"), ("ocm", "com"), ("comm", "com"),
        ("coom", "com"), ("clm", "com"), ("cim", "com"), ("copm", "com"),
        ("dee", "de"), ("ed", "de"), ("dde", "de"), ("ded", "de"), ("dw", "de"), ("fe", "de"), ("xe", "de"),
        ("nett", "net"), ("nte", "net"), ("ner", "net"), ("met", "net"), ("ent", "net"),
        ("ogr", "org"), ("rog", "org"), ("orgg", "org"), ("prg", "org"),
    }.ToFrozenDictionary(t => t.Typed, t => t.Meant, StringComparer.Ordinal);

    /// <summary>True when the domain is one of the shipped providers (it receives mail; no DNS lookup needed).</summary>
    public static bool IsProvider(string domain) => s_providers.Contains(domain.ToLowerInvariant());

    /// <summary>The typo in <paramref name="domain"/> with the domain probably meant, or null when it looks right.</summary>
    public static DomainTypoFinding? Find(string domain)
    {
        var lower = domain.Trim().ToLowerInvariant();
        if (s_known.Contains(lower))
        {
            return null;
        }
        var reasons = new List<EmailSuspectReason>(2);
        var candidate = lower;
        var dot = lower.LastIndexOf('.');
        if (dot > 0 && s_tldTypos.TryGetValue(lower[(dot + 1)..], out var tld))
        {
            reasons.Add(EmailSuspectReason.TldTypo);
            candidate = lower[..(dot + 1)] + tld;
        }
        if (!s_known.Contains(candidate) && NearestProvider(candidate) is { } provider)
        {
            reasons.Add(EmailSuspectReason.DomainTypo);
            candidate = provider;
        }
        return reasons.Count == 0 ? null : new DomainTypoFinding(reasons, candidate);
    }

    /// <summary>
    /// The provider nearest to <paramref name="domain"/> within the allowed distance: one edit for short
    /// domains (up to 7 characters, e.g. <c>gmx.de</c>, <c>me.com</c>), two for longer ones.
    /// </summary>
    private static string? NearestProvider(string domain)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var provider in Providers)
        {
            var allowed = provider.Length <= 7 ? 1 : 2;
            if (Math.Abs(provider.Length - domain.Length) > allowed)
            {
                continue;
            }
            var distance = OptimalStringAlignment.Distance(domain, provider);
            if (distance > 0 && distance <= allowed && distance < bestDistance)
            {
                best = provider;
                bestDistance = distance;
            }
        }
        return best;
    }
}

/// <summary>
/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of two
/// adjacent characters each cost one (the restricted Damerau-Levenshtein distance; <c>gmial</c> → <c>gmail</c> is 1).
/// </summary>
public static class OptimalStringAlignment
{
    public static int Distance(string a, string b)
    {
        var rows = a.Length + 1;
        var columns = b.Length + 1;
        var d = new int[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j < columns; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i < rows; i++)
        {
            for (var j = 1; j < columns; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }
                d[i, j] = value;
            }
        }
        return d[rows - 1, columns - 1];
    }
}
