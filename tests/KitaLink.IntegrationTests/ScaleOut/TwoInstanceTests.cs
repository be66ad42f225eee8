using System.Globalization;
using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

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
            ["RateLimits__LoginPerAccount__Limit"] = "4",
            ["RateLimits__LoginPerAccount__WindowSeconds"] = "600",
            ["Logging__LogLevel__Default"] = "Warning",
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
}
