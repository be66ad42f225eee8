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
/// Concurrent requests are combined within the instance: while one upsert is in flight, the requests that arrive
/// (of any partition) wait for the next one, which adds each partition's new requests at once (<c>count + n</c>,
/// one row per partition) and gives each request its exact position in its partition's window. One address behind
/// a carrier's NAT therefore costs one row per round trip instead of a queue of upserts waiting for the same row
/// lock, and a thousand addresses share the round trips instead of paying one upsert each; the count stays exact
/// across instances (each row is one atomic addition), and every statement locks its rows in key order, so two
/// instances' statements cannot deadlock.
/// </para>
/// </summary>
public sealed class RateLimiter(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Upsert = """
        INSERT INTO rate_limit_counters AS c (key, window_start, count, expires_at)
        SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::timestamptz[])
        ON CONFLICT (key) DO UPDATE SET
            count = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.count + EXCLUDED.count ELSE EXCLUDED.count END,
            window_start = EXCLUDED.window_start,
            expires_at = EXCLUDED.expires_at
        RETURNING key, count
        """;

    private readonly Lock _gate = new();
    private List<Hit> _waiting = [];
    private bool _running;
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

        var count = await CountAsync(new Hit(key, windowStart, windowEnd), cancellationToken);

        if (Interlocked.Increment(ref _checks) % 1000 == 0)
        {
            await SweepAsync(now, cancellationToken);
        }
        var retryAfter = (int)Math.Ceiling((windowEnd - now).TotalSeconds);
        return new RateLimitDecision(count <= setting.Limit, Math.Max(1, retryAfter));
    }

    /// <summary>This request's position in its partition's window, counted in PostgreSQL (combined with concurrent ones).</summary>
    private async Task<long> CountAsync(Hit hit, CancellationToken cancellationToken)
    {
        bool leads;
        lock (_gate)
        {
            _waiting.Add(hit);
            leads = !_running;
            _running = true;
        }
        if (leads)
        {
            // Not the caller's token: the requests that joined meanwhile wait for the same statements.
            _ = RunAsync();
        }
        return await hit.Position.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Counts the waiting requests in one upsert, again and again while more arrive; then stops leading.</summary>
    private async Task RunAsync()
    {
        while (true)
        {
            List<Hit> hits;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }
                hits = _waiting;
                _waiting = [];
            }
            var rows = Rows(hits, out var later);
            if (later.Count > 0)
            {
                lock (_gate)
                {
                    _waiting.InsertRange(0, later);
                }
            }
            try
            {
                var totals = await UpsertAsync(rows);
                foreach (var row in rows)
                {
                    // The row's requests took the positions total - n + 1 ... total, in arrival order.
                    var total = totals[row.Key];
                    for (var i = 0; i < row.Hits.Count; i++)
                    {
                        row.Hits[i].Position.TrySetResult(total - row.Hits.Count + 1 + i);
                    }
                }
            }
            catch (Exception exception)
            {
                foreach (var hit in rows.SelectMany(r => r.Hits))
                {
                    hit.Position.TrySetException(exception);
                }
            }
        }
    }

    /// <summary>
    /// One row per partition, ordered by key (the lock order of every statement). A partition's requests of a later
    /// window than its first waiting one (a window ended while they waited) go into the next statement.
    /// </summary>
    private static List<Row> Rows(List<Hit> hits, out List<Hit> later)
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        later = [];
        foreach (var hit in hits)
        {
            if (!rows.TryGetValue(hit.Key, out var row))
            {
                rows.Add(hit.Key, new Row(hit.Key, hit.WindowStart, hit.WindowEnd, [hit]));
            }
            else if (row.WindowStart == hit.WindowStart)
            {
                row.Hits.Add(hit);
            }
            else
            {
                later.Add(hit);
            }
        }
        var ordered = rows.Values.ToList();
        ordered.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return ordered;
    }

    private async Task<Dictionary<string, long>> UpsertAsync(List<Row> rows)
    {
        await using var command = dataSource.CreateCommand(Upsert);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rows.Select(r => r.Key).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.WindowStart).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = rows.Select(r => r.Hits.Count).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = rows.Select(r => r.WindowEnd).ToArray() });
        var totals = new Dictionary<string, long>(rows.Count, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
        {
            totals[reader.GetString(0)] = reader.GetInt32(1);
        }
        return totals;
    }

    private async Task SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM rate_limit_counters WHERE expires_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One request waiting to be counted, and the position it gets in its partition's window.</summary>
    private sealed record Hit(string Key, DateTimeOffset WindowStart, DateTimeOffset WindowEnd)
    {
        public TaskCompletionSource<long> Position { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A partition's row in one upsert: its window and the requests it adds.</summary>
    private sealed record Row(string Key, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, List<Hit> Hits);
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
