using System.Collections.Concurrent;
using System.Net;
using KitaLink.Api.Audit;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Pins;

/// <summary>PIN codes the test dictates first, random ones afterwards.</summary>
public sealed class ScriptedPinCodeSource : PinCodeSource
{
    public ConcurrentQueue<string> Script { get; } = new();

    public override string Next() => Script.TryDequeue(out var code) ? code : base.Next();
}

public sealed class ScriptedPinsFactory : KitaLinkFactory
{
    public ScriptedPinCodeSource Codes { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<PinCodeSource>();
            services.AddSingleton<PinCodeSource>(Codes);
        });
    }
}

public sealed class PinCollisionTests(ScriptedPinsFactory factory) : IClassFixture<ScriptedPinsFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Pin1Collision_IsRetriedWithAFreshPin_AndThePreviousPairIsRevokedOnce()
    {
        var facility = await _client.CreateFacilityAsync();
        var first = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail("erste"));
        var second = await _client.CreateChildWithGuardianAsync(facility, UniqueEmail("zweite"));

        factory.Codes.Script.Enqueue("ABCDEFGH");
        factory.Codes.Script.Enqueue("JKLMNPQR");
        var taken = await (await _client.PostJsonAsync(PinsPath(first), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("ABCD-EFGH", taken.GetProperty("pin1").GetString());

        // The second guardian already has a pending pair that the new one must replace.
        var old = await (await _client.PostJsonAsync(PinsPath(second), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        foreach (var code in new[] { "ABCDEFGH", "STUVWXYZ", "23456789", "99887766" })
        {
            factory.Codes.Script.Enqueue(code);
        }
        var retried = await (await _client.PostJsonAsync(PinsPath(second), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("2345-6789", retried.GetProperty("pin1").GetString());
        var mail = await factory.Smtp.WaitForMailAsync(second.Email, retried.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
        Assert.Equal("9988-7766", StaffApi.Pin2Of(mail));

        Assert.Equal("pending", (await _client.PinViewAsync(facility.AdminToken, first)).GetProperty("status").GetString());
        var oldPairId = old.GetProperty("pinPairId").GetGuid();
        Assert.Equal(PinPairState.Revoked, (await factory.WithDbAsync(db => db.PinPairs.SingleAsync(p => p.Id == oldPairId))).State);
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.PinPairId == oldPairId && e.Action == AuditActions.PinsRevoked)));
        Assert.Equal(2, await factory.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.GuardianId == second.GuardianId)));
        Assert.Equal(2, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == second.GuardianId)));
    }
}
