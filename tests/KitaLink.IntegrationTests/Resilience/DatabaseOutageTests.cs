using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using KitaLink.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace KitaLink.IntegrationTests.Resilience;

/// <summary>
/// PostgreSQL stopped and started under the running API: every endpoint answers 503 <c>service_unavailable</c>
/// with <c>Retry-After</c> (never 500) while it is away, logs one warning with the cause, and works again once
/// it is back. The endpoints cover the handler's own token check (<c>GET /me/children</c>), the central one in
/// authentication (staff endpoints), registration and sign-in.
/// </summary>
public sealed class DatabaseOutageTests(OwnPostgresFactory factory, ITestOutputHelper output) : IClassFixture<OwnPostgresFactory>
{
    private sealed record Probe(string Name, Func<HttpClient, Task<HttpResponseMessage>> Send, HttpStatusCode[] Healthy);

    private async Task<List<Probe>> ProbesAsync(HttpClient client)
    {
        var facility = await client.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var parent = await client.RegisterAsync(email, await factory.IssuePinsAsync(email, facility));
        var newcomer = ParentApi.UniqueEmail();
        var newcomerPins = await factory.IssuePinsAsync(newcomer, facility);
        var child = new { firstName = "Ida", lastName = "Berg", dateOfBirth = DateOnly.FromDateTime(DateTime.UtcNow.AddYears(-2)), group = "Igel" };
        return
        [
            new("GET /me/children", c => c.GetAsync("/api/v1/me/children", parent.AccessToken), [HttpStatusCode.OK]),
            new("GET /facility/children", c => c.GetAsync("/api/v1/facility/children", facility.AdminToken), [HttpStatusCode.OK]),
            new("POST /facility/children", c => c.PostJsonAsync("/api/v1/facility/children", child, facility.AdminToken), [HttpStatusCode.Created]),
            // The first registration once the database is back wins; later ones find the PINs used.
            new("POST /accounts", c => c.RegisterAsync(newcomer, newcomerPins.Pin1, newcomerPins.Pin2), [HttpStatusCode.Created, HttpStatusCode.Conflict]),
            new("POST /staff/auth/token", c => c.PostJsonAsync("/api/v1/staff/auth/token",
                new { email = KitaLinkFactory.OperatorEmail, password = KitaLinkFactory.OperatorPassword }), [HttpStatusCode.OK]),
        ];
    }

    [Fact]
    public async Task PostgresStoppedAndRestartedUnderLoad_AnswersServiceUnavailableWithRetryAfter_Never500_AndRecovers()
    {
        var client = factory.CreateClient();
        var probes = await ProbesAsync(client);
        var logLinesBefore = factory.Logs.Lines.Count;

        // 1. Stopped: every endpoint answers 503 at once (connection refused), in the problem format.
        factory.StopPostgres();
        try
        {
            foreach (var probe in probes)
            {
                var watch = Stopwatch.StartNew();
                var response = await probe.Send(client);
                var problem = await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
                Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"{probe.Name}: Retry-After is missing");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(problem.TryGetProperty("traceId", out _));
                output.WriteLine($"{probe.Name} with PostgreSQL stopped: 503 in {watch.ElapsedMilliseconds} ms");
            }
        }
        finally
        {
            factory.StartPostgres();
        }

        // 2. Under load: the server is stopped (fast shutdown: 57P01 for open sessions) and started again twice.
        var answers = new ConcurrentQueue<(string Probe, HttpStatusCode Status, string Body)>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; !stop.IsCancellationRequested; i++)
            {
                var probe = probes[i % probes.Count];
                using var response = await probe.Send(client);
                answers.Enqueue((probe.Name, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
        })).ToList();
        for (var round = 0; round < 2; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            factory.StopPostgres();
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            factory.StartPostgres();
        }
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = answers.ToList();
        foreach (var group in all.GroupBy(a => (a.Probe, a.Status)).OrderBy(g => g.Key.Probe, StringComparer.Ordinal))
        {
            output.WriteLine($"under restarts: {group.Key.Probe} -> {(int)group.Key.Status} x{group.Count()}");
        }
        var unexpected = all.Where(a => a.Status != HttpStatusCode.ServiceUnavailable && !probes.Single(p => p.Name == a.Probe).Healthy.Contains(a.Status)).ToList();
        Assert.True(unexpected.Count == 0, "Unexpected answers during restarts:\n" + string.Join('\n', unexpected.Select(u => $"{u.Probe}: {(int)u.Status} {u.Body}")));
        Assert.Contains(all, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(all.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.Contains("\"service_unavailable\"", a.Body));

        // 3. Back: every endpoint works again (the pool drops the connections the restart broke).
        foreach (var probe in probes)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            HttpStatusCode status;
            do
            {
                status = (await probe.Send(client)).StatusCode;
            }
            while (!probe.Healthy.Contains(status) && DateTime.UtcNow < deadline && await Delay());
            Assert.True(probe.Healthy.Contains(status), $"{probe.Name} answered {(int)status} after PostgreSQL came back");
        }

        // One warning per refused request, naming the cause; no error and no stack trace for an outage.
        var lines = factory.Logs.Lines.Skip(logLinesBefore).ToList();
        Assert.Contains(lines, l => l.StartsWith("Warning ", StringComparison.Ordinal) && l.Contains("Database unavailable for GET /api/v1/me/children", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Database unavailable for GET /api/v1/facility/children", StringComparison.Ordinal));
        var errors = lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "Error lines during the outage:\n" + string.Join('\n', errors));
        Assert.DoesNotContain(lines.Where(l => l.Contains("Database unavailable", StringComparison.Ordinal)), l => l.Contains("   at ", StringComparison.Ordinal));
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(200);
        return true;
    }
}
