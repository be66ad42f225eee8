namespace KitaLink.Api.Auth;

public static class ParentSetup
{
    /// <summary>Services of the parent sign-in: password checks with lockout, sessions.</summary>
    public static WebApplicationBuilder AddKitaLinkParents(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ParentCredentials>();
        builder.Services.AddScoped<ParentSessions>();
        builder.Services.AddScoped<PasswordResets>();
        return builder;
    }
}
