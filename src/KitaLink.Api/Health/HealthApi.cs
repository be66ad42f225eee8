using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Startup;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Health;

public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, string>? Checks = null);

public static class HealthApi
{
    /// <summary>Carries <c>Startup__Nonce</c> (when configured) on every health answer.</summary>
    public const string StartupNonceHeader = "X-KitaLink-Startup-Nonce";

    public static IServiceCollection AddKitaLinkHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTag("Health", "Probes for orchestrators and load balancers.").AllowAnonymous().DisableRateLimiting();
        group.AddEndpointFilter(async (context, next) =>
        {
            var nonce = context.HttpContext.RequestServices.GetRequiredService<IOptions<StartupOptions>>().Value.Nonce;
            if (!string.IsNullOrEmpty(nonce))
            {
                context.HttpContext.Response.Headers[StartupNonceHeader] = nonce;
            }
            return await next(context);
        });
        group.MapGet("/live", Live)
            .WithName("getLiveness")
            .WithSummary("Liveness probe")
            .WithDescription("200 while the process runs. Does not touch the database.");
        group.MapGet("/ready", ReadyAsync)
            .WithName("getReadiness")
            .WithSummary("Readiness probe")
            .WithDescription("200 when the service can reach PostgreSQL, 503 otherwise.")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Ok<HealthResponse> Live() => TypedResults.Ok(new HealthResponse("healthy"));

    public static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(
        HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        var body = new HealthResponse(
            report.Status == HealthStatus.Healthy ? "healthy" : "unhealthy",
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "healthy" : "unhealthy"));
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(body)
            : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is not reachable.", ex);
        }
    }
}
