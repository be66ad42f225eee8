using System.Net;
using System.Net.Http.Json;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// <c>X-Forwarded-For</c> counts only when the connection comes from a configured proxy
/// (<c>ForwardedHeaders:KnownProxies</c>); then the address the proxy saw is the client address for rate
/// limits and the audit trail. From anyone else the header is ignored, so a client cannot pick a fresh
/// address per request to dodge a limit, or put someone else's address into the trail.
/// </summary>
public sealed class ForwardedHeadersTests(TightLimitsFactory factory) : IClassFixture<TightLimitsFactory>
{
    private const string StaffTokenPath = "/api/v1/staff/auth/token";

    private static async Task<HttpResponseMessage> FailedLoginAsync(HttpClient client, string email, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, StaffTokenPath)
        {
            Content = JsonContent.Create(new { email, password = "Not-The-Password-2026" }),
        };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return await client.SendAsync(request);
    }

    /// <summary>An email whose masked form (as the audit trail keeps unknown emails) is unique.</summary>
    private static string ProbeEmail() => $"probe@{Guid.NewGuid():N}.example";

    private async Task<string?> AuditedAddressAsync(string email)
    {
        var masked = EmailAddress.Mask(email);
        var audited = await factory.QueryDbAsync(db => db.AuditEvents.AsNoTracking()
            .SingleAsync(e => e.Action == AuditActions.LoginFailed && e.ActorName == masked));
        return audited.ClientAddress;
    }

    [Fact]
    public async Task ForwardedFor_FromTheTrustedProxy_IsTheClientAddressInTheAuditTrail()
    {
        var client = SecurityFactory.UniqueAddress();
        var email = ProbeEmail();

        await (await FailedLoginAsync(factory.ClientFrom(SecurityFactory.ProxyAddress), email, client))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        Assert.Equal(client, await AuditedAddressAsync(email));
    }

    [Fact]
    public async Task ForwardedFor_FromAnUntrustedPeer_IsIgnored()
    {
        var peer = SecurityFactory.UniqueAddress();
        var email = ProbeEmail();

        await (await FailedLoginAsync(factory.ClientFrom(peer), email, forwardedFor: "192.0.2.99"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        Assert.Equal(peer, await AuditedAddressAsync(email));
    }

    [Fact]
    public async Task ForwardedFor_WithAChain_TakesOnlyTheHopTheProxyAdded()
    {
        // The client wrote "192.0.2.66" itself; the proxy appended the address it really saw.
        var client = SecurityFactory.UniqueAddress();
        var email = ProbeEmail();

        await (await FailedLoginAsync(factory.ClientFrom(SecurityFactory.ProxyAddress), email, $"192.0.2.66, {client}"))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);

        Assert.Equal(client, await AuditedAddressAsync(email));
    }

    [Fact]
    public async Task RateLimits_BehindTheProxy_CountPerForwardedClient_NotForTheProxy()
    {
        var proxy = factory.ClientFrom(SecurityFactory.ProxyAddress);
        var busy = SecurityFactory.UniqueAddress();
        for (var i = 0; i < TightLimitsFactory.Limit; i++)
        {
            await (await FailedLoginAsync(proxy, ProbeEmail(), busy)).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        await (await FailedLoginAsync(proxy, ProbeEmail(), busy)).ExpectProblemAsync(HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);

        // Everybody else behind the same proxy is unaffected.
        await (await FailedLoginAsync(proxy, ProbeEmail(), SecurityFactory.UniqueAddress())).ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
    }

    [Fact]
    public async Task RateLimits_FromAnUntrustedPeer_CannotBeDodgedWithMadeUpForwardedAddresses()
    {
        var attacker = factory.ClientFrom(SecurityFactory.UniqueAddress());
        for (var i = 0; i < TightLimitsFactory.Limit; i++)
        {
            await (await FailedLoginAsync(attacker, ProbeEmail(), SecurityFactory.UniqueAddress()))
                .ExpectProblemAsync(HttpStatusCode.Unauthorized, ErrorCodes.InvalidCredentials);
        }
        await (await FailedLoginAsync(attacker, ProbeEmail(), SecurityFactory.UniqueAddress()))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
    }
}
