namespace KitaLink.Api.Privacy;

public static class PrivacySetup
{
    /// <summary>The retention job (docs/privacy.md).</summary>
    public static WebApplicationBuilder AddKitaLinkPrivacy(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Interval > TimeSpan.Zero, "Retention:Interval must be positive.")
            .ValidateOnStart();
        builder.Services.AddScoped<RetentionSweep>();
        if (builder.Configuration.GetValue($"{RetentionOptions.Section}:{nameof(RetentionOptions.Enabled)}", true))
        {
            builder.Services.AddHostedService<RetentionJob>();
        }
        return builder;
    }
}
