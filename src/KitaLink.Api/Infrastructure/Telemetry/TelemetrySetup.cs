using System.ComponentModel.DataAnnotations;
using KitaLink.Api.Infrastructure.Email;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace KitaLink.Api.Infrastructure.Telemetry;

/// <summary><c>Telemetry__*</c>: the Prometheus scrape port and how often the outbox backlog is measured.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Port of the Prometheus scrape endpoint <c>GET /metrics</c>; unset (the default) means no endpoint. The service
    /// listens on it in addition to its API ports and answers only <c>/metrics</c> there (and <c>/metrics</c> only
    /// there), so the API port never exposes metrics and the metrics port can stay inside the cluster.
    /// </summary>
    [Range(1, 65535)]
    public int? PrometheusPort { get; set; }

    /// <summary>Seconds between two measurements of the outbox backlog.</summary>
    [Range(1, 3600)]
    public int OutboxBacklogIntervalSeconds { get; set; } = 15;
}

/// <summary>
/// OpenTelemetry (docs/operations.md, "Telemetry"): traces of ASP.NET Core, HttpClient, Npgsql and KitaLink's
/// background work; metrics of the same plus the <c>KitaLink</c> meter and the .NET runtime. Export is opt-in:
/// OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol, headers, service name and
/// resource attributes from the other <c>OTEL_*</c> variables), Prometheus when <c>Telemetry__PrometheusPort</c>
/// is set. Without either nothing is collected.
/// </summary>
public static class TelemetrySetup
{
    public const string ServiceName = "kitalink";
    public const string ScrapePath = "/metrics";

    public static WebApplicationBuilder AddKitaLinkTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<KitaLinkMetrics>();
        builder.Services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var configuration = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var prometheusPort = configuration.GetValue<int?>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.PrometheusPort)}");
        if (!otlp && prometheusPort is null)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            telemetry.ConfigureResource(resource => resource.AddService(ServiceName));
        }
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(KitaLinkMetrics.Name, "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation();
            if (prometheusPort is not null)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(KitaLinkMetrics.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
            telemetry.UseOtlpExporter();
        }
        builder.Services.AddHostedService<OutboxBacklog>();

        if (prometheusPort is { } port)
        {
            // In addition to the API's own addresses (ASPNETCORE_URLS, or ASPNETCORE_HTTP_PORTS as in the image).
            builder.WebHost.UseUrls([.. ApiUrls(configuration), $"http://*:{port}"]);
        }
        return builder;
    }

    /// <summary>The scrape endpoint on its own port; every other request on that port is 404, and <c>/metrics</c> elsewhere too.</summary>
    public static WebApplication UseKitaLinkMetricsEndpoint(this WebApplication app)
    {
        if (app.Configuration.GetValue<int?>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.PrometheusPort)}") is not { } port)
        {
            return app;
        }
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Connection.LocalPort == port && context.Request.Path == ScrapePath);
        app.Use((context, next) =>
        {
            if (context.Connection.LocalPort == port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        return app;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(ScrapePath, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<string> ApiUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        var http = (configuration["http_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => $"http://*:{p}");
        var https = (configuration["https_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => $"https://*:{p}");
        var ports = http.Concat(https).ToList();
        // Kestrel's own default when nothing is configured.
        return ports.Count > 0 ? ports : ["http://localhost:5000"];
    }
}
