using System.Collections.Concurrent;
using System.Globalization;
using KitaLink.Api.Infrastructure.Http;
using Microsoft.Extensions.Options;
using Npgsql;

namespace KitaLink.Api.Infrastructure.Security;

/// <summary>A limit: at most <see cref="Limit"/> requests per <see cref="WindowSeconds"/> and partition.</summary>
public sealed class RateLimitSetting
{
    public int Limit { get; set; }
    public int WindowSeconds { get; set; }
}

/// <summary>
/// <c>RateLimits__{Name}__Limit</c> / <c>__WindowSeconds</c>. Defaults are generous for people and tight
/// for scripts; every limit is per client address or per account/pair, never global.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public Dictionary<string, RateLimitSetting> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [RateLimitRules.Names.RegistrationPerAddress] = new() { Limit = 20, WindowSeconds = 600 },
        [RateLimitRules.Names.RedemptionPerAddress] = new() { Limit = 30, WindowSeconds = 600 },
        [RateLimitRules.Names.RedemptionPerAccount] = new() { Limit = 20, WindowSeconds = 3600 },
        [RateLimitRules.Names.LoginPerAddress] = new() { Limit = 60, WindowSeconds = 300 },
        [RateLimitRules.Names.LoginPerAccount] = new() { Limit = 20, WindowSeconds = 900 },
        [RateLimitRules.Names.RefreshPerAddress] = new() { Limit = 120, WindowSeconds = 300 },
        [RateLimitRules.Names.PasswordResetPerAddress] = new() { Limit = 10, WindowSeconds = 900 },
        [RateLimitRules.Names.PasswordResetPerAccount] = new() { Limit = 3, WindowSeconds = 3600 },
        [RateLimitRules.Names.Pin2ResendPerAddress] = new() { Limit = 60, WindowSeconds = 3600 },
        [RateLimitRules.Names.ExportPerAccount] = new() { Limit = 5, WindowSeconds = 3600 },
    };
}

public sealed record RateLimitDecision(bool Allowed, int RetryAfterSeconds);

/// <summary>
/// Fixed-window counters in PostgreSQL (<c>rate_limit_counters</c>, unlogged), so a limit holds across every API
/// instance behind the load balancer. Every request is counted before it is decided, in one atomic upsert.
/// <para>
/// Concurrent requests of one partition (every parent behind a carrier's NAT shares an address) are combined
/// within the instance: while one upsert for the partition's counter is in flight, the requests that arrive wait
/// for the next one, which adds all of them at once (<c>count + n</c>) and gives each its exact position in the
/// window. One address therefore costs one upsert per round trip instead of a queue of upserts waiting for the
/// same row lock, and the count stays exact across instances (each batch is one atomic addition).
/// </para>
/// </summary>
public sealed class RateLimiter(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Upsert = """
        INSERT INTO rate_limit_counters (key, window_start, count, expires_at)
        VALUES ($1, $2, $4, $3)
        ON CONFLICT (key) DO UPDATE SET
            count = CASE WHEN rate_limit_counters.window_start = EXCLUDED.window_start
                         THEN rate_limit_counters.count + EXCLUDED.count ELSE EXCLUDED.count END,
            window_start = EXCLUDED.window_start,
            expires_at = EXCLUDED.expires_at
        RETURNING count
        """;

    private readonly ConcurrentDictionary<(string Key, long Window), Batch> _batches = new();
    private long _checks;

    public async Task<RateLimitDecision> HitAsync(string key, RateLimitSetting setting, CancellationToken cancellationToken)
    {
        if (setting.Limit <= 0 || setting.WindowSeconds <= 0)
        {
            return new RateLimitDecision(true, 0);
        }
        var now = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(setting.WindowSeconds);
        var windowStart = new DateTimeOffset(now.UtcTicks - now.UtcTicks % window.Ticks, TimeSpan.Zero);
        var windowEnd = windowStart + window;

        var count = await CountAsync(key, windowStart, windowEnd, cancellationToken);

        if (Interlocked.Increment(ref _checks) % 1000 == 0)
        {
            await SweepAsync(now, cancellationToken);
        }
        var retryAfter = (int)Math.Ceiling((windowEnd - now).TotalSeconds);
        return new RateLimitDecision(count <= setting.Limit, Math.Max(1, retryAfter));
    }

    /// <summary>This request's position in the partition's window, counted in PostgreSQL (combined with concurrent ones).</summary>
    private async Task<long> CountAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, CancellationToken cancellationToken)
    {
        var hit = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Batch batch;
        bool leads;
        while (true)
        {
            batch = _batches.GetOrAdd((key, windowStart.UtcTicks), _ => new Batch());
            lock (batch)
            {
                if (batch.Retired)
                {
                    continue;
                }
                batch.Waiting.Add(hit);
                leads = !batch.Running;
                batch.Running = true;
            }
            break;
        }
        if (leads)
        {
            // Not the caller's token: the requests that joined this batch wait for its answer as well.
            _ = RunAsync(key, windowStart, windowEnd, batch);
        }
        return await hit.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Adds the waiting requests in one upsert, again and again while more arrive; then retires the batch.</summary>
    private async Task RunAsync(string key, DateTimeOffset windowStart, DateTimeOffset windowEnd, Batch batch)
    {
        while (true)
        {
            List<TaskCompletionSource<long>> hits;
            lock (batch)
            {
                if (batch.Waiting.Count == 0)
                {
                    batch.Retired = true;
                    _batches.TryRemove(new KeyValuePair<(string, long), Batch>((key, windowStart.UtcTicks), batch));
                    return;
                }
                hits = batch.Waiting;
                batch.Waiting = [];
            }
            try
            {
                await using var command = dataSource.CreateCommand(Upsert);
                command.Parameters.Add(new NpgsqlParameter { Value = key });
                command.Parameters.Add(new NpgsqlParameter { Value = windowStart });
                command.Parameters.Add(new NpgsqlParameter { Value = windowEnd });
                command.Parameters.Add(new NpgsqlParameter { Value = hits.Count });
                var total = Convert.ToInt64(await command.ExecuteScalarAsync(CancellationToken.None), CultureInfo.InvariantCulture);
                // The batch took the positions total - n + 1 ... total, in arrival order.
                for (var i = 0; i < hits.Count; i++)
                {
                    hits[i].TrySetResult(total - hits.Count + 1 + i);
                }
            }
            catch (Exception exception)
            {
                foreach (var hit in hits)
                {
                    hit.TrySetException(exception);
                }
            }
        }
    }

    private async Task SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM rate_limit_counters WHERE expires_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The requests of one partition and window waiting for the next upsert, and whether a leader (its first request) runs the upserts.</summary>
    private sealed class Batch
    {
        public List<TaskCompletionSource<long>> Waiting { get; set; } = [];
        public bool Running { get; set; }
        public bool Retired { get; set; }
    }
}

/// <summary>A named limit and how a request maps to its partition (null: the rule does not apply).</summary>
public sealed record RateLimitRule(string Name, Func<EndpointFilterInvocationContext, string?> Partition);

public static class RateLimitRules
{
    public static class Names
    {
        public const string RegistrationPerAddress = "RegistrationPerAddress";
        public const string RedemptionPerAddress = "RedemptionPerAddress";
        public const string RedemptionPerAccount = "RedemptionPerAccount";
        public const string LoginPerAddress = "LoginPerAddress";
        public const string LoginPerAccount = "LoginPerAccount";
        public const string RefreshPerAddress = "RefreshPerAddress";
        public const string PasswordResetPerAddress = "PasswordResetPerAddress";
        public const string PasswordResetPerAccount = "PasswordResetPerAccount";
        public const string Pin2ResendPerAddress = "Pin2ResendPerAddress";
        public const string ExportPerAccount = "ExportPerAccount";
    }

    /// <summary>Partitions by the client address (after trusted forwarded headers).</summary>
    public static RateLimitRule PerAddress(string name) => new(name, context => ClientAddress.Of(context.HttpContext));

    /// <summary>Partitions by the authenticated user.</summary>
    public static RateLimitRule PerUser(string name) =>
        new(name, context => context.HttpContext.User.Identity?.IsAuthenticated == true ? context.HttpContext.User.UserId().ToString() : null);

    /// <summary>Partitions by a value of the request body, e.g. the normalised email of a login.</summary>
    public static RateLimitRule PerRequest<TRequest>(string name, Func<TRequest, string?> partition) =>
        new(name, context => context.Arguments.OfType<TRequest>().FirstOrDefault() is { } request ? partition(request) : null);
}

/// <summary>Checks every rule of the endpoint before validation and the handler run; the first exceeded one answers 429.</summary>
internal sealed class RateLimitFilter(IReadOnlyList<RateLimitRule> rules) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var services = context.HttpContext.RequestServices;
        var limiter = services.GetRequiredService<RateLimiter>();
        var options = services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        foreach (var rule in rules)
        {
            var partition = rule.Partition(context);
            if (partition is null || !options.Rules.TryGetValue(rule.Name, out var setting))
            {
                continue;
            }
            // Hashed: partitions can be emails (personal data that does not belong in a counter table) or
            // arbitrary client input (any length, control characters PostgreSQL text refuses).
            var key = $"{rule.Name}:{Convert.ToHexString(SecretTokens.Hash(partition))}";
            var decision = await limiter.HitAsync(key, setting, context.HttpContext.RequestAborted);
            if (!decision.Allowed)
            {
                SecurityLog.RateLimited(context.HttpContext, rule.Name, decision.RetryAfterSeconds);
                services.GetRequiredService<Telemetry.KitaLinkMetrics>().RateLimited(rule.Name);
                return ApiProblem.RateLimited(decision.RetryAfterSeconds);
            }
        }
        return await next(context);
    }
}

public static class RateLimitingSetup
{
    public static IServiceCollection AddKitaLinkRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Configure(options =>
        {
            foreach (var section in configuration.GetSection(RateLimitOptions.Section).GetChildren())
            {
                var setting = options.Rules.TryGetValue(section.Key, out var existing) ? existing : new RateLimitSetting();
                setting.Limit = int.Parse(section["Limit"] ?? setting.Limit.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                setting.WindowSeconds = int.Parse(section["WindowSeconds"] ?? setting.WindowSeconds.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
                options.Rules[section.Key] = setting;
            }
        });
        services.AddSingleton<RateLimiter>();
        return services;
    }

    /// <summary>Applies PostgreSQL-backed limits to the endpoint and documents the 429 answer.</summary>
    public static RouteHandlerBuilder WithRateLimits(this RouteHandlerBuilder builder, params RateLimitRule[] rules) =>
        builder.AddEndpointFilter(new RateLimitFilter(rules)).ProducesErrors(ErrorCodes.RateLimited);
}
