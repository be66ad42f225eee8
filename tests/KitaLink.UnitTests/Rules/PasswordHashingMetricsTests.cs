using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Infrastructure.Telemetry;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Rules;

/// <summary>
/// What the hashing queue tells operations (docs/operations.md): hashes computed by operation with their wait,
/// refusals by reason (<c>queue_full</c>, <c>timeout</c>; a caller who gives up is no refusal) and the queue depth.
/// Each test listens only to its own meter, so tests running at the same time do not count into each other.
/// </summary>
public sealed class PasswordHashingMetricsTests : IDisposable
{
    private const string Password = "gelbe tulpen am fenster";

    private readonly KitaLinkMetrics _metrics = new(new OwnMeterFactory());
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public PasswordHashingMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }
        _measurements.Enqueue((instrument.Name, value, copy));
    }

    private List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags)).ToList();

    private PasswordHashing Create(int slots = 1, int queue = 0, int queueTimeoutMs = 600_000) =>
        new(Options.Create(new PasswordOptions
        {
            MaxConcurrentHashes = slots,
            MaxQueuedHashes = queue,
            Iterations = 1_000,
            QueueTimeoutMilliseconds = queueTimeoutMs,
        }), _metrics);

    [Fact]
    public async Task EveryComputation_IsCountedByOperation_WithItsQueueWait_AndOnlyNewHashesCountAsComputed()
    {
        using var hashing = Create();

        var hash = await hashing.HashAsync(Password, CancellationToken.None).Within();
        await hashing.VerifyAsync(hash, Password, CancellationToken.None).Within();
        await hashing.VerifyAgainstDummyAsync("anything at all", CancellationToken.None).Within();

        var operations = Of("kitalink.password_hash.operations");
        Assert.Equal(["hash", "verify", "verify"], operations.Select(m => (string?)m.Tags["operation"]).Order().ToList());
        Assert.All(operations, m => Assert.Equal(1, m.Value));
        var waits = Of("kitalink.password_hash.queue.wait");
        Assert.Equal(3, waits.Count);
        Assert.All(waits, m => Assert.InRange(m.Value, 0, 60));
        Assert.Equal(1, hashing.HashesComputed);
        Assert.Empty(Of("kitalink.password_hash.refusals"));
    }

    [Fact]
    public async Task FullQueue_IsRefusedAs_QueueFull()
    {
        using var hashing = Create(queue: 1);
        using var busy = BusyWorker.Occupy(hashing);
        var waiting = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();

        var refusal = await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("blaue boote am see", CancellationToken.None).Within());

        Assert.Equal("All password hashing workers are busy.", refusal.Message);
        var refusals = Of("kitalink.password_hash.refusals");
        Assert.Equal("queue_full", Assert.Single(refusals).Tags["reason"]);
        await busy.ReleaseAsync();
        await waiting;
    }

    [Fact]
    public async Task WaitBeyondTheQueueTimeout_IsRefusedAs_Timeout()
    {
        // The only worker is held until the request behind it, which may wait 50 ms, has been refused.
        using var hashing = Create(queueTimeoutMs: 50);
        using var busy = BusyWorker.Occupy(hashing);

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within());

        Assert.Equal("timeout", Assert.Single(Of("kitalink.password_hash.refusals")).Tags["reason"]);
        Assert.Equal(0, hashing.Queued);
        await busy.ReleaseAsync();
    }

    [Fact]
    public async Task CallerWhoGivesUpWhileQueued_IsCanceled_AndNoRefusal()
    {
        using var hashing = Create();
        using var busy = BusyWorker.Occupy(hashing);
        using var giveUp = new CancellationTokenSource();
        var waiting = hashing.HashAsync("rote rosen im garten", giveUp.Token).Within();

        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Empty(Of("kitalink.password_hash.refusals"));
        await busy.ReleaseAsync();
    }

    [Fact]
    public async Task AlreadyCanceledRequest_IsCanceledBeforeItAsksForAPlace()
    {
        // The queue is full: a canceled request that asked for a place would be refused as busy (503) instead.
        using var hashing = Create(queue: 1);
        using var busy = BusyWorker.Occupy(hashing);
        var waiting = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            hashing.HashAsync("blaue boote am see", new CancellationToken(canceled: true)).Within());

        Assert.Empty(Of("kitalink.password_hash.refusals"));
        Assert.Equal(1, hashing.Queued);
        await busy.ReleaseAsync();
        await waiting;
    }

    [Fact]
    public async Task QueueDepth_IsObservedAsAGauge()
    {
        using var hashing = Create();
        var gauge = FindGauge();
        Assert.NotNull(gauge);
        Assert.Equal("{request}", gauge.Unit);
        Assert.False(string.IsNullOrWhiteSpace(gauge.Description));

        using var busy = BusyWorker.Occupy(hashing);
        var waiting = hashing.HashAsync("rote rosen im garten", CancellationToken.None).Within();
        _listener.RecordObservableInstruments();

        Assert.Equal(1, Of("kitalink.password_hash.queue.depth").Last().Value);
        await busy.ReleaseAsync();
        await waiting;
        _listener.RecordObservableInstruments();
        Assert.Equal(0, Of("kitalink.password_hash.queue.depth").Last().Value);
    }

    private Instrument? FindGauge()
    {
        Instrument? found = null;
        using var probe = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter, _metrics.Meter) && instrument.Name == "kitalink.password_hash.queue.depth")
                {
                    found = instrument;
                }
            },
        };
        probe.Start();
        return found;
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Meter.Dispose();
    }

    private sealed class OwnMeterFactory : IMeterFactory
    {
        public Meter Create(MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
