using System.Collections.Frozen;
using System.Globalization;
using System.IO.Compression;
using FluentValidation;

namespace KitaLink.Api.Accounts;

/// <summary>
/// The password rule for parents and staff (NIST SP 800-63B style): 12 to 128 characters, no
/// composition rules, and not on the shipped list of common passwords (compared case-insensitively).
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    private static readonly Lazy<FrozenSet<string>> s_common = new(LoadCommonPasswords);

    public static bool IsCommon(string password) => s_common.Value.Contains(password.ToLowerInvariant());

    /// <summary>Length in user-perceived characters, so an emoji or an accented letter counts once.</summary>
    public static int Length(string password) => new StringInfo(password).LengthInTextElements;

    /// <summary>FluentValidation rule for a new password field.</summary>
    public static IRuleBuilderOptions<T, string> AcceptablePassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .Must(p => p is null || Length(p) >= MinLength)
            .WithMessage($"The password must have at least {MinLength} characters.")
            .Must(p => p is null || Length(p) <= MaxLength)
            .WithMessage($"The password must have at most {MaxLength} characters.")
            .Must(p => p is null || !IsCommon(p))
            .WithMessage("This password is too common. Choose a longer or less predictable one, e.g. a few unrelated words.");

    /// <summary>
    /// A password being presented (login, confirmation), not chosen: required and within the policy's
    /// maximum, counted as <see cref="AcceptablePassword{T}"/> counts it, so every settable password can
    /// also be presented.
    /// </summary>
    public static IRuleBuilderOptions<T, string> PresentedPassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .Must(p => p is null || Length(p) <= MaxLength)
            .WithMessage($"The password must have at most {MaxLength} characters.");

    private static FrozenSet<string> LoadCommonPasswords()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Resources", "common-passwords.txt.gz");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line);
            }
        }
        return set.ToFrozenSet(StringComparer.Ordinal);
    }
}
