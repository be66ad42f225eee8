using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace KitaLink.Api.Infrastructure.Telemetry;

/// <summary>
/// KitaLink's own traces and metrics, both named <c>KitaLink</c> (docs/operations.md lists every instrument and
/// suggests alerts). Request rate and latency come from the ASP.NET Core instrumentation
/// (<c>http.server.request.duration</c>), database spans from Npgsql; what only KitaLink knows is measured here.
/// Instruments whose value lives in a component (the hashing queue, the outbox backlog) are observed from there.
/// </summary>
public sealed class KitaLinkMetrics
{
    public const string Name = "KitaLink";

    /// <summary>Spans of background work (the outbox sender; later the bounce reader).</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _hashOperations;
    private readonly Histogram<double> _hashQueueWait;
    private readonly Counter<long> _hashRefusals;
    private readonly Counter<long> _rateLimitRefusals;
    private readonly Counter<long> _mailDeliveries;
    private readonly Counter<long> _auditEvents;

    public KitaLinkMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(Name);
        _hashOperations = Meter.CreateCounter<long>("kitalink.password_hash.operations", "{operation}",
            "Password hashes computed, by operation (hash: a new password; verify: a sign-in or password check).");
        _hashQueueWait = Meter.CreateHistogram("kitalink.password_hash.queue.wait", "s",
            "Time a password check waited for a hashing thread.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _hashRefusals = Meter.CreateCounter<long>("kitalink.password_hash.refusals", "{request}",
            "Requests answered 503 because password hashing was saturated, by reason (queue_full, timeout).");
        _rateLimitRefusals = Meter.CreateCounter<long>("kitalink.rate_limit.refusals", "{request}",
            "Requests answered 429 rate_limited, by rule.");
        _mailDeliveries = Meter.CreateCounter<long>("kitalink.outbox.deliveries", "{message}",
            "Delivery attempts of the mail outbox, by outcome (sent, retrying, failed) and kind.");
        _auditEvents = Meter.CreateCounter<long>("kitalink.audit.events", "{event}",
            "Committed audit events by action: pins.created, pins.redeemed, pins.locked, auth.login_failed, ...");
    }

    /// <summary>The <c>KitaLink</c> meter, for instruments observed by the component that owns the value.</summary>
    public Meter Meter { get; }

    public void HashComputed(string operation, TimeSpan queueWait)
    {
        _hashOperations.Add(1, new KeyValuePair<string, object?>("operation", operation));
        _hashQueueWait.Record(queueWait.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
    }

    public void HashRefused(string reason) => _hashRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RateLimited(string rule) => _rateLimitRefusals.Add(1, new KeyValuePair<string, object?>("rule", rule));

    public void MailDelivery(string outcome, string kind) =>
        _mailDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("kind", kind));

    public void AuditEvent(string action) => _auditEvents.Add(1, new KeyValuePair<string, object?>("action", action));
}
