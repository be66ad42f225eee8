namespace KitaLink.Api.Mfa;

/// <summary><c>Mfa__*</c>: the second factor (TOTP).</summary>
public sealed class MfaOptions
{
    public const string Section = "Mfa";

    /// <summary>
    /// Operators sign in only with a second factor; one without gets <c>mfa_enrolment_required</c> and enrols first.
    /// Off unless the operator switches it on (docs/operations.md recommends it for production): on by default it
    /// would turn every existing operator sign-in, and every integration built on it, into an enrolment at once.
    /// </summary>
    public bool RequiredForOperators { get; set; }

    /// <summary>The issuer shown in authenticator apps.</summary>
    public string Issuer { get; set; } = "KitaLink";
}
