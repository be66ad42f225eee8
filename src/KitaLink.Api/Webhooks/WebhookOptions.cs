using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace KitaLink.Api.Webhooks;

/// <summary>The <c>Webhooks:*</c> settings of the sender and the address rules of endpoint URLs.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Run the background sender in this instance (several instances may all run it).</summary>
    public bool Enabled { get; set; } = true;

    [Range(10, 60_000)]
    public int PollIntervalMilliseconds { get; set; } = 500;

    /// <summary>Deliveries claimed per round.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Requests one instance has in flight at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>How long a claimed delivery belongs to one sender before another instance may take it.</summary>
    [Range(30, 3600)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Budget of one request: connect, send, and the receiver's answer.</summary>
    [Range(1, 60)]
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Delay before the second attempt; it doubles with every further attempt.</summary>
    [Range(1, 86_400)]
    public int BackoffBaseSeconds { get; set; } = 10;

    /// <summary>Upper bound of the delay between two attempts.</summary>
    [Range(1, 86_400)]
    public int BackoffCapSeconds { get; set; } = 14_400;

    /// <summary>How long a delivery is retried; the last attempt is made at its end.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each instance looks for PIN pairs that expired, for <c>pin_pair.expired</c>.</summary>
    [Range(1, 3600)]
    public int ExpirySweepSeconds { get; set; } = 60;

    /// <summary>
    /// Networks (CIDR) that endpoints may reach although they are loopback, private or link-local, e.g. an
    /// integrator inside the operator's own network. Empty: only public addresses.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>Allow <c>http://</c> endpoint URLs. Null: only in Development.</summary>
    public bool? AllowHttp { get; set; }

    public IReadOnlyList<IPNetwork> Networks() =>
        AllowedNetworks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => IPNetwork.Parse(n.Trim())).ToList();
}

internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (options.BackoffCapSeconds < options.BackoffBaseSeconds)
        {
            failures.Add("Webhooks:BackoffCapSeconds must not be smaller than Webhooks:BackoffBaseSeconds.");
        }
        if (options.RetryPeriod < TimeSpan.FromMinutes(1) || options.RetryPeriod > TimeSpan.FromDays(30))
        {
            failures.Add("Webhooks:RetryPeriod must be between 00:01:00 and 30.00:00:00.");
        }
        if (options.LeaseSeconds < 3 * options.TimeoutSeconds)
        {
            failures.Add($"Webhooks:LeaseSeconds must be at least three request timeouts ({3 * options.TimeoutSeconds} s).");
        }
        foreach (var network in options.AllowedNetworks.Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            if (!IPNetwork.TryParse(network.Trim(), out _))
            {
                failures.Add($"Webhooks:AllowedNetworks: '{network}' is not a CIDR network (e.g. 10.20.0.0/16).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
