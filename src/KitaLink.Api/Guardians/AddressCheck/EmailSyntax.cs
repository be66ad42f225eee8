using System.Globalization;

namespace KitaLink.Api.Guardians.AddressCheck;

/// <summary>
/// The RFC 5321/5322 limits an address must keep to be deliverable, beyond the shape rules of
/// <c>InputRules.IsPlausibleEmail</c> (one <c>@</c>, local part of at most 64 characters, at most 254 in
/// all, dotted domain, Latin script), which stay the edge's allow-list unchanged: the local part is a
/// dot-atom without leading, trailing or doubled dots; the domain, in its ASCII (IDNA) form, has at most 253
/// characters, labels of 1-63 letters, digits and inner hyphens, and a top-level domain that is not all
/// digits. An accepted address outside these limits cannot be a DNS name: the address check reports
/// <c>no_mail_server</c> for it without asking the DNS.
/// </summary>
public static class EmailSyntax
{
    public const int MaxLocalPartLength = 64;
    public const int MaxDomainLength = 253;
    public const int MaxLabelLength = 63;

    public static bool IsWithinRfcLimits(string email)
    {
        var trimmed = email.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0 || at == trimmed.Length - 1)
        {
            return false;
        }
        var local = trimmed[..at];
        if (local.Length > MaxLocalPartLength || local.StartsWith('.') || local.EndsWith('.')
            || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        string ascii;
        try
        {
            ascii = new IdnMapping().GetAscii(trimmed[(at + 1)..]);
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (ascii.Length > MaxDomainLength)
        {
            return false;
        }
        var labels = ascii.Split('.');
        return labels.Length >= 2
            && labels.All(IsLabel)
            && !labels[^1].All(char.IsAsciiDigit);
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
        && label[0] != '-' && label[^1] != '-';
}
