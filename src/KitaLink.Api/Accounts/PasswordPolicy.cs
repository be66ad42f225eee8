using System.Collections.Frozen;
using System.Globalization;
using System.IO.Compression;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Accounts;

/// <summary>
/// The password rule for parents and staff (NIST SP 800-63B style): 12 to 128 characters, no
/// composition rules, not on the shipped list of common passwords (compared case-insensitively), and
/// not just a word of this service's context (<see cref="ContextWords"/>) dressed up with digits and
/// punctuation, such as <c>Kitalink2026!</c>.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    private static readonly Lazy<FrozenSet<string>> s_common = new(LoadCommonPasswords);

    /// <summary>Words anyone would guess first for a daycare parent app (ASVS 6.1.2), lower case.</summary>
    // Stryker disable once String : the list is data, not logic; each word mutant lives in a static initializer,
    // which Stryker can only test with a fresh process and every unit test (22 full runs for one list).
    public static readonly FrozenSet<string> ContextWords = new[]
    {
        "kitalink", "kita", "kitaapp", "kindergarten", "kindertagesstaette", "kindertagesstätte", "kinderkrippe",
        "krippe", "hort", "tagesmutter", "eltern", "elternapp", "mama", "papa", "kinder", "kind",
        "passwort", "password", "kennwort", "geheim", "willkommen", "welcome",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static bool IsCommon(string password) => s_common.Value.Contains(password.ToLowerInvariant());

    /// <summary>
    /// True when the password's letters, lower-cased, are one context word or a repetition of one
    /// (<c>Kita-Kita-2026</c>, <c>PASSWORT!!123456</c>): the digits and symbols around them add little.
    /// </summary>
    public static bool IsContextual(string password)
    {
        var letters = new string(password.Where(char.IsLetter).Select(char.ToLowerInvariant).ToArray());
        if (letters.Length == 0)
        {
            return false;
        }
        return ContextWords.Any(word => letters.Length % word.Length == 0
            && string.Concat(Enumerable.Repeat(word, letters.Length / word.Length)) == letters);
    }

    /// <summary>Length in user-perceived characters, so an emoji or an accented letter counts once.</summary>
    public static int Length(string password) => new StringInfo(password).LengthInTextElements;

    /// <summary>FluentValidation rule for a new password field.</summary>
    public static IRuleBuilderOptions<T, string> AcceptablePassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .MustDocumented(p => p is null || Length(p) >= MinLength, SchemaFacets.Length(min: MinLength))
            .WithMessage($"The password must have at least {MinLength} characters.")
            .MustDocumented(p => p is null || Length(p) <= MaxLength, SchemaFacets.Length(max: MaxLength))
            .WithMessage($"The password must have at most {MaxLength} characters.")
            .Must(p => p is null || !IsCommon(p))
            .WithMessage("This password is too common. Choose a longer or less predictable one, e.g. a few unrelated words.")
            .Must(p => p is null || !IsContextual(p))
            .WithMessage("This password is too easy to guess for this app. Choose a few unrelated words instead.");

    /// <summary>
    /// A password being presented (login, confirmation), not chosen: required and within the policy's
    /// maximum, counted as <see cref="AcceptablePassword{T}"/> counts it, so every settable password can
    /// also be presented.
    /// </summary>
    public static IRuleBuilderOptions<T, string> PresentedPassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .Must(p => p is null || Length(p) <= MaxLength)
            .WithMessage($"The password must have at most {MaxLength} characters.");

    /// <summary>The shipped list; read once, on the first check.</summary>
    internal static FrozenSet<string> LoadCommonPasswords()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Resources", "common-passwords.txt.gz");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return ReadCommonPasswords(reader);
    }

    /// <summary>One password per line; blank lines are skipped, so they never make the empty password "common".</summary>
    internal static FrozenSet<string> ReadCommonPasswords(TextReader reader)
    {
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
