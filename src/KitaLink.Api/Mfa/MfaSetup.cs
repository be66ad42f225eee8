namespace KitaLink.Api.Mfa;

public static class MfaSetup
{
    /// <summary>Services of the second factor: options, the protected secrets, the per-request checks.</summary>
    public static WebApplicationBuilder AddKitaLinkSecondFactor(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section);
        builder.Services.AddSingleton<TotpSecrets>();
        builder.Services.AddScoped<SecondFactor>();
        return builder;
    }
}
