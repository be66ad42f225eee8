using System.Net.Mail;
using FluentValidation;

namespace KitaLink.Api.Facilities;

/// <summary>Shape rules shared by the facility-side requests (staff, children, guardians).</summary>
public static class InputRules
{
    /// <summary>RFC 5321 limit of a forward path; the columns are sized for it.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>
    /// A plausible single mailbox address: one <c>@</c>, a local part of at most 64 characters, a dotted
    /// domain, no whitespace or display name. Only the shape is checked; whether it is the parent's real
    /// address shows later in the PIN 2 delivery status.
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
        return MailAddress.TryCreate(trimmed, out var parsed) && parsed.Address == trimmed;
    }

    public static IRuleBuilderOptions<T, string?> PlausibleEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .WithMessage("The email address is required.")
            .Must(e => e is null || e.Trim().Length <= MaxEmailLength)
            .WithMessage($"The email address must have at most {MaxEmailLength} characters.")
            .Must(e => string.IsNullOrWhiteSpace(e) || e.Trim().Length > MaxEmailLength || IsPlausibleEmail(e))
            .WithMessage("This is not a valid email address.");

    /// <summary>A required text (surrounding whitespace is trimmed before storing) of at most <paramref name="maxLength"/> characters.</summary>
    public static IRuleBuilderOptions<T, string?> RequiredText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule.NotEmpty()
            .WithMessage("This field is required.")
            .Must(s => s is null || s.Trim().Length <= maxLength)
            .WithMessage($"At most {maxLength} characters.")
            .Must(s => s is null || !s.Any(char.IsControl))
            .WithMessage("Control characters are not allowed.");

    /// <summary>Trims, and turns an empty string into null.</summary>
    public static string? TrimToNull(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
