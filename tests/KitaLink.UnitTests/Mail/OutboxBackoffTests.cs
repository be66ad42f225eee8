using KitaLink.Api.Infrastructure.Email;

namespace KitaLink.UnitTests.Mail;

public sealed class OutboxBackoffTests
{
    private static readonly OutboxOptions s_options = new() { BackoffBaseSeconds = 15, BackoffCapSeconds = 3600 };

    [Fact]
    public void Delay_DoublesWithEveryAttempt_FromTheBase()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), OutboxBackoff.Delay(1, s_options, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(30), OutboxBackoff.Delay(2, s_options, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(60), OutboxBackoff.Delay(3, s_options, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(1920), OutboxBackoff.Delay(8, s_options, random: 0));
    }

    [Fact]
    public void Delay_StopsGrowingAtTheCap_WithoutOverflow()
    {
        Assert.Equal(TimeSpan.FromHours(1), OutboxBackoff.Delay(9, s_options, random: 0));
        Assert.Equal(TimeSpan.FromHours(1), OutboxBackoff.Delay(20, s_options, random: 0));
        Assert.Equal(TimeSpan.FromHours(1), OutboxBackoff.Delay(int.MaxValue, s_options, random: 0));
    }

    [Fact]
    public void Jitter_ShortensByAtMostOneFifth_AndNeverExceedsTheCap()
    {
        Assert.Equal(TimeSpan.FromSeconds(12), OutboxBackoff.Delay(1, s_options, random: 1));
        for (var attempt = 1; attempt <= 20; attempt++)
        {
            var full = OutboxBackoff.Delay(attempt, s_options, 0);
            var jittered = OutboxBackoff.Delay(attempt, s_options, Random.Shared.NextDouble());
            Assert.InRange(jittered, full * 0.8, full);
            Assert.True(jittered <= TimeSpan.FromHours(1));
        }
    }

    [Fact]
    public void OutageDelay_OfTheSenderLoop_DoublesUpToThirtySeconds()
    {
        var poll = TimeSpan.FromMilliseconds(500);
        Assert.Equal(TimeSpan.FromSeconds(1), OutboxSender.OutageDelay(poll, 1));
        Assert.Equal(TimeSpan.FromSeconds(2), OutboxSender.OutageDelay(poll, 2));
        Assert.Equal(TimeSpan.FromSeconds(30), OutboxSender.OutageDelay(poll, 10));
        Assert.Equal(TimeSpan.FromSeconds(30), OutboxSender.OutageDelay(poll, 1000));
    }
}
