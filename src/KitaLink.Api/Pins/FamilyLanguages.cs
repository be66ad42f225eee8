using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.Api.Pins;

/// <summary>
/// The languages a family can read its PIN letter and PIN 2 mail in. German is always printed too (staff read
/// along), so a family language other than German gives a bilingual letter and mail. The words live in
/// <c>Pins/Texts/{code}.json</c>, one embedded file per language.
/// </summary>
public static class FamilyLanguages
{
    public const string German = "de";
    public const string English = "en";

    /// <summary>The codes accepted for <c>preferredLanguage</c> and the letter's <c>lang</c>.</summary>
    public static readonly IReadOnlyList<string> Codes = ["de", "en", "tr", "uk", "ru", "pl"];

    private static readonly FrozenDictionary<string, FamilyTexts> s_texts = Codes.ToFrozenDictionary(c => c, Load);

    public static bool IsSupported(string? code) => code is not null && s_texts.ContainsKey(code.Trim().ToLowerInvariant());

    /// <summary>The texts of a supported language code.</summary>
    public static FamilyTexts Texts(string code) => s_texts[code];

    /// <summary>
    /// The languages of a letter for a family language: German alone, or the family's language first and
    /// German beside it.
    /// </summary>
    public static IReadOnlyList<string> LetterLanguagesFor(string? familyLanguage) =>
        familyLanguage is null || familyLanguage == German || !IsSupported(familyLanguage) ? [German] : [familyLanguage, German];

    /// <summary>
    /// The languages of a PIN 2 mail: the family's language first and German second; without a family language
    /// (or German) German and English, as the mail has always been.
    /// </summary>
    public static IReadOnlyList<string> MailLanguagesFor(string? familyLanguage) =>
        familyLanguage is null || familyLanguage == German || !IsSupported(familyLanguage) ? [German, English] : [familyLanguage, German];

    private static FamilyTexts Load(string code)
    {
        var name = $"KitaLink.Api.Pins.Texts.{code}.json";
        using var stream = typeof(FamilyLanguages).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The texts {name} are missing from the assembly.");
        var texts = JsonSerializer.Deserialize<FamilyTexts>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException($"The texts {name} are empty.");
        return texts with { Code = code };
    }
}

/// <summary>The words of the PIN letter and the PIN 2 mail in one language; placeholders in braces.</summary>
public sealed record FamilyTexts(
    string LanguageName,
    string TimeSuffix,
    string DocumentTitle,
    string Issued,
    string Title,
    string ForLabel,
    string ChildLabel,
    string Intro,
    string Pin1Label,
    string ValidUntil,
    string Pin2SentTo,
    string WrongAddress,
    string QrHint,
    string StepsTitle,
    string[] Steps,
    string ExistingAccount,
    string Safety,
    string AskKita,
    string Signature,
    string MailSubject,
    string MailGreeting,
    string MailIntro,
    string MailPin2Label,
    string MailValidUntil,
    string MailStepsTitle,
    string[] MailSteps,
    string MailExistingAccount,
    string MailImportantLabel,
    string MailImportant)
{
    public string Code { get; init; } = "";

    /// <summary>A date as this language's readers expect it (numeric, except English).</summary>
    public string Date(DateTimeOffset instant) =>
        Code == FamilyLanguages.English ? KitaTime.EnglishDate(instant) : KitaTime.GermanDate(instant);

    /// <summary>Date and time in German local time, with this language's note of the time zone.</summary>
    public string DateTime(DateTimeOffset instant) => Code switch
    {
        FamilyLanguages.German => KitaTime.GermanDateTime(instant),
        FamilyLanguages.English => KitaTime.EnglishDateTime(instant),
        _ => KitaTime.ToLocal(instant).ToString("dd.MM.yyyy, HH:mm", CultureInfo.InvariantCulture) + TimeSuffix,
    };

    /// <summary>Fills the placeholders <c>{child}</c>, <c>{guardian}</c>, <c>{facility}</c>, <c>{date}</c>, <c>{expires}</c>.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var result = template;
        foreach (var (key, value) in values)
        {
            result = result.Replace("{" + key + "}", value, StringComparison.Ordinal);
        }
        return result;
    }
}
