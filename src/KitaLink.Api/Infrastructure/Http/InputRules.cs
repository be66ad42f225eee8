using System.Net.Mail;
using FluentValidation;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>Shape rules shared by the facility-side requests (staff, children, guardians).</summary>
public static class InputRules
{
    /// <summary>RFC 5321 limit of a forward path; the columns are sized for it.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>
    /// A plausible single mailbox address: one <c>@</c>, a local part of at most 64 characters, a dotted
    /// domain, no whitespace or display name. Only the shape is checked here; the stricter RFC 5321 domain
    /// limits, typos and the mail domain are the guardian address check's part (<c>GuardianEmailCheck</c>).
    /// </summary>
    public static bool IsPlausibleEmail(string? email)
    {
        if (email is null)
        {
            return false;
        }
        var trimmed = email.Trim();
        if (trimmed.Length is 0 or > MaxEmailLength || trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return false;
        }
        var at = trimmed.IndexOf('@');
        if (at <= 0 || at != trimmed.LastIndexOf('@') || at > 64)
        {
            return false;
        }
        var domain = trimmed[(at + 1)..];
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        // MailAddress would also accept "Name <a@b.de>"; requiring the parsed address to be the whole
        // input rejects display names, comments and quoting tricks.
        return IsLatinScript(trimmed) && MailAddress.TryCreate(trimmed, out var parsed) && parsed.Address == trimmed;
    }

    /// <summary>
    /// What a login or reset request may carry as email: one <c>@</c> between non-empty parts, no whitespace
    /// or control characters, Latin script. Looser than <see cref="IsPlausibleEmail"/> (no dotted domain),
    /// so a configured operator such as <c>admin@localhost</c> can still sign in.
    /// </summary>
    public static bool IsEmailShaped(string? email)
    {
        if (email is null)
        {
            return false;
        }
        var trimmed = email.Trim();
        var at = trimmed.IndexOf('@');
        return trimmed.Length is > 0 and <= MaxEmailLength
            && at > 0 && at == trimmed.LastIndexOf('@') && at < trimmed.Length - 1
            && !trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            && IsLatinScript(trimmed);
    }

    /// <summary>
    /// ASCII plus the Latin letters of Latin-1 and Latin Extended-A/B (umlauts, accents). Cyrillic or Greek
    /// look-alikes (<c>gmаil.com</c> with a Cyrillic <c>а</c>) are refused: on screen and on the printed
    /// letter staff could not tell such an address from the real one.
    /// </summary>
    public static bool IsLatinScript(string value) =>
        value.All(c => c < 0x80 || (c is >= '\u00C0' and <= '\u024F' && c is not ('\u00D7' or '\u00F7')));

    // The patterns below state which ASCII characters a name or label may not hold (symbols, digits in names,
    // control characters). Letters of other scripts are allowed by the rules, and JSON Schema tools match
    // patterns without Unicode property classes, so the patterns list what is refused rather than what is
    // allowed: every value the service accepts matches; a value that matches can still be refused for a
    // non-letter outside ASCII (e.g. an emoji).

    /// <summary>The ASCII side of <see cref="IsPersonName"/>, for the OpenAPI document.</summary>
    public const string PersonNamePattern = @"^[^\u0000-\u001F\u007F!""#$%&()*+,/0-9:;<=>?@\[\\\]^_`{|}~]+$";

    /// <summary>The ASCII side of <see cref="IsLabel"/>, for the OpenAPI document.</summary>
    public const string LabelPattern = @"^[^\u0000-\u001F\u007F!""#$%*:;<=>?@\[\\\]^_`{|}~]+$";

    /// <summary>An optional label may also be empty (no group).</summary>
    public const string OptionalLabelPattern = @"^[^\u0000-\u001F\u007F!""#$%*:;<=>?@\[\\\]^_`{|}~]*$";

    /// <summary>
    /// A person's name: letters (any script, with combining marks), spaces, apostrophes, dots and hyphens.
    /// An allow-list, so markup and query fragments (<c>&lt;script&gt;</c>, <c>'; DROP TABLE</c>) never
    /// get stored to surprise a client that renders them carelessly.
    /// </summary>
    public static bool IsPersonName(string value) =>
        value.All(c => char.IsLetter(c) || IsCombiningMark(c) || c is ' ' or '\'' or '\u2019' or '-' or '.');

    /// <summary>A label (facility, group, relationship, staff display name): a name plus digits and <c>, / &amp; ( ) +</c>.</summary>
    public static bool IsLabel(string value) =>
        value.All(c => char.IsLetterOrDigit(c) || IsCombiningMark(c)
            || c is ' ' or '\'' or '\u2019' or '-' or '\u2013' or '.' or ',' or '/' or '&' or '(' or ')' or '+');

    private static bool IsCombiningMark(char c) =>
        char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.SpacingCombiningMark;

    public static IRuleBuilderOptions<T, string?> PlausibleEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .WithMessage("The email address is required.")
            .MustDocumented(e => e is null || e.Trim().Length <= MaxEmailLength, SchemaFacets.Length(max: MaxEmailLength))
            .WithMessage($"The email address must have at most {MaxEmailLength} characters.")
            .MustDocumented(e => string.IsNullOrWhiteSpace(e) || e.Trim().Length > MaxEmailLength || IsPlausibleEmail(e), SchemaFacets.OfFormat("email"))
            .WithMessage("This is not a valid email address.");

    /// <summary>The email of a login or reset request, see <see cref="IsEmailShaped"/>.</summary>
    public static IRuleBuilderOptions<T, string?> EmailShaped<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .WithMessage("The email address is required.")
            .Must(e => string.IsNullOrWhiteSpace(e) || IsEmailShaped(e))
            .WithMessage("This is not a valid email address.");

    /// <summary>A required person's name, see <see cref="IsPersonName"/>.</summary>
    public static IRuleBuilderOptions<T, string?> PersonName<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.RequiredText(maxLength)
            .MustDocumented(s => s is null || IsPersonName(s.Trim()), SchemaFacets.Matching(PersonNamePattern))
            .WithMessage("Use letters, spaces, apostrophes, dots and hyphens only.");

    /// <summary>A required label, see <see cref="IsLabel"/>.</summary>
    public static IRuleBuilderOptions<T, string?> Label<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.RequiredText(maxLength)
            .MustDocumented(s => s is null || IsLabel(s.Trim()), SchemaFacets.Matching(LabelPattern))
            .WithMessage("Use letters, digits, spaces and . , ' - / & ( ) + only.");

    /// <summary>An optional label; empty or null means none.</summary>
    public static IRuleBuilderOptions<T, string?> OptionalLabel<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.MustDocumented(s => s is null || s.Trim().Length <= maxLength, SchemaFacets.Length(max: maxLength))
            .WithMessage($"At most {maxLength} characters.")
            .MustDocumented(s => string.IsNullOrWhiteSpace(s) || IsLabel(s.Trim()), SchemaFacets.Matching(OptionalLabelPattern))
            .WithMessage("Use letters, digits, spaces and . , ' - / & ( ) + only.");

    /// <summary>Free text for searching: anything printable (it is matched, never interpreted).</summary>
    public static IRuleBuilderOptions<T, string?> SearchText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.MaximumLength(maxLength)
            .Must(s => s is null || !s.Any(char.IsControl))
            .WithMessage("Control characters are not allowed.");

    /// <summary>A required text (surrounding whitespace is trimmed before storing) of at most <paramref name="maxLength"/> characters.</summary>
    public static IRuleBuilderOptions<T, string?> RequiredText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.NotEmpty()
            .WithMessage("This field is required.")
            .MustDocumented(s => s is null || s.Trim().Length <= maxLength, SchemaFacets.Length(max: maxLength))
            .WithMessage($"At most {maxLength} characters.")
            .Must(s => s is null || !s.Any(char.IsControl))
            .WithMessage("Control characters are not allowed.");

    /// <summary>Trims, and turns an empty string into null.</summary>
    public static string? TrimToNull(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
