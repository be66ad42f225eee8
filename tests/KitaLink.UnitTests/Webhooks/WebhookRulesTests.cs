using System.Security.Cryptography;
using System.Text;
using KitaLink.Api.Webhooks;

namespace KitaLink.UnitTests.Webhooks;

public sealed class WebhookRetriesTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Delay_DoublesFromTheBase_UpToTheCap()
    {
        var options = new WebhookOptions { BackoffBaseSeconds = 10, BackoffCapSeconds = 100 };
        Assert.Equal(TimeSpan.FromSeconds(10), WebhookRetries.Delay(1, options));
        Assert.Equal(TimeSpan.FromSeconds(20), WebhookRetries.Delay(2, options));
        Assert.Equal(TimeSpan.FromSeconds(80), WebhookRetries.Delay(4, options));
        Assert.Equal(TimeSpan.FromSeconds(100), WebhookRetries.Delay(5, options));
        Assert.Equal(TimeSpan.FromSeconds(100), WebhookRetries.Delay(500, options));
    }

    [Fact]
    public void DefaultSchedule_RetriesForTwentyFourHours_AndTheLastAttemptIsAtTheEnd()
    {
        var options = new WebhookOptions();
        var now = s_start;
        var attempts = 1;
        var times = new List<DateTimeOffset> { now };
        while (WebhookRetries.NextAttempt(attempts, s_start, now, options) is { } next)
        {
            Assert.True(next > now);
            now = next;
            times.Add(now);
            attempts++;
        }
        Assert.Equal(s_start + TimeSpan.FromHours(24), times[^1]);
        Assert.InRange(attempts, 10, 25);
        Assert.Equal(TimeSpan.FromSeconds(10), times[1] - times[0]);
        Assert.Equal(TimeSpan.FromSeconds(20), times[2] - times[1]);
    }

    [Fact]
    public void NoNextAttempt_OnceTheRetryPeriodIsOver() =>
        Assert.Null(WebhookRetries.NextAttempt(3, s_start, s_start + TimeSpan.FromHours(24), new WebhookOptions()));
}

public sealed class WebhookEndpointTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private static WebhookEndpoint Endpoint() =>
        new(Guid.NewGuid(), "https://a.example/h", [WebhookEventTypes.PinPairCreated], null, "protected", s_now);

    [Fact]
    public void GivingUp_DisablesTheEndpoint_WhenNothingSucceededSinceTheDeliveryStarted()
    {
        var endpoint = Endpoint();
        endpoint.RecordFailure(s_now);
        endpoint.RecordFailure(s_now.AddHours(5));
        Assert.True(endpoint.DisableWhenFailingSince(s_now, "HTTP 500 answer", s_now.AddHours(24)));
        Assert.Equal(WebhookEndpointStatus.Disabled, endpoint.Status);
        Assert.Contains("HTTP 500", endpoint.DisabledReason);
        Assert.Equal(s_now.AddHours(24), endpoint.DisabledAt);
    }

    [Fact]
    public void GivingUp_KeepsTheEndpoint_WhenAnotherDeliverySucceededMeanwhile()
    {
        var endpoint = Endpoint();
        endpoint.RecordFailure(s_now);
        endpoint.RecordSuccess(s_now.AddHours(2));
        endpoint.RecordFailure(s_now.AddHours(3));
        Assert.False(endpoint.DisableWhenFailingSince(s_now, "HTTP 500 answer", s_now.AddHours(24)));
        Assert.Equal(WebhookEndpointStatus.Active, endpoint.Status);
        Assert.Equal(s_now.AddHours(3), endpoint.FailingSince);
    }

    [Fact]
    public void Enabling_StartsAnew()
    {
        var endpoint = Endpoint();
        endpoint.RecordFailure(s_now);
        endpoint.DisableWhenFailingSince(s_now, "x", s_now.AddHours(24));
        endpoint.Enable(s_now.AddDays(2));
        Assert.Equal(WebhookEndpointStatus.Active, endpoint.Status);
        Assert.Null(endpoint.FailingSince);
        Assert.Null(endpoint.DisabledReason);
    }

    [Fact]
    public void EventTypes_AreStoredOnceAndSorted() =>
        Assert.Equal([WebhookEventTypes.GuardianLinked, WebhookEventTypes.PinPairCreated],
            new WebhookEndpoint(null, "https://a.example/h",
                [WebhookEventTypes.PinPairCreated, WebhookEventTypes.GuardianLinked, WebhookEventTypes.PinPairCreated], null, "p", s_now).EventTypes);
}

public sealed class WebhookSignatureTests
{
    /// <summary>A vector computed outside .NET (Python's hmac module) with the secret of the specification's examples.</summary>
    [Fact]
    public void Sign_MatchesAVectorComputedElsewhere()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7oM2k3nU8bA=";
        var signature = WebhookHttp.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), """{"test": 2432232314}""");
        Assert.Equal("v1,o9SvEWfblfLMK/nsx5O1F6TXSdjzAmz8JFAAmgQE5ck=", signature);
    }

    [Fact]
    public void Sign_IsHmacSha256OfIdTimestampAndBody_WithTheKeyAfterThePrefix()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var secret = "whsec_" + Convert.ToBase64String(key);
        const string body = """{"id":"evt_1","type":"pin_pair.created","data":{"ä":"ü"}}""";
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"evt_1.1764006130.{body}")));
        Assert.Equal(expected, WebhookHttp.Sign(secret, "evt_1", DateTimeOffset.FromUnixTimeSeconds(1764006130), body));
    }
}
