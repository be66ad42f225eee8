using System.Globalization;
using System.Net;

namespace KitaLink.Api.Infrastructure.Startup;

/// <summary>
/// <c>KitaLink.Api healthcheck</c>: the Docker image's HEALTHCHECK. The ASP.NET runtime image ships no
/// curl or wget, so the service probes itself: GET <c>/health/live</c> on the loopback port Kestrel
/// listens on (first entry of <c>ASPNETCORE_HTTP_PORTS</c>, else 8080) and exit code 0 for 200, 1 for
/// anything else. It runs before the host is built, so it needs no configuration and no database; the
/// liveness endpoint (not readiness) is probed so that a database outage does not make the orchestrator
/// restart healthy API containers.
/// </summary>
public static class HealthCheckCommand
{
    public const int DefaultPort = 8080;
    public const string LivenessPath = "/health/live";

    /// <summary>Docker's default HEALTHCHECK timeout is 30 s; answer well before it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync()
    {
        using var client = new HttpClient { Timeout = Timeout };
        return await RunAsync(client, Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"), Console.Out);
    }

    internal static async Task<int> RunAsync(HttpClient client, string? httpPorts, TextWriter output)
    {
        var url = LivenessUrl(httpPorts);
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                await output.WriteLineAsync($"healthy: GET {url} answered 200");
                return 0;
            }
            await output.WriteLineAsync($"unhealthy: GET {url} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"unhealthy: GET {url} failed: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// <c>ASPNETCORE_HTTP_PORTS</c> is a semicolon-separated list (<c>8080;8081</c>); Kestrel listens on
    /// all of them, so the first one is enough. Unset or unreadable means the image default, 8080.
    /// </summary>
    internal static Uri LivenessUrl(string? httpPorts)
    {
        var first = (httpPorts ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 65535
            ? parsed
            : DefaultPort;
        return new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{LivenessPath}");
    }
}
