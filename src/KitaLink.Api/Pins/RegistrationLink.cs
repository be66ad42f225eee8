using System.ComponentModel.DataAnnotations;

namespace KitaLink.Api.Pins;

/// <summary>
/// <c>App__RegistrationLink</c>: the link in the QR code of the PIN letter. A template with the placeholder
/// <c>{pin1}</c>, replaced by PIN 1 in display form (<c>XXXX-XXXX</c>, only characters that need no URL
/// escaping). PIN 2 is never put into it: the letter alone must not be enough to link a child.
/// </summary>
public sealed class RegistrationLinkOptions
{
    public const string Section = "App";
    public const string Placeholder = "{pin1}";

    [Required]
    public string RegistrationLink { get; set; } = "https://app.kitalink.example/register?pin1={pin1}";

    /// <summary>The link for one PIN 1 (display form).</summary>
    public string For(string pin1Formatted) => RegistrationLink.Replace(Placeholder, pin1Formatted, StringComparison.Ordinal);

    /// <summary>An absolute http(s) link (or an app scheme) with exactly one <c>{pin1}</c> and nothing that could carry PIN 2.</summary>
    public static bool IsValidTemplate(string? template) =>
        template is not null
        && template.Split(Placeholder).Length == 2
        && !template.Contains("{pin2}", StringComparison.OrdinalIgnoreCase)
        && Uri.TryCreate(template.Replace(Placeholder, "K7QM-R4TZ", StringComparison.Ordinal), UriKind.Absolute, out var uri)
        && uri.Scheme is not ("file" or "javascript" or "data");
}
