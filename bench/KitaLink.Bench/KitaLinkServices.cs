using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.MailEvents;
using KitaLink.Api.Pins;

namespace KitaLink.Bench;

/// <summary>
/// KitaLink's own service registrations (data, Data Protection, keys, hashing, token issuer) built from
/// the same configuration sources as the API, so seeded PIN hashes, encrypted PIN 1 values, password
/// hashes and access tokens are exactly what the running API expects.
/// </summary>
public static class KitaLinkServices
{
    public static WebApplication Build(CommandLine options, bool mail = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The API's build output, so its appsettings.json applies here too.
            ContentRootPath = options.Optional("content-root") ?? Directory.GetCurrentDirectory(),
        });
        // Warnings only, whatever the API's appsettings say: the tool's output is the run log.
        builder.Logging.ClearProviders().AddSimpleConsole()
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);
        // The meter only (the data setup's audit counter needs it); nothing is exported from the tool.
        builder.Services.AddSingleton<KitaLink.Api.Infrastructure.Telemetry.KitaLinkMetrics>();
        builder.AddKitaLinkHttp();
        builder.AddKitaLinkData();
        builder.AddKitaLinkSecurity();
        builder.AddKitaLinkAuth();
        builder.AddKitaLinkAudit();
        builder.AddKitaLinkPins();
        if (mail)
        {
            // The mail services without their background work: the bounce benchmark drives the reader itself.
            builder.Configuration["Outbox:Enabled"] = "false";
            builder.Configuration["Reminders:Enabled"] = "false";
            builder.Configuration["Bounces:Imap:Enabled"] = "false";
            builder.AddKitaLinkMail();
            builder.AddKitaLinkMailEvents();
        }
        else
        {
            // The outbox writer only: mail is delivered by the running API's sender, never by this tool.
            builder.Services.AddScoped<MailOutbox>();
        }
        // The webhook event writer only (PIN issuance and delivery reports write events); the running API sends them.
        builder.Services.AddScoped<KitaLink.Api.Webhooks.WebhookEvents>();
        return builder.Build();
    }
}
