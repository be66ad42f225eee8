namespace KitaLink.Api.Accounts;

/// <summary>
/// The spec's exact email matching: two addresses match when they are equal after trimming
/// surrounding whitespace and ignoring letter case. Nothing else is normalised: no provider
/// aliasing (gmail.com ≠ googlemail.com), no dot removal, no <c>+tag</c> stripping.
/// </summary>
public static class EmailAddress
{
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    public static bool Matches(string a, string b) =>
        string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Masks the local part and keeps the domain, so a parent can spot a typo without the address
    /// being disclosed in full: <c>eltern@gmail.com</c> → <c>el***@gmail.com</c>.
    /// </summary>
    public static string Mask(string email)
    {
        var trimmed = email.Trim();
        var at = trimmed.LastIndexOf('@');
        if (at <= 0)
        {
            return "***";
        }
        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..];
        var visible = local.Length switch
        {
            <= 2 => 1,
            _ => 2,
        };
        return $"{local[..visible]}***@{domain}";
    }
}
