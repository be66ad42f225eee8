using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// The service under test: the real <c>Program</c> on its own migrated PostgreSQL database, a real SMTP
/// peer, a clock the test moves, and all log output captured. One instance per test class
/// (<c>IClassFixture</c>); tests create their own facilities and accounts, so they never collide.
/// </summary>
public class KitaLinkFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string OperatorEmail = "operator@test.kitalink.example";
    public const string OperatorPassword = "Operator-Test-Password-2026";
    public const string JwtSigningKey = "dGVzdC1vbmx5LWtleS1mb3Ita2l0YWxpbmstaW50ZWdyYXRpb24tdGVzdHMtMDE=";
    public const string PinHashKey = "dGVzdC1vbmx5LXBpbi1oYXNoLWtleS1mb3Ita2l0YWxpbmstdGVzdHMtMDEyMzQ=";

    public string ConnectionString { get; protected set; } = "";
    public SmtpPeer Smtp { get; } = new();
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public LogCapture Logs { get; } = new();

    /// <summary>Extra configuration of a test class (keys as in appsettings, e.g. <c>Pins:ValidityDays</c>).</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await PostgresServer.CreateDatabaseAsync();
        Smtp.Start();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Smtp.DisposeAsync();
        await DropDatabaseAsync();
    }

    /// <summary>Removes the class's database (a factory with its own PostgreSQL server removes that instead).</summary>
    protected virtual Task DropDatabaseAsync() => PostgresServer.DropDatabaseAsync(ConnectionString);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Jwt:SigningKey"] = JwtSigningKey,
            ["Pins:HashKey"] = PinHashKey,
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:From"] = "KitaLink Test <no-reply@test.kitalink.example>",
            ["Smtp:UseTls"] = "false",
            ["Outbox:PollIntervalMilliseconds"] = "100",
            ["Bootstrap:OperatorEmail"] = OperatorEmail,
            ["Bootstrap:OperatorPassword"] = OperatorPassword,
            ["Startup:ApplyMigrations"] = "false",
            ["Startup:SeedDemoData"] = "false",
            // Races of 20 or more registrations queue as many password hashes on a machine busy with other
            // builds; they must end in their real answers, not in a hashing-queue timeout (503).
            ["Passwords:QueueTimeoutMilliseconds"] = "60000",
            // The address check's typo rules run everywhere; its DNS part only where a test asks the test DNS
            // server (DnsFactory), so tests that do not care need no DNS and no listed domain.
            ["EmailCheck:LookupMailServers"] = "false",
            // Tests move the clock by weeks; the retention job runs only where a test asks for it (RetentionTests).
            ["Retention:Enabled"] = "false",
            // Operators sign in with a password only, except where a test asks for the second factor (SecondFactorTests).
            ["Mfa:RequiredForOperators"] = "false",
        };
        // Tests send everything from one client address; the limits are tested with tight values where it matters.
        foreach (var rule in typeof(KitaLink.Api.Infrastructure.Security.RateLimitRules.Names).GetFields())
        {
            settings[$"RateLimits:{rule.GetValue(null)}:Limit"] = "100000";
        }
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }
}
