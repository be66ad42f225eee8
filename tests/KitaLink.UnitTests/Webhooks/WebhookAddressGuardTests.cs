using System.Net;
using System.Net.Sockets;
using KitaLink.Api.Webhooks;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace KitaLink.UnitTests.Webhooks;

public sealed class WebhookAddressGuardTests
{
    private static WebhookAddressGuard Guard(IWebhookHostResolver? resolver = null, params string[] allowed) =>
        new(resolver ?? Substitute.For<IWebhookHostResolver>(), Options.Create(new WebhookOptions { AllowedNetworks = allowed }));

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.3.4.5", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("10.20.30.40", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.178.1", "private")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("100.64.0.1", "shared (carrier-grade NAT)")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    public void NonPublicAddresses_AreRefusedWithTheirKind(string address, string kind) =>
        Assert.Equal(kind, Guard().RefusalOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2a00:1450:4001:82b::200e")]
    [InlineData("100.128.0.1")]
    public void PublicAddresses_AreAllowed(string address) =>
        Assert.Null(Guard().RefusalOf(IPAddress.Parse(address)));

    [Fact]
    public void AnAllowedNetwork_LiftsTheRefusalForItsAddressesOnly()
    {
        var guard = Guard(null, "10.20.0.0/16", "127.0.0.0/8");
        Assert.Null(guard.RefusalOf(IPAddress.Parse("10.20.1.2")));
        Assert.Null(guard.RefusalOf(IPAddress.Parse("127.0.0.1")));
        Assert.Null(guard.RefusalOf(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Equal("private", guard.RefusalOf(IPAddress.Parse("10.21.0.1")));
        Assert.Equal("loopback", guard.RefusalOf(IPAddress.Parse("::1")));
    }

    [Fact]
    public async Task EveryResolvedAddressIsChecked_OneRefusedAddressRefusesTheName()
    {
        var resolver = Substitute.For<IWebhookHostResolver>();
        resolver.ResolveAsync("mixed.example", Arg.Any<CancellationToken>())
            .Returns([IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.5")]);
        var error = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => Guard(resolver).CheckedAddressesAsync("mixed.example", CancellationToken.None));
        Assert.Equal(IPAddress.Parse("10.0.0.5"), error.Address);
    }

    [Fact]
    public async Task Rebinding_ANameThatTurnsIntoLoopback_IsRefusedAtTheNextConnection()
    {
        var resolver = Substitute.For<IWebhookHostResolver>();
        resolver.ResolveAsync("rebind.example", Arg.Any<CancellationToken>())
            .Returns([IPAddress.Parse("93.184.216.34")], [IPAddress.Loopback]);
        var guard = Guard(resolver);

        Assert.Equal([IPAddress.Parse("93.184.216.34")], await guard.CheckedAddressesAsync("rebind.example", CancellationToken.None));
        await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => guard.CheckedAddressesAsync("rebind.example", CancellationToken.None));
    }

    [Fact]
    public async Task Sender_DoesNotConnectToAReboundName_ButDoesWhenTheOperatorAllowsTheNetwork()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var resolver = Substitute.For<IWebhookHostResolver>();
        resolver.ResolveAsync("rebind.example", Arg.Any<CancellationToken>()).Returns([IPAddress.Loopback]);
        var url = $"http://rebind.example:{port}/hook";

        var strict = new WebhookOptions { TimeoutSeconds = 2 };
        using (var http = new WebhookHttp(new WebhookAddressGuard(resolver, Options.Create(strict)), Options.Create(strict)))
        {
            var refused = await http.SendAsync(url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7oM2k3nU8bA=", "evt_1", "{}", CancellationToken.None);
            Assert.False(refused.Succeeded);
            Assert.Contains("loopback", refused.Error);
            Assert.False(listener.Pending(), "no connection may reach the refused address");
        }

        var allowing = new WebhookOptions { TimeoutSeconds = 2, AllowedNetworks = ["127.0.0.0/8"] };
        using (var http = new WebhookHttp(new WebhookAddressGuard(resolver, Options.Create(allowing)), Options.Create(allowing)))
        {
            var sending = http.SendAsync(url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7oM2k3nU8bA=", "evt_1", "{}", CancellationToken.None);
            using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(accepted.Connected);
            accepted.Close();
            Assert.False((await sending).Succeeded);
        }
    }
}
