using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Pdf;

namespace KitaLink.Api.Infrastructure.Security;

public static class SecuritySetup
{
    public static WebApplicationBuilder AddKitaLinkSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PinOptions>()
            .BindConfiguration(PinOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => KeyMaterial.Decode(o.HashKey).Length >= 32, "Pins:HashKey must be at least 256 bits (32 bytes).")
            .Validate(o => builder.Environment.IsDevelopment() || !DevelopmentKeys.IsDevelopmentKey(o.HashKey),
                "Pins:HashKey is the public development key; configure a secret key outside Development.")
            .ValidateOnStart();
        services.AddOptions<PasswordOptions>()
            .BindConfiguration(PasswordOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<PasswordChecks>();
        services.AddSingleton<PinProtector>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<MailOutbox>();
        services.AddSingleton<PinLetterRenderer>();
        services.AddSingleton(TimeProvider.System);
        services.AddKitaLinkRateLimiting(builder.Configuration);
        return builder;
    }
}

/// <summary>The keys committed in appsettings.Development.json: fine on a laptop, refused anywhere else.</summary>
internal static class DevelopmentKeys
{
    private static readonly HashSet<string> s_keys =
    [
        "ZGV2ZWxvcG1lbnQtb25seS1rZXktLWtpdGFsaW5rLWp3dC1zaWduaW5nLWtleQ==",
        "ZGV2ZWxvcG1lbnQtb25seS1rZXktLWtpdGFsaW5rLXBpbi1oYXNoLWtleS0xMjM=",
    ];

    public static bool IsDevelopmentKey(string? key) => key is not null && s_keys.Contains(key.Trim());
}
