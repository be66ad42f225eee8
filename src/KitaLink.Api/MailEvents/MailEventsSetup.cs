using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.Api.MailEvents;

public static class MailEventsSetup
{
    /// <summary>The bounce mailbox reader (when <c>Bounces:Imap:Host</c> is set) and the provider event parsers.</summary>
    public static WebApplicationBuilder AddKitaLinkMailEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BounceMailbox>();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{BounceOptions.Section}:Imap:Host"]))
        {
            builder.Services.AddHostedService<BounceMailboxReader>();
        }
        return builder;
    }
}
