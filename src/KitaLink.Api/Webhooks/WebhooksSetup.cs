using KitaLink.Api.Pins;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Options, event writing, the address guard, the HTTP client and the background sender (<c>Webhooks:Enabled</c>).</summary>
    public static WebApplicationBuilder AddKitaLinkWebhooks(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure(o => o.AllowHttp ??= builder.Environment.IsDevelopment())
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddScoped<WebhookEvents>();
        services.AddScoped<PinExpiryEvents>();
        services.AddSingleton<IWebhookHostResolver, SystemWebhookHostResolver>();
        services.AddSingleton<WebhookAddressGuard>();
        services.AddSingleton<WebhookHttp>();
        services.AddSingleton<WebhookProcessor>();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookUrlRule>();
        services.ConfigureSwaggerGen(options => options.DocumentFilter<WebhooksDocumentFilter>());
        if (builder.Configuration.GetValue($"{WebhookOptions.Section}:{nameof(WebhookOptions.Enabled)}", defaultValue: true))
        {
            services.AddHostedService<WebhookSender>();
        }
        return builder;
    }
}
