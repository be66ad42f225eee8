using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Auth;

/// <summary>Email and password, as sent to the parent and staff token endpoints.</summary>
public sealed record CredentialsRequest(string Email, string Password);

public sealed class CredentialsRequestValidator : AbstractValidator<CredentialsRequest>
{
    public CredentialsRequestValidator()
    {
        // Shape only: a wrong or unknown email is invalid_credentials, never a validation error.
        RuleFor(r => r.Email).EmailShaped();
        RuleFor(r => r.Password).PresentedPassword();
    }
}
