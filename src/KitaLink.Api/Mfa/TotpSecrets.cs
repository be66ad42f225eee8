using Microsoft.AspNetCore.DataProtection;

namespace KitaLink.Api.Mfa;

/// <summary>
/// TOTP secrets at rest: encrypted with Data Protection (keys in PostgreSQL, as for PIN 1 and webhook secrets), so a
/// database dump alone does not give anybody the codes of an account.
/// </summary>
public sealed class TotpSecrets(IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("KitaLink.Mfa.TotpSecret.v1");

    public string Protect(byte[] secret) => _protector.Protect(Convert.ToBase64String(secret));

    public byte[] Unprotect(string protectedSecret) => Convert.FromBase64String(_protector.Unprotect(protectedSecret));
}
