using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Guardians;

/// <summary>
/// A guardian as the parent gave their details to the facility. The email is stored as entered (trimmed).
/// <c>preferredLanguage</c> (<c>de</c>, <c>en</c>, <c>tr</c>, <c>uk</c>, <c>ru</c>, <c>pl</c>) is the family's language of
/// the PIN letter and the PIN 2 mail, printed with German beside it; without it both are German (the mail
/// German and English).
/// </summary>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
/// <param name="ConfirmSuspectEmail">Keep an address the check answered with <c>email_suspect</c> (staff checked it with the parent). Audited.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateGuardianRequest(string Name, string Relationship, string Email, string? PreferredLanguage = null, bool? ConfirmSuspectEmail = null);

/// <summary>
/// Changes the given fields. A changed email revokes a pending PIN pair (PIN 2 went to the old address). An empty
/// <c>preferredLanguage</c> removes the family's language.
/// </summary>
/// <param name="ConfirmSuspectEmail">Keep a new address the check answered with <c>email_suspect</c> (staff checked it with the parent). Audited.</param>
public sealed record UpdateGuardianRequest(string? Name = null, string? Relationship = null, string? Email = null, string? PreferredLanguage = null, bool? ConfirmSuspectEmail = null);

internal static class GuardianRules
{
    public const string LanguageMessage = "Use one of de, en, tr, uk, ru, pl.";

    /// <summary>A language of <see cref="Pins.FamilyLanguages.Codes"/>, or none; empty removes it where allowed.</summary>
    public static IRuleBuilderOptions<T, string?> FamilyLanguage<T>(this IRuleBuilder<T, string?> rule, bool allowEmpty) =>
        rule.Must(l => l is null || (allowEmpty && l.Trim().Length == 0) || Pins.FamilyLanguages.IsSupported(l))
            .WithMessage(LanguageMessage);

    public const int MaxNameLength = 200;
    public const int MaxRelationshipLength = 100;
}

public sealed class CreateGuardianRequestValidator : AbstractValidator<CreateGuardianRequest>
{
    public CreateGuardianRequestValidator()
    {
        RuleFor(r => r.Name).PersonName(GuardianRules.MaxNameLength);
        RuleFor(r => r.Relationship).Label(GuardianRules.MaxRelationshipLength);
        RuleFor(r => r.Email).PlausibleEmail();
        RuleFor(r => r.PreferredLanguage).FamilyLanguage(allowEmpty: false);
    }
}

public sealed class UpdateGuardianRequestValidator : AbstractValidator<UpdateGuardianRequest>
{
    public UpdateGuardianRequestValidator()
    {
        RuleFor(r => r.Name).PersonName(GuardianRules.MaxNameLength).When(r => r.Name is not null);
        RuleFor(r => r.Relationship).Label(GuardianRules.MaxRelationshipLength).When(r => r.Relationship is not null);
        RuleFor(r => r.Email).PlausibleEmail().When(r => r.Email is not null);
        RuleFor(r => r.PreferredLanguage).FamilyLanguage(allowEmpty: true);
    }
}
