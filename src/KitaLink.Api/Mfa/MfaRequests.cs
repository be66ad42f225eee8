using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Infrastructure.Http;

namespace KitaLink.Api.Mfa;

/// <param name="Code">The current 6-digit code of the authenticator app.</param>
public sealed record ConfirmTotpRequest(string Code);

/// <param name="Challenge">The <c>challenge</c> of the <c>mfa_required</c> answer.</param>
/// <param name="Code">The current 6-digit code of the authenticator app; or send <c>recoveryCode</c> instead.</param>
/// <param name="RecoveryCode">One of the recovery codes shown at setup (each works once), instead of <c>code</c>.</param>
public sealed record CompleteMfaSignInRequest(string Challenge, string? Code, string? RecoveryCode);

/// <param name="Password">The account's current password.</param>
/// <param name="Code">The current 6-digit code of the authenticator app; or send <c>recoveryCode</c> instead.</param>
/// <param name="RecoveryCode">An unused recovery code, instead of <c>code</c> (the phone is lost).</param>
public sealed record DisableTotpRequest(string Password, string? Code, string? RecoveryCode);

/// <param name="RecoveryCodes">Shown only now: each signs in once instead of a code when the phone is lost. Store them safely.</param>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <param name="Enabled">The second factor is set up and asked at every sign-in.</param>
/// <param name="RecoveryCodesLeft">Unused recovery codes.</param>
/// <param name="Required">The account may not sign in without it (facility setting, or an operator account).</param>
public sealed record MfaStatusResponse(bool Enabled, int RecoveryCodesLeft, bool Required);

/// <param name="RequiredForStaff">The facility's admins and educators sign in only with a second factor.</param>
public sealed record FacilityMfaSettingsRequest(bool? RequiredForStaff);

/// <param name="RequiredForStaff">The facility's admins and educators sign in only with a second factor.</param>
/// <param name="ActiveStaffWithoutMfa">Active staff of the facility who have not set it up yet (they are asked to at their next sign-in when required).</param>
public sealed record FacilityMfaSettingsResponse(bool RequiredForStaff, int ActiveStaffWithoutMfa);

internal static class MfaInputRules
{
    public static IRuleBuilderOptions<T, string?> TotpCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches("^[0-9]{6}$").WithMessage("Enter the 6-digit code of the authenticator app.");

    public static IRuleBuilderOptions<T, string?> RecoveryCodeShaped<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(32).WithMessage("A recovery code has 16 characters (dashes and spaces are ignored).");
}

public sealed class ConfirmTotpRequestValidator : AbstractValidator<ConfirmTotpRequest>
{
    public ConfirmTotpRequestValidator() => RuleFor(r => r.Code).NotEmpty().TotpCode();
}

public sealed class CompleteMfaSignInRequestValidator : AbstractValidator<CompleteMfaSignInRequest>
{
    public CompleteMfaSignInRequestValidator()
    {
        RuleFor(r => r.Challenge).NotEmpty().MaximumLength(128);
        RuleFor(r => r.Code).TotpCode().When(r => r.Code is not null);
        RuleFor(r => r.RecoveryCode).RecoveryCodeShaped().When(r => r.RecoveryCode is not null);
        RuleFor(r => r).Must(r => string.IsNullOrEmpty(r.Code) != string.IsNullOrEmpty(r.RecoveryCode))
            .WithName("code").OverridePropertyName("code").WithMessage("Send either code or recoveryCode.");
    }
}

public sealed class DisableTotpRequestValidator : AbstractValidator<DisableTotpRequest>
{
    public DisableTotpRequestValidator()
    {
        RuleFor(r => r.Password).PresentedPassword();
        RuleFor(r => r.Code).TotpCode().When(r => r.Code is not null);
        RuleFor(r => r.RecoveryCode).RecoveryCodeShaped().When(r => r.RecoveryCode is not null);
        RuleFor(r => r).Must(r => string.IsNullOrEmpty(r.Code) != string.IsNullOrEmpty(r.RecoveryCode))
            .OverridePropertyName("code").WithMessage("Send either code or recoveryCode.");
    }
}

public sealed class FacilityMfaSettingsRequestValidator : AbstractValidator<FacilityMfaSettingsRequest>
{
    public FacilityMfaSettingsRequestValidator() => RuleFor(r => r.RequiredForStaff).NotNull();
}
