using KitaLink.Api.Infrastructure.Email;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Pins;

public static class PinsSetup
{
    /// <summary>The services of the whole PIN process: options and keys, issuance, redemption, the letter, the PIN 2 mail.</summary>
    public static WebApplicationBuilder AddKitaLinkPins(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PinOptions>()
            .BindConfiguration(PinOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PinOptions>, PinOptionsValidator>();
        services.AddOptions<RegistrationLinkOptions>()
            .BindConfiguration(RegistrationLinkOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => RegistrationLinkOptions.IsValidTemplate(o.RegistrationLink),
                "App:RegistrationLink must be an absolute link with exactly one {pin1} placeholder (and no {pin2}).")
            .ValidateOnStart();
        services.AddSingleton<PinProtector>();
        services.AddSingleton<PinCodeSource>();
        services.AddSingleton<PinLetterRenderer>();
        services.AddScoped<PinIssuance>();
        services.AddScoped<PinRedemption>();
        services.AddScoped<PinBatches>();
        services.AddSingleton<PinPairClaims>();
        services.AddScoped<IOutboxKindRules, Pin2Mail>();
        services.AddScoped<IOutboxKindRules, PinReminderMail>();
        services.AddOptions<PinReminderOptions>()
            .BindConfiguration(PinReminderOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PinReminderOptions>, PinReminderOptionsValidator>();
        services.AddSingleton<PinReminders>();
        if (builder.Configuration.GetValue($"{PinReminderOptions.Section}:{nameof(PinReminderOptions.Enabled)}", defaultValue: true))
        {
            services.AddHostedService<PinReminderJob>();
        }
        return builder;
    }
}
