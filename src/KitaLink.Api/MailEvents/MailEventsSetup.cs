using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.Api.MailEvents;

public static class MailEventsSetup
{
    /// <summary>The bounce mailbox reader (when <c>Bounces:Imap:Host</c> is set and <c>Bounces:Imap:Enabled</c> is not false) and the provider event parsers.</summary>
    public static WebApplicationBuilder AddKitaLinkMailEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BounceMailbox>();
        builder.Services.AddSingleton<IProviderEvents, SesEvents>();
        builder.Services.AddSingleton<IProviderEvents, PostmarkEvents>();
        builder.Services.AddHttpClient(nameof(MailEventsApi));
        var imap = builder.Configuration.GetSection($"{BounceOptions.Section}:Imap");
        if (!string.IsNullOrWhiteSpace(imap["Host"]) && imap.GetValue("Enabled", defaultValue: true))
        {
            builder.Services.AddHostedService<BounceMailboxReader>();
        }
        return builder;
    }
}
