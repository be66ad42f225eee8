using KitaLink.Api.Auth;

namespace KitaLink.Api.Infrastructure.Security;

public static class SecuritySetup
{
    public static WebApplicationBuilder AddKitaLinkSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PasswordOptions>()
            .BindConfiguration(PasswordOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<PasswordChecks>();
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
