using System.Globalization;
using System.Net;
using KitaLink.IntegrationTests.Infrastructure;
using MimeKit;

namespace KitaLink.IntegrationTests.ScaleOut;

/// <summary>
/// Two real API processes on one PostgreSQL database, as behind a load balancer: they share accounts,
/// Data Protection keys, the signing key, rate-limit counters and lockouts.
/// </summary>
public sealed class TwoInstances : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public SmtpPeer Smtp { get; } = new();
    public ApiProcess A { get; private set; } = null!;
    public ApiProcess B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync();
        Smtp.Start();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = ConnectionString,
            ["Jwt__SigningKey"] = KitaLinkFactory.JwtSigningKey,
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp__From"] = "KitaLink Test <no-reply@test.kitalink.example>",
            ["Smtp__UseTls"] = "false",
            ["Outbox__PollIntervalMilliseconds"] = "100",
            ["Bootstrap__OperatorEmail"] = KitaLinkFactory.OperatorEmail,
            ["Bootstrap__OperatorPassword"] = KitaLinkFactory.OperatorPassword,
            ["RateLimits__RegistrationPerAddress__Limit"] = "100000",
            ["RateLimits__RedemptionPerAddress__Limit"] = "100000",
            ["RateLimits__RedemptionPerAccount__Limit"] = "100000",
            ["RateLimits__LoginPerAddress__Limit"] = "100000",
            ["RateLimits__LoginPerAccount__Limit"] = "4",
            // A window far longer than the test: a fixed window that ended between two of its requests would reset the count.
            ["RateLimits__LoginPerAccount__WindowSeconds"] = "31536000",
            ["Logging__LogLevel__Default"] = "Warning",
            // The capacity the parallel tests rely on, independent of the machine's cores and load.
            ["Passwords__MaxConcurrentHashes"] = "2",
            ["Passwords__MaxQueuedHashes"] = "200",
            ["Passwords__QueueTimeoutMilliseconds"] = "60000",
        };
        // One after the other: both would otherwise race to create the bootstrap operator (harmless, but noisy).
        A = await ApiProcess.StartAsync(environment);
        B = await ApiProcess.StartAsync(environment);
    }

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Smtp.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }
}

[Collection(ApiProcessCollection.Name)]
public sealed class TwoInstanceTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    [Fact]
    public async Task TokenIssuedByOneInstance_IsAcceptedByTheOther()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var token = await a.OperatorTokenAsync();

        await (await b.GetAsync("/api/v1/facilities", token)).ExpectAsync(HttpStatusCode.OK);
        await (await b.GetAsync("/api/v1/facilities", token: null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task RateLimitCounters_AreSharedBetweenProcesses()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var email = $"spread-{Guid.NewGuid():N}@test.kitalink.example";
        for (var i = 0; i < 4; i++)
        {
            var client = i % 2 == 0 ? a : b;
            await (await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await (await a.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await b.PostJsonAsync("/api/v1/staff/auth/token", new { email, password = "wrong-password-123" }))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task FiftyParallelRedemptionsAcrossBothInstances_LinkExactlyOnce()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var facility = await a.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var guardian = await a.CreateChildWithGuardianAsync(facility, email);
        var pins = await CreatePinsAsync(b, facility, guardian);

        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var client = i % 2 == 0 ? a : b;
            return await client.RegisterAsync(email, pins.Pin1, pins.Pin2);
        })).ToList();
        start.Release(50);
        var responses = await Task.WhenAll(attempts);

        var answers = new List<(int Status, string Body)>();
        foreach (var response in responses)
        {
            answers.Add(((int)response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        // Every answer but the one 201 must be 409 pins_already_used; anything else is listed in the failure.
        var unexpected = answers.Where(a => a.Status != 201 && !(a.Status == 409 && a.Body.Contains("\"pins_already_used\"", StringComparison.Ordinal))).ToList();
        Assert.True(answers.Count(a => a.Status == 201) == 1 && unexpected.Count == 0,
            $"{answers.Count(a => a.Status == 201)} of 50 succeeded; unexpected answers:\n" + string.Join('\n', unexpected.Select(u => $"{u.Status} {u.Body}")));
    }

    [Fact]
    public async Task OutboxWithBothSendersRunning_DeliversEveryMailExactlyOnce()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var facility = await a.CreateFacilityAsync();
        var created = new List<(string Email, Guid MessageId)>();
        for (var i = 0; i < 30; i++)
        {
            var client = i % 2 == 0 ? a : b;
            var guardian = await client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail(prefix: $"once{i}"));
            var body = await (await client.PostJsonAsync(
                $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
                .ExpectAsync(HttpStatusCode.Created);
            created.Add((guardian.Email, body.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid()));
        }

        foreach (var (email, messageId) in created)
        {
            await instances.Smtp.WaitForMailAsync(email, messageId);
        }
        // Both senders poll every 100 ms: give a second send, if any, ample time to show up.
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var (email, _) in created)
        {
            Assert.Single(instances.Smtp.To(email));
        }
    }

    [Fact]
    public async Task FailedAttemptsOnBothInstances_LockThePairForBoth()
    {
        using var a = instances.A.CreateClient();
        using var b = instances.B.CreateClient();
        var facility = await b.CreateFacilityAsync();
        var email = ParentApi.UniqueEmail();
        var guardian = await b.CreateChildWithGuardianAsync(facility, email);
        var pins = await CreatePinsAsync(a, facility, guardian);
        var wrongPin2 = pins.Pin2 == "2222-2222" ? "3333-3333" : "2222-2222";

        for (var i = 0; i < 5; i++)
        {
            var client = i % 2 == 0 ? a : b;
            await (await client.RegisterAsync(email, pins.Pin1, wrongPin2)).ExpectProblemAsync((HttpStatusCode)422, "pins_invalid");
        }
        await (await a.RegisterAsync(email, pins.Pin1, pins.Pin2)).ExpectProblemAsync((HttpStatusCode)423, "pins_locked");
        await (await b.RegisterAsync(email, pins.Pin1, pins.Pin2)).ExpectProblemAsync((HttpStatusCode)423, "pins_locked");
    }

    private async Task<TestPins> CreatePinsAsync(HttpClient client, TestFacility facility, TestGuardian guardian)
    {
        var created = await (await client.PostJsonAsync(
            $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        MimeMessage mail = await instances.Smtp.WaitForMailAsync(guardian.Email, created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
        return new TestPins(guardian.ChildId, guardian.GuardianId, created.GetProperty("pin1").GetString()!,
            StaffApi.Pin2Of(mail), created.GetProperty("expiresAt").GetDateTimeOffset());
    }
}
