using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// What sits in front of the API: trusted reverse proxies (<c>ForwardedHeaders__KnownProxies__0</c>,
/// <c>ForwardedHeaders__KnownNetworks__0</c>) and browser origins allowed by CORS
/// (<c>Cors__AllowedOrigins__0</c>). X-Forwarded-For from anyone else is ignored, so a client cannot
/// pick its own address for rate limits and the audit trail.
/// </summary>
public static class EdgeSetup
{
    public const string CorsPolicy = "KitaLinkClients";

    public static WebApplicationBuilder AddKitaLinkEdge(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in configuration.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        var origins = configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? [];
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
        {
            // No origin configured: no browser origin may call the API (the apps are native clients).
            policy.WithOrigins(origins)
                .WithMethods("GET", "POST", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "Accept-Language")
                .WithExposedHeaders("Retry-After", "Content-Language")
                .SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
        return builder;
    }

    public static WebApplication UseKitaLinkEdge(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseCors(CorsPolicy);
        return app;
    }
}
