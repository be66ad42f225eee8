using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using KitaLink.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace KitaLink.IntegrationTests.Operations;

/// <summary>
/// A real API process with both exports on: the Prometheus scrape endpoint on its own port
/// (<c>Telemetry__PrometheusPort</c>) and OTLP over HTTP to a receiver in this test, configured only through the
/// standard <c>OTEL_*</c> variables. Its SMTP server is unreachable, so PIN 2 mails stay queued and the outbox
/// backlog grows while the sender keeps trying (and tracing its attempts).
/// </summary>
[Collection(ApiProcessCollection.Name)]
public sealed class TelemetryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly OtlpReceiver _otlp = new();
    private readonly int _metricsPort = FreePort();
    private string _connectionString = "";
    private ApiProcess _api = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        _otlp.Start();
        _api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Jwt__SigningKey"] = KitaLinkFactory.JwtSigningKey,
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
            ["Smtp__Host"] = "127.0.0.1",
            // Nobody listens there: every delivery attempt fails transiently and the mail stays queued.
            ["Smtp__Port"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Smtp__UseTls"] = "false",
            ["Outbox__PollIntervalMilliseconds"] = "100",
            ["Bootstrap__OperatorEmail"] = KitaLinkFactory.OperatorEmail,
            ["Bootstrap__OperatorPassword"] = KitaLinkFactory.OperatorPassword,
            ["Telemetry__PrometheusPort"] = _metricsPort.ToString(CultureInfo.InvariantCulture),
            ["Telemetry__OutboxBacklogIntervalSeconds"] = "1",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _otlp.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "kitalink-telemetry-test",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["Logging__LogLevel__Default"] = "Warning",
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _otlp.Dispose();
        await PostgresServer.DropDatabaseAsync(_connectionString);
    }

    [Fact]
    public async Task Metrics_ShowTheOutboxBacklogGrow_AndTracesReachTheOtlpEndpoint()
    {
        using var api = _api.CreateClient();
        using var scrape = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_metricsPort}"), Timeout = TimeSpan.FromMinutes(2) };
        var before = await WaitForMetricAsync(scrape, "kitalink_outbox_backlog", _ => true);

        var facility = await api.CreateFacilityAsync();
        for (var i = 0; i < 3; i++)
        {
            var guardian = await api.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail());
            await (await api.PostJsonAsync(
                $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
                .ExpectAsync(HttpStatusCode.Created);
        }

        var after = await WaitForMetricAsync(scrape, "kitalink_outbox_backlog", value => value >= before + 3);
        Assert.True(after >= before + 3, $"outbox backlog {before} -> {after}");
        Assert.True(await WaitForMetricAsync(scrape, "kitalink_outbox_oldest_age_seconds", value => value > 0) > 0);
        var text = await scrape.GetStringAsync("/metrics");
        output.WriteLine(string.Join('\n', text.Split('\n').Where(l => l.StartsWith("kitalink_", StringComparison.Ordinal))));
        Assert.Matches(Sample("kitalink_audit_events_total", "action=\"pins.created\""), text);
        Assert.Matches(Sample("kitalink_password_hash_operations_total", "operation=\"hash\""), text);
        Assert.Matches(Sample("kitalink_password_hash_queue_wait_seconds_count", "operation=\"hash\""), text);
        Assert.Contains("kitalink_password_hash_queue_depth{", text);
        Assert.Matches(Sample("http_server_request_duration_seconds_count", "http_request_method=\"POST\""), text);
        Assert.Matches(Sample("kitalink_outbox_deliveries_total", "outcome=\"retrying\""), await WaitForTextAsync(scrape, "kitalink_outbox_deliveries_total"));

        // Metrics only on their own port; the API only on its ports.
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scrape.GetAsync("/api/v1/facilities")).StatusCode);

        // Spans of the requests, their SQL and the outbox sender's attempts, exported over OTLP.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string[] expected = ["kitalink-telemetry-test", "Microsoft.AspNetCore", "Npgsql", "outbox deliver", "outbox send"];
        while (expected.Any(e => !_otlp.Traces.Contains(e, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.All(expected, e => Assert.True(_otlp.Traces.Contains(e, StringComparison.Ordinal), $"no span mentioning '{e}' was exported"));
        Assert.Contains("kitalink.outbox.backlog", _otlp.Metrics);
    }

    /// <summary>A sample line of <paramref name="metric"/> with <paramref name="label"/> among its labels and a positive value.</summary>
    private static Regex Sample(string metric, string label) =>
        new($@"(?m)^{Regex.Escape(metric)}\{{[^}}\n]*{Regex.Escape(label)}[^}}\n]*\}} [1-9]");

    private static async Task<double> WaitForMetricAsync(HttpClient scrape, string name, Func<double, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        double? value = null;
        while (DateTime.UtcNow < deadline)
        {
            var match = Regex.Match(await scrape.GetStringAsync("/metrics"), $@"^{name}(?:\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline);
            if (match.Success)
            {
                value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                if (condition(value.Value))
                {
                    return value.Value;
                }
            }
            await Task.Delay(250);
        }
        return value ?? throw new Xunit.Sdk.XunitException($"{name} never appeared in /metrics");
    }

    private static async Task<string> WaitForTextAsync(HttpClient scrape, string fragment)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        string text;
        do
        {
            text = await scrape.GetStringAsync("/metrics");
        }
        while (!text.Contains(fragment, StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Pause());
        return text;
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(250);
        return true;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A minimal OTLP/HTTP receiver: accepts every export with 200 and keeps the payloads. Protobuf stores strings
    /// as plain UTF-8, so span names, scope and service names can be found in the bytes without decoding.
    /// </summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, string Body)> _exports = new();

        public string Endpoint { get; } = $"http://127.0.0.1:{FreePort()}";

        public string Traces => string.Join('\n', _exports.Where(e => e.Path == "/v1/traces").Select(e => e.Body));

        public string Metrics => string.Join('\n', _exports.Where(e => e.Path == "/v1/metrics").Select(e => e.Body));

        public void Start()
        {
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ReceiveAsync);
        }

        private async Task ReceiveAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _exports.Enqueue((context.Request.Url!.AbsolutePath, Encoding.UTF8.GetString(body.ToArray())));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
