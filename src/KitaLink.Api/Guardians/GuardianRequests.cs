using System.Text.Json.Serialization;
using FluentValidation;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Guardians;

/// <summary>A guardian as the parent gave their details to the facility. The email is stored as entered (trimmed).</summary>
/// <remarks>Growable: unknown members are ignored (docs/integrators.md, "Compatibility").</remarks>
/// <param name="ConfirmSuspectEmail">Keep an address the check answered with <c>email_suspect</c> (staff checked it with the parent). Audited.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record CreateGuardianRequest(string Name, string Relationship, string Email, bool? ConfirmSuspectEmail = null);

/// <summary>Changes the given fields. A changed email revokes a pending PIN pair (PIN 2 went to the old address).</summary>
/// <param name="ConfirmSuspectEmail">Keep a new address the check answered with <c>email_suspect</c> (staff checked it with the parent). Audited.</param>
public sealed record UpdateGuardianRequest(string? Name = null, string? Relationship = null, string? Email = null, bool? ConfirmSuspectEmail = null);

internal static class GuardianRules
{
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
    }
}

public sealed class UpdateGuardianRequestValidator : AbstractValidator<UpdateGuardianRequest>
{
    public UpdateGuardianRequestValidator()
    {
        RuleFor(r => r.Name).PersonName(GuardianRules.MaxNameLength).When(r => r.Name is not null);
        RuleFor(r => r.Relationship).Label(GuardianRules.MaxRelationshipLength).When(r => r.Relationship is not null);
        RuleFor(r => r.Email).PlausibleEmail().When(r => r.Email is not null);
    }
}
