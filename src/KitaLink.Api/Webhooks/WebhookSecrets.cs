using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace KitaLink.Api.Webhooks;

/// <summary>Signing secrets: 32 random bytes as <c>whsec_&lt;base64&gt;</c> (Standard Webhooks), kept encrypted with Data Protection.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider dataProtection)
{
    public const string Prefix = "whsec_";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(WebhookProcessor.SecretProtectionPurpose);

    /// <summary>A new secret in clear (shown once) and its protected form (stored).</summary>
    public (string Secret, string Protected) Create()
    {
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return (secret, _protector.Protect(secret));
    }
}
