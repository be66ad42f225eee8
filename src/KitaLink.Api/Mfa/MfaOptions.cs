namespace KitaLink.Api.Mfa;

/// <summary><c>Mfa__*</c>: the second factor (TOTP).</summary>
public sealed class MfaOptions
{
    public const string Section = "Mfa";

    /// <summary>
    /// Operators sign in only with a second factor; one without gets <c>mfa_enrolment_required</c> and enrols first.
    /// On by default; off in Development (the demo operator) and in the tests that do not test it.
    /// </summary>
    public bool RequiredForOperators { get; set; } = true;

    /// <summary>The issuer shown in authenticator apps.</summary>
    public string Issuer { get; set; } = "KitaLink";
}
