using FluentValidation;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Guardians;

/// <summary>A guardian as the parent gave their details to the facility. The email is stored as entered (trimmed).</summary>
public sealed record CreateGuardianRequest(string Name, string Relationship, string Email);

/// <summary>Changes the given fields. A changed email revokes a pending PIN pair (PIN 2 went to the old address).</summary>
public sealed record UpdateGuardianRequest(string? Name = null, string? Relationship = null, string? Email = null);

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
