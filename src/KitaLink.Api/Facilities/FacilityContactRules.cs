using FluentValidation;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Facilities;

/// <summary>Shapes of the facility's contact details. An empty value removes a detail, an absent one keeps it.</summary>
internal static class FacilityContactRules
{
    public const int MaxAddressLength = 300;
    public const int MaxPhoneLength = 50;
    public const int MaxAddressLines = 4;

    public static IRuleBuilderOptions<T, string?> ContactAddress<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxAddressLength)
            .Must(a => a is null || !a.Any(c => char.IsControl(c) && c != '\n' && c != '\r'))
            .WithMessage("Control characters other than line breaks are not allowed.")
            .Must(a => a is null || a.Split('\n').Length <= MaxAddressLines)
            .WithMessage($"At most {MaxAddressLines} lines.");

    public static IRuleBuilderOptions<T, string?> ContactPhone<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxPhoneLength)
            .Must(p => string.IsNullOrWhiteSpace(p) || IsPhone(p.Trim()))
            .WithMessage("Use digits, spaces and + ( ) / - only, e.g. +49 30 1234567.");

    public static IRuleBuilderOptions<T, string?> ContactEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(e => string.IsNullOrWhiteSpace(e) || InputRules.IsEmailShaped(e.Trim()))
            .WithMessage("This is not a valid email address.");

    internal static bool IsPhone(string phone) =>
        phone.Count(char.IsAsciiDigit) >= 3 && phone.All(c => char.IsAsciiDigit(c) || c is ' ' or '+' or '(' or ')' or '/' or '-');
}

/// <summary>The operator changes a facility's name or contact details; absent fields stay, an empty contact field is removed.</summary>
public sealed record UpdateFacilityRequest(string? Name = null, string? Address = null, string? Phone = null, string? Email = null);

/// <summary>A facility admin changes the facility's contact details; absent fields stay, an empty field is removed.</summary>
public sealed record UpdateFacilityContactRequest(string? Address = null, string? Phone = null, string? Email = null);

public sealed class UpdateFacilityRequestValidator : AbstractValidator<UpdateFacilityRequest>
{
    public UpdateFacilityRequestValidator()
    {
        RuleFor(r => r.Name).Label(200).When(r => r.Name is not null);
        RuleFor(r => r.Address).ContactAddress();
        RuleFor(r => r.Phone).ContactPhone();
        RuleFor(r => r.Email).ContactEmail();
    }
}

public sealed class UpdateFacilityContactRequestValidator : AbstractValidator<UpdateFacilityContactRequest>
{
    public UpdateFacilityContactRequestValidator()
    {
        RuleFor(r => r.Address).ContactAddress();
        RuleFor(r => r.Phone).ContactPhone();
        RuleFor(r => r.Email).ContactEmail();
    }
}
