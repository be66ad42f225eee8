using KitaLink.Api.Audit;
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
            .ValidateOnStart();
        services.AddOptions<PasswordOptions>()
            .BindConfiguration(PasswordOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<PinProtector>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<MailOutbox>();
        services.AddSingleton<PinLetterRenderer>();
        services.AddSingleton(TimeProvider.System);
        services.AddKitaLinkRateLimiting(builder.Configuration);
        return builder;
    }
}
