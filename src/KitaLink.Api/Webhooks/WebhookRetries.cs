namespace KitaLink.Api.Webhooks;

/// <summary>
/// When a failed delivery is tried again: after <c>BackoffBaseSeconds</c>, doubling per attempt up to
/// <c>BackoffCapSeconds</c>, for <c>RetryPeriod</c> from the delivery's start; the last attempt is made at the end of
/// the period, so a receiver is retried for the whole period (24 hours by default).
/// </summary>
public static class WebhookRetries
{
    /// <summary>The next attempt after failed attempt number <paramref name="attempts"/>, or null when the period is over.</summary>
    public static DateTimeOffset? NextAttempt(int attempts, DateTimeOffset retryFrom, DateTimeOffset now, WebhookOptions options)
    {
        var end = retryFrom + options.RetryPeriod;
        if (now >= end)
        {
            return null;
        }
        var next = now + Delay(attempts, options);
        return next < end ? next : end;
    }

    public static TimeSpan Delay(int attempts, WebhookOptions options)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var seconds = Math.Min(options.BackoffBaseSeconds * Math.Pow(2, exponent), options.BackoffCapSeconds);
        return TimeSpan.FromSeconds(seconds);
    }
}
