using KitaLink.Api.Auth;
using KitaLink.Api.Links;

namespace KitaLink.Api.Accounts;

public static class ParentSetup
{
    /// <summary>Services of the parent side: PIN redemption, password checks with lockout, sessions.</summary>
    public static WebApplicationBuilder AddKitaLinkParents(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<PinRedemption>();
        builder.Services.AddSingleton<KitaLink.Api.Pins.PinPairClaims>();
        builder.Services.AddScoped<ParentCredentials>();
        builder.Services.AddScoped<ParentSessions>();
        builder.Services.AddSingleton<LinkedChildrenReader>();
        return builder;
    }
}
