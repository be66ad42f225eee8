using Microsoft.Extensions.Options;

namespace KitaLink.Api.Infrastructure.Email;

public static class MailSetup
{
    /// <summary>
    /// Options, the transport (SMTP, or the pickup folder when <c>Smtp:Host</c> is empty), the outbox
    /// processor and its background sender (<c>Outbox:Enabled</c>, default on).
    /// </summary>
    public static WebApplicationBuilder AddKitaLinkMail(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<BounceOptions>()
            .BindConfiguration(BounceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SmtpOptions>, SmtpOptionsValidator>();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();

        var contentRoot = builder.Environment.ContentRootPath;
        services.AddSingleton<IMailTransport>(sp =>
        {
            var smtp = sp.GetRequiredService<IOptions<SmtpOptions>>().Value;
            return smtp.UsesPickupDirectory
                ? new PickupDirectoryMailTransport(PickupDirectory(smtp, contentRoot))
                : new SmtpMailTransport(sp.GetRequiredService<IOptions<SmtpOptions>>());
        });
        services.AddScoped<MailOutbox>();
        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<MailDeliveryEvents>();

        // Hosted services start in registration order: called after AddKitaLinkStartupTasks, the sender's
        // first round runs against an already migrated database.
        if (builder.Configuration.GetValue($"{OutboxOptions.Section}:{nameof(OutboxOptions.Enabled)}", defaultValue: true))
        {
            services.AddHostedService<OutboxSender>();
        }
        return builder;
    }

    /// <summary><c>Smtp:PickupDirectory</c> relative to the content root; <c>&lt;content root&gt;/.local/mail</c> when unset.</summary>
    internal static string PickupDirectory(SmtpOptions smtp, string contentRoot) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(smtp.PickupDirectory)
            ? Path.Combine(contentRoot, ".local", "mail")
            : Path.Combine(contentRoot, smtp.PickupDirectory));
}
