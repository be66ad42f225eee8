using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Foundation;

public sealed class HealthTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task Live_ReturnsHealthy()
    {
        var body = await (await factory.CreateClient().GetAsync("/health/live")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_WithReachableDatabase_ReturnsHealthy()
    {
        var body = await (await factory.CreateClient().GetAsync("/health/ready")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetString());
    }
}

/// <summary>The service pointed at a PostgreSQL port where nothing listens.</summary>
public sealed class UnreachableDatabaseFactory : KitaLinkFactory
{
    public override Task InitializeAsync()
    {
        Smtp.Start();
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        ConnectionString = $"Host=127.0.0.1;Port={port};Database=missing;Username=kitalink;Timeout=2";
        return Task.CompletedTask;
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // No operator bootstrap: there is no database to write it to.
        ["Bootstrap:OperatorEmail"] = "",
    };
}

public sealed class HealthWithoutDatabaseTests(UnreachableDatabaseFactory factory) : IClassFixture<UnreachableDatabaseFactory>
{
    [Fact]
    public async Task Ready_WhenDatabaseIsDown_Returns503Unhealthy()
    {
        var body = await (await factory.CreateClient().GetAsync("/health/ready")).ExpectAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("database").GetString());
    }

    [Fact]
    public async Task Live_WhenDatabaseIsDown_StillReturnsHealthy()
    {
        await (await factory.CreateClient().GetAsync("/health/live")).ExpectAsync(HttpStatusCode.OK);
    }
}
